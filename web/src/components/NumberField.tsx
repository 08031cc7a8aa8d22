import { TextInput } from "@mantine/core";

// A whole number in a range, as the browser's own number input (light, keyboard-friendly).
export function NumberField({
  label,
  value,
  onChange,
  min,
  max,
  required,
}: {
  label: string;
  value: string | number;
  onChange: (value: string) => void;
  min: number;
  max: number;
  required?: boolean;
}) {
  return (
    <TextInput
      type="number"
      inputMode="numeric"
      label={label}
      value={String(value)}
      onChange={(event) => onChange(event.currentTarget.value)}
      min={min}
      max={max}
      step={1}
      required={required}
    />
  );
}
