import {
  Alert,
  Button,
  Group,
  Loader,
  NativeSelect,
  Paper,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
} from "@mantine/core";
import { type ReactNode, useDeferredValue, useMemo, useState } from "react";

import { downloadCsv } from "../app/csv.js";
import {
  AGE_BANDS,
  certificationRateBp,
  completionRateBp,
  computeFigures,
  type Counts,
  type DashboardData,
  type Figures as DashboardFigures,
  dashboardCsv,
  filterChoices,
  formatPercent,
  mobilityTotal,
  rateBp,
  STATE_NAMES,
  tookPart,
  workshopsTeaching,
} from "../app/dashboard.js";
import { pageLanguage, useI18n } from "../app/i18n.js";
import type { MessageKey } from "../app/messages.js";
import { useSession } from "../app/session.js";
import { localized } from "../app/text.js";
import { useCall } from "../app/useCall.js";
import { DASHBOARD_KEY, dashboardData } from "../calls/dashboard.js";
import { BarChart } from "../components/BarChart.js";
import { ErrorNotice } from "../components/ErrorNotice.js";
import { Direction, MobilityState, ProgrammeKind } from "../gen/luban/exchange/v1/exchange_pb.js";
import { DIRECTION_KEY, KIND_KEY, Participant, STATE_KEY } from "./exchange/common.js";

// The colours of luban-report's charts: enrollment states, age bands, sexes, mobility states.
const STATE_COLORS = ["#c9c3b8", "#5b8fd6", "#2e9e6b", "#d9822b", "#b85c8a", "#8a8f98"];
const BAND_COLORS = ["#f2c14e", "#5b8fd6", "#2e9e6b", "#d9822b", "#7d5ba6", "#b8b8b8"];
const SEX_COLORS = ["#c8507a", "#3f7fbf", "#b8b8b8"];
const MOBILITY_COLORS = ["#b8b8b8", "#f2c14e", "#5b8fd6", "#c0504d", "#7d5ba6", "#2e9e6b", "#8a8f98"];

const STATE_KEYS: Record<(typeof STATE_NAMES)[number], MessageKey> = {
  waitlisted: "dashboard.waitlisted",
  enrolled: "dashboard.enrolled",
  completed: "dashboard.completed",
  failed: "dashboard.failed",
  withdrawn: "dashboard.withdrawn",
  cancelled: "dashboard.cancelled",
};
const SEX_KEYS: MessageKey[] = ["dashboard.sexUnspecified", "dashboard.female", "dashboard.male"];

// Countries' names, one formatter per language: the first takes tens of milliseconds (its data).
const regionFormats = new Map<string, Intl.DisplayNames>();
function regionNames(language: string): Intl.DisplayNames {
  let names = regionFormats.get(language);
  if (names === undefined) {
    names = new Intl.DisplayNames([language], { type: "region" });
    regionFormats.set(language, names);
  }
  return names;
}

// The countries' names are made when the page's code loads (main.tsx loads it while the page's
// first calls are on their way) rather than at its first render.
regionNames(pageLanguage());

function Tile({ label, value }: { label: string; value: string | number }) {
  return (
    <Paper withBorder p="sm">
      <Text fz={26} fw={600}>
        {value}
      </Text>
      <Text size="sm" c="dimmed">
        {label}
      </Text>
    </Paper>
  );
}

// A section of figures with its CSV download (made when asked for: all the files take a while).
function Figures({
  title,
  file,
  csv,
  children,
}: {
  title: string;
  file: string;
  csv: () => string;
  children: ReactNode;
}) {
  const { t } = useI18n();
  return (
    <Stack gap="xs" component="section" aria-label={title}>
      <Group justify="space-between">
        <Title order={3}>{title}</Title>
        <Button size="xs" variant="default" onClick={() => downloadCsv(file, csv())}>
          {t("dashboard.download", { file })}
        </Button>
      </Group>
      {children}
    </Stack>
  );
}

// The counts of one group as table cells, in luban-report's column order.
function CountCells({ counts }: { counts: Counts }) {
  return (
    <>
      <Table.Td>{counts.trainees}</Table.Td>
      <Table.Td>{counts.enrollments}</Table.Td>
      {STATE_NAMES.map((s) => (
        <Table.Td key={s}>{counts.states[s]}</Table.Td>
      ))}
      <Table.Td>{formatPercent(completionRateBp(counts))}</Table.Td>
      <Table.Td>{counts.certificates}</Table.Td>
      <Table.Td>{formatPercent(certificationRateBp(counts))}</Table.Td>
    </>
  );
}

function CountsTable({ keys, rows }: { keys: string[]; rows: { key: string[]; counts: Counts }[] }) {
  const { t } = useI18n();
  if (rows.length === 0) return <Text c="dimmed">{t("dashboard.nothing")}</Text>;
  return (
    <Table.ScrollContainer minWidth={960}>
      <Table striped>
        <Table.Thead>
          <Table.Tr>
            {keys.map((k) => (
              <Table.Th key={k}>{k}</Table.Th>
            ))}
            <Table.Th>{t("dashboard.trainees")}</Table.Th>
            <Table.Th>{t("dashboard.enrollments")}</Table.Th>
            {STATE_NAMES.map((s) => (
              <Table.Th key={s}>{t(STATE_KEYS[s])}</Table.Th>
            ))}
            <Table.Th>{t("dashboard.completionRate")}</Table.Th>
            <Table.Th>{t("dashboard.certificates")}</Table.Th>
            <Table.Th>{t("dashboard.certificationRate")}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((r) => (
            <Table.Tr key={r.key.join("\u0000")}>
              {r.key.map((k, i) => (
                <Table.Td key={i}>{k}</Table.Td>
              ))}
              <CountCells counts={r.counts} />
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

const PARTICIPANTS_PAGE = 20;

// The reporting dashboard: luban-report's figures, computed here from the same calls, filtered
// by year and country, as charts and tables with CSV downloads. Personal data comes redacted from
// the services for a reporter, and shows so.
export function Dashboard() {
  const { t, language } = useI18n();
  const { caller } = useSession();
  const { data, error, reload } = useCall(dashboardData, [], DASHBOARD_KEY);
  const [year, setYear] = useState<number | null>(null);
  const [country, setCountry] = useState<string | null>(null);
  const [participantsPage, setParticipantsPage] = useState(0);
  const figures = useMemo(
    () => (data ? computeFigures(data, { year, country }) : undefined),
    [data, year, country],
  );
  // The key figures are drawn first, the charts and tables (most of the page's drawing) in a
  // render of their own right after: the figures show without waiting for them.
  const detailed = useDeferredValue(data !== undefined);

  if (error !== undefined) return <ErrorNotice error={error} onRetry={reload} />;
  if (!data || !figures) return <Loader aria-label={t("common.loading")} />;

  const regions = regionNames(language);
  const countryName = (code: string) => (code === "" ? "–" : `${regions.of(code) ?? code} (${code})`);
  const choices = filterChoices(data);
  const redacted = caller?.role === "ROLE_REPORTER" || data.trainees.some((tr) => tr.redacted);
  const total = figures.total;

  return (
    <Stack>
      <Title order={2}>{t("dashboard.title")}</Title>
      {redacted && (
        <Alert color="gray" title={t("dashboard.redactedTitle")}>
          {t("dashboard.redactedText")}
        </Alert>
      )}
      <Group>
        <NativeSelect
          label={t("dashboard.year")}
          value={year === null ? "" : String(year)}
          onChange={(event) => {
            setYear(event.currentTarget.value === "" ? null : Number(event.currentTarget.value));
            setParticipantsPage(0);
          }}
          data={[
            { value: "", label: t("dashboard.allYears") },
            ...choices.years.map((y) => ({ value: String(y), label: String(y) })),
          ]}
        />
        <NativeSelect
          label={t("dashboard.country")}
          value={country ?? ""}
          onChange={(event) => {
            setCountry(event.currentTarget.value === "" ? null : event.currentTarget.value);
            setParticipantsPage(0);
          }}
          data={[
            { value: "", label: t("dashboard.allCountries") },
            ...choices.countries.map((c) => ({ value: c, label: countryName(c) })),
          ]}
        />
      </Group>
      <SimpleGrid cols={{ base: 2, sm: 4 }} aria-label={t("dashboard.keyFigures")} component="section">
        <Tile label={t("dashboard.trainees")} value={total.trainees} />
        <Tile label={t("dashboard.enrollments")} value={total.enrollments} />
        <Tile label={t("dashboard.completed")} value={total.states.completed} />
        <Tile label={t("dashboard.completionRate")} value={formatPercent(completionRateBp(total))} />
        <Tile label={t("dashboard.certificates")} value={total.certificates} />
        <Tile
          label={t("dashboard.certificationRate")}
          value={formatPercent(certificationRateBp(total))}
        />
        <Tile label={t("dashboard.workshopsTeaching")} value={workshopsTeaching(figures)} />
        <Tile label={t("dashboard.mobilities")} value={mobilityTotal(figures)} />
      </SimpleGrid>
      {detailed && (
        <Details
          data={data}
          figures={figures}
          period={`${year ?? "all"}${country ? `-${country}` : ""}`}
          countryName={countryName}
          participantsPage={participantsPage}
          setParticipantsPage={setParticipantsPage}
        />
      )}
    </Stack>
  );
}

// The dashboard's charts and tables, and its CSV files.
function Details({
  data,
  figures,
  period,
  countryName,
  participantsPage,
  setParticipantsPage,
}: {
  data: DashboardData;
  figures: DashboardFigures;
  period: string;
  countryName: (code: string) => string;
  participantsPage: number;
  setParticipantsPage: (update: (page: number) => number) => void;
}) {
  const { t, language } = useI18n();
  // The CSV files, made once per figures when the first is asked for.
  const csv = useMemo(() => {
    let files: Record<string, string> | undefined;
    return (name: string) => () => (files ??= dashboardCsv(figures, data))[name];
  }, [figures, data]);
  const trainees = useMemo(() => new Map(data.trainees.map((tr) => [tr.name, tr])), [data]);
  const workshopName = new Map(
    data.workshops.map((w) => [w.name, `${localized(w.displayNames, language)} · ${w.city}`]),
  );
  const courseOf = new Map(data.courses.map((c) => [c.name, c]));
  const file = (name: string) => `${period}-${name}`;
  const countries = [...new Set(figures.byCountry.map((r) => r.key[1]))];
  const perCountry = (pick: (c: Counts) => number[]) =>
    countries.map((code) => {
      const values = figures.byCountry
        .filter((r) => r.key[1] === code)
        .reduce<number[]>((sum, r) => {
          const v = pick(r.counts);
          return v.map((x, i) => x + (sum[i] ?? 0));
        }, []);
      return { label: countryName(code), values };
    });
  const bandsPerCountry = countries.map((code) => ({
    label: countryName(code),
    values: AGE_BANDS.map((_, band) =>
      figures.bySexAge
        .filter((r) => r.key[1] === code && r.key[3] === band)
        .reduce((sum, r) => sum + r.counts.enrollments, 0),
    ),
  }));
  // Female, male, unspecified: the order of luban-report's chart.
  const sexesPerCountry = countries.map((code) => ({
    label: countryName(code),
    values: [1, 2, 0].map((sex) =>
      figures.bySexAge
        .filter((r) => r.key[1] === code && r.key[2] === sex)
        .reduce((sum, r) => sum + r.counts.enrollments, 0),
    ),
  }));
  const flows = new Map<string, number[]>();
  for (const r of figures.mobilities) {
    const label = `${t(KIND_KEY[r.kind as ProgrammeKind])} · ${t(DIRECTION_KEY[r.direction as Direction])}`;
    const values = flows.get(label) ?? new Array<number>(6).fill(0);
    if (r.state >= 1 && r.state <= 6) values[r.state - 1] += r.mobilities;
    flows.set(label, values);
  }
  const participants = figures.countedMobilities.slice(
    participantsPage * PARTICIPANTS_PAGE,
    (participantsPage + 1) * PARTICIPANTS_PAGE,
  );

  return (
    <>
      <Title order={2} size="h3">
        {t("dashboard.charts")}
      </Title>
      <SimpleGrid cols={{ base: 1, lg: 2 }}>
        <BarChart
          title={t("dashboard.chartStates")}
          series={STATE_NAMES.map((s) => t(STATE_KEYS[s]))}
          colors={STATE_COLORS}
          bars={perCountry((c) => STATE_NAMES.map((s) => c.states[s]))}
        />
        <BarChart
          title={t("dashboard.chartCompletion")}
          series={[t("dashboard.completionRate")]}
          colors={["#2e9e6b"]}
          scale={10000}
          bars={figures.byWorkshop.map((r) => {
            const bp = completionRateBp(r.counts);
            return {
              label: `${r.key[0]} · ${workshopName.get(`workshops/${r.key[1]}`) ?? r.key[1]}`,
              values: [bp ?? 0],
              note: t("dashboard.rateOf", { rate: formatPercent(bp), count: tookPart(r.counts) }),
            };
          })}
        />
        <BarChart
          title={t("dashboard.chartBands")}
          series={AGE_BANDS.map((b) => (b === "unknown" ? t("dashboard.unknown") : b))}
          colors={BAND_COLORS}
          bars={bandsPerCountry}
        />
        <BarChart
          title={t("dashboard.chartSexes")}
          series={[t("dashboard.female"), t("dashboard.male"), t("dashboard.sexUnspecified")]}
          colors={SEX_COLORS}
          bars={sexesPerCountry}
        />
        <BarChart
          title={t("dashboard.chartFlows")}
          series={[1, 2, 3, 4, 5, 6].map((s) => t(STATE_KEY[s as MobilityState]))}
          colors={MOBILITY_COLORS.slice(1)}
          bars={[...flows].map(([label, values]) => ({ label, values }))}
        />
        <BarChart
          title={t("dashboard.chartQuota")}
          series={[t("dashboard.approved")]}
          colors={["#5b8fd6"]}
          scale={10000}
          bars={figures.quotas.map((q) => {
            const bp = rateBp(q.approved, q.quota);
            return {
              label: `${localized(q.programme.titles, language)} (${q.programme.partnerCountryCode})`,
              values: [Math.min(bp ?? 0, 10000)],
              note: `${q.approved} / ${q.quota} · ${formatPercent(bp)}`,
            };
          })}
        />
      </SimpleGrid>

      <Figures title={t("dashboard.byYear")} file={file("by_year.csv")} csv={csv("by_year.csv")}>
        <CountsTable
          keys={[t("dashboard.year")]}
          rows={figures.byYear.map((r) => ({ key: [String(r.key[0])], counts: r.counts }))}
        />
      </Figures>
      <Figures
        title={t("dashboard.byCountry")}
        file={file("by_country.csv")}
        csv={csv("by_country.csv")}
      >
        <CountsTable
          keys={[t("dashboard.year"), t("dashboard.country")]}
          rows={figures.byCountry.map((r) => ({
            key: [String(r.key[0]), countryName(r.key[1])],
            counts: r.counts,
          }))}
        />
      </Figures>
      <Figures
        title={t("dashboard.byWorkshop")}
        file={file("by_workshop.csv")}
        csv={csv("by_workshop.csv")}
      >
        <CountsTable
          keys={[t("dashboard.year"), t("admin.workshop")]}
          rows={figures.byWorkshop.map((r) => ({
            key: [String(r.key[0]), workshopName.get(`workshops/${r.key[1]}`) ?? String(r.key[1])],
            counts: r.counts,
          }))}
        />
      </Figures>
      <Figures
        title={t("dashboard.byCourse")}
        file={file("by_course.csv")}
        csv={csv("by_course.csv")}
      >
        <CountsTable
          keys={[t("dashboard.year"), t("run.course")]}
          rows={figures.byCourse.map((r) => {
            const c = courseOf.get(`courses/${r.key[1]}`);
            return {
              key: [String(r.key[0]), c ? `${c.code} · ${localized(c.titles, language)}` : String(r.key[1])],
              counts: r.counts,
            };
          })}
        />
      </Figures>
      <Figures
        title={t("dashboard.bySexAge")}
        file={file("by_sex_age.csv")}
        csv={csv("by_sex_age.csv")}
      >
        <CountsTable
          keys={[t("dashboard.year"), t("dashboard.country"), t("dashboard.sex"), t("dashboard.ageBand")]}
          rows={figures.bySexAge.map((r) => ({
            key: [
              String(r.key[0]),
              countryName(r.key[1]),
              t(SEX_KEYS[r.key[2]] ?? "dashboard.sexUnspecified"),
              r.key[3] === 5 ? t("dashboard.unknown") : AGE_BANDS[r.key[3]],
            ],
            counts: r.counts,
          }))}
        />
      </Figures>
      <Figures
        title={t("dashboard.flows")}
        file={file("mobilities.csv")}
        csv={csv("mobilities.csv")}
      >
        {figures.mobilities.length === 0 ? (
          <Text c="dimmed">{t("dashboard.nothing")}</Text>
        ) : (
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("programme.kind")}</Table.Th>
                <Table.Th>{t("programme.direction")}</Table.Th>
                <Table.Th>{t("admin.status")}</Table.Th>
                <Table.Th>{t("dashboard.mobilities")}</Table.Th>
                <Table.Th>{t("dashboard.ofTrainees")}</Table.Th>
                <Table.Th>{t("dashboard.ofTeachers")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {figures.mobilities.map((r) => (
                <Table.Tr key={`${r.kind}/${r.direction}/${r.state}`}>
                  <Table.Td>{t(KIND_KEY[r.kind as ProgrammeKind])}</Table.Td>
                  <Table.Td>{t(DIRECTION_KEY[r.direction as Direction])}</Table.Td>
                  <Table.Td>{t(STATE_KEY[r.state as MobilityState])}</Table.Td>
                  <Table.Td>{r.mobilities}</Table.Td>
                  <Table.Td>{r.trainees}</Table.Td>
                  <Table.Td>{r.teachers}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Figures>
      <Figures
        title={t("dashboard.quotas")}
        file={file("programme_quota.csv")}
        csv={csv("programme_quota.csv")}
      >
        {figures.quotas.length === 0 ? (
          <Text c="dimmed">{t("dashboard.nothing")}</Text>
        ) : (
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("programme.name")}</Table.Th>
                <Table.Th>{t("dashboard.country")}</Table.Th>
                <Table.Th>{t("programme.quota")}</Table.Th>
                <Table.Th>{t("dashboard.approved")}</Table.Th>
                <Table.Th>{t("dashboard.quotaUse")}</Table.Th>
                <Table.Th>{t("dashboard.mobilities")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {figures.quotas.map((q) => (
                <Table.Tr key={q.programme.name}>
                  <Table.Td>{localized(q.programme.titles, language)}</Table.Td>
                  <Table.Td>{countryName(q.programme.partnerCountryCode)}</Table.Td>
                  <Table.Td>{q.quota}</Table.Td>
                  <Table.Td>{q.approved}</Table.Td>
                  <Table.Td>{formatPercent(rateBp(q.approved, q.quota))}</Table.Td>
                  <Table.Td>{q.mobilities}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Figures>

      <Stack gap="xs" component="section" aria-label={t("dashboard.participants")}>
        <Title order={3}>{t("dashboard.participants")}</Title>
        <Text size="sm" c="dimmed">
          {t("dashboard.participantsText")}
        </Text>
        {participants.length === 0 ? (
          <Text c="dimmed">{t("dashboard.nothing")}</Text>
        ) : (
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("mobility.participant")}</Table.Th>
                <Table.Th>{t("programme.name")}</Table.Th>
                <Table.Th>{t("admin.status")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {participants.map((m) => {
                const p = data.programmes.find((x) => x.name === m.programme);
                return (
                  <Table.Tr key={m.name}>
                    <Table.Td>
                      <Participant mobility={m} trainees={trainees} />
                    </Table.Td>
                    <Table.Td>{p ? localized(p.titles, language) : m.programme}</Table.Td>
                    <Table.Td>{t(STATE_KEY[m.state])}</Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        )}
        {figures.countedMobilities.length > PARTICIPANTS_PAGE && (
          <Group gap="sm">
            <Button
              size="xs"
              variant="default"
              disabled={participantsPage === 0}
              onClick={() => setParticipantsPage((n) => n - 1)}
            >
              {t("common.previous")}
            </Button>
            <Text size="sm">{t("admin.page", { number: participantsPage + 1 })}</Text>
            <Button
              size="xs"
              variant="default"
              disabled={(participantsPage + 1) * PARTICIPANTS_PAGE >= figures.countedMobilities.length}
              onClick={() => setParticipantsPage((n) => n + 1)}
            >
              {t("common.next")}
            </Button>
          </Group>
        )}
      </Stack>
    </>
  );
}
