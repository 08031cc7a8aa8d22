import { ActionIcon, Button, Fieldset, Group, TextInput } from "@mantine/core";

import type { NameRow } from "../app/forms.js";
import { useI18n } from "../app/i18n.js";

// Names (or titles) in several languages: a language tag and the text in its own script, a row
// each.
export function NamesInput({
  legend,
  rows,
  onChange,
}: {
  legend: string;
  rows: NameRow[];
  onChange: (rows: NameRow[]) => void;
}) {
  const { t } = useI18n();
  const set = (index: number, row: Partial<NameRow>) =>
    onChange(rows.map((r, i) => (i === index ? { ...r, ...row } : r)));
  return (
    <Fieldset legend={legend}>
      {rows.map((row, index) => (
        <Group key={index} align="end" gap="xs" mb="xs" wrap="nowrap">
          <TextInput
            label={t("admin.language")}
            value={row.languageCode}
            onChange={(event) => set(index, { languageCode: event.currentTarget.value })}
            w={90}
            maxLength={12}
          />
          <TextInput
            label={t("admin.text")}
            value={row.text}
            onChange={(event) => set(index, { text: event.currentTarget.value })}
            style={{ flex: 1 }}
            maxLength={500}
          />
          <ActionIcon
            variant="default"
            size="lg"
            aria-label={t("admin.removeName", { number: index + 1 })}
            onClick={() => onChange(rows.filter((_, i) => i !== index))}
            disabled={rows.length === 1}
          >
            ×
          </ActionIcon>
        </Group>
      ))}
      <Button
        variant="subtle"
        size="xs"
        onClick={() => onChange([...rows, { languageCode: "", text: "" }])}
      >
        {t("admin.addName")}
      </Button>
    </Fieldset>
  );
}
