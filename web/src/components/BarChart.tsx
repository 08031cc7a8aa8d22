import { Group, Text } from "@mantine/core";

export interface ChartBar {
  label: string;
  // One value per series, stacked left to right.
  values: number[];
  // Printed after the bar (e.g. "66.7% of 12").
  note?: string;
}

const WIDTH = 760;
const LABEL = 230;
const AREA = 400;
const ROW = 26;
const BAR = 18;

// A horizontal (stacked) bar chart in plain SVG, as luban-report draws its charts; the same
// figures are in the table beside it for anyone who cannot see it.
export function BarChart({
  title,
  series,
  colors,
  bars,
  scale,
}: {
  title: string;
  series: string[];
  colors: string[];
  bars: ChartBar[];
  // The value of a full bar; the largest bar's total when not given.
  scale?: number;
}) {
  const full = scale ?? Math.max(1, ...bars.map((b) => b.values.reduce((a, v) => a + v, 0)));
  const height = bars.length * ROW + 8;
  return (
    <figure style={{ margin: 0 }}>
      <Text component="figcaption" fw={600} mb={4}>
        {title}
      </Text>
      <svg
        viewBox={`0 0 ${WIDTH} ${height}`}
        width="100%"
        style={{ maxWidth: WIDTH }}
        role="img"
        aria-label={title}
      >
        {bars.map((bar, row) => {
          let x = LABEL;
          const y = row * ROW + 4;
          return (
            <g key={row}>
              <text x={LABEL - 8} y={y + BAR - 5} textAnchor="end" fontSize="12" fill="#212529">
                {bar.label.length > 34 ? `${bar.label.slice(0, 33)}…` : bar.label}
              </text>
              {bar.values.map((value, i) => {
                const w = Math.round((value * AREA) / full);
                const rect = (
                  <rect key={i} x={x} y={y} width={w} height={BAR} fill={colors[i % colors.length]}>
                    <title>{`${bar.label} · ${series[i] ?? ""}: ${value}`}</title>
                  </rect>
                );
                x += w;
                return rect;
              })}
              <text x={x + 6} y={y + BAR - 5} fontSize="12" fill="#212529">
                {bar.note ?? String(bar.values.reduce((a, v) => a + v, 0))}
              </text>
            </g>
          );
        })}
      </svg>
      {series.length > 1 && (
        <Group gap="md" mt={4}>
          {series.map((name, i) => (
            <Group key={name} gap={4}>
              <span
                aria-hidden
                style={{
                  display: "inline-block",
                  width: 12,
                  height: 12,
                  background: colors[i % colors.length],
                }}
              />
              <Text size="xs">{name}</Text>
            </Group>
          ))}
        </Group>
      )}
    </figure>
  );
}
