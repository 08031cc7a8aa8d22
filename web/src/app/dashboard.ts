// The reporting figures luban-report computes (tools/report/report_data.cc), computed in the
// browser from the same calls (the enrollment and exchange services' exports, the course and
// exchange services' lists), with the same definitions, and written as the same CSV files:
//   * period: a whole year, or every year; an enrollment counts when its course run starts in
//     the period, and its year is the run's start year;
//   * trainees: distinct people with at least one counted enrollment in the row's group;
//   * waitlisted..cancelled: counted enrollments in that state now;
//   * completion rate: completed / (enrolled + completed + failed + withdrawn);
//   * certificates: completed enrollments that issued a certificate (revocations not deducted);
//     certification rate (the console's addition): certificates / those who took part;
//   * age band: the run's start year - birth year: <18, 18-24, 25-34, 35-44, 45+, unknown;
//   * a mobility counts when its programme's dates overlap the period;
//   * quota use: the programme's approved (approved, departed, returned) mobilities / quota.
// The country filter (the console's addition) keeps enrollments at workshops in that country and
// programmes with partners in it.
import type { Date as DateMessage, LocalizedString } from "../gen/luban/common/v1/types_pb.js";
import type { Course, CourseRun, Institution, Workshop } from "../gen/luban/course/v1/course_pb.js";
import type { Enrollment, Trainee } from "../gen/luban/enrollment/v1/enrollment_pb.js";
import type { Mobility, Programme } from "../gen/luban/exchange/v1/exchange_pb.js";
import { csvText } from "./csv.js";

export interface DashboardData {
  institutions: Institution[];
  workshops: Workshop[];
  courses: Course[];
  runs: CourseRun[];
  programmes: Programme[];
  enrollments: Enrollment[];
  trainees: Trainee[];
  mobilities: Mobility[];
}

// null: every year / every country.
export interface DashboardFilter {
  year: number | null;
  country: string | null;
}

// The enrollment states as luban-report's columns have them (proto numbers 1..6).
export const STATE_NAMES = [
  "waitlisted",
  "enrolled",
  "completed",
  "failed",
  "withdrawn",
  "cancelled",
] as const;
export type StateName = (typeof STATE_NAMES)[number];

export const SEX_NAMES = ["unspecified", "female", "male"] as const;
export const AGE_BANDS = ["<18", "18-24", "25-34", "35-44", "45+", "unknown"] as const;
export const KIND_NAMES = [
  "unspecified",
  "trainee_study_visit",
  "teacher_training",
  "technical_exchange",
  "skills_competition",
] as const;
export const DIRECTION_NAMES = ["unspecified", "to_china", "to_partner_country"] as const;
export const MOBILITY_STATE_NAMES = [
  "unspecified",
  "nominated",
  "approved",
  "rejected",
  "departed",
  "returned",
  "cancelled",
] as const;
export const PROGRAMME_STATUS_NAMES = [
  "unspecified",
  "planned",
  "open",
  "closed",
  "completed",
  "cancelled",
] as const;

function nameAt(names: readonly string[], index: number): string {
  return index >= 0 && index < names.length ? names[index] : names[0];
}

export interface Counts {
  trainees: number;
  enrollments: number;
  states: Record<StateName, number>;
  certificates: number;
}

function emptyCounts(): Counts {
  return {
    trainees: 0,
    enrollments: 0,
    states: { waitlisted: 0, enrolled: 0, completed: 0, failed: 0, withdrawn: 0, cancelled: 0 },
    certificates: 0,
  };
}

// enrolled + completed + failed + withdrawn: those who took part.
export function tookPart(c: Counts): number {
  return c.states.enrolled + c.states.completed + c.states.failed + c.states.withdrawn;
}

// A rate of `part` over `whole` in basis points, rounded half up, in integers as luban-report
// does (the same figures always give the same digits); null when whole is 0.
export function rateBp(part: number, whole: number): number | null {
  if (whole <= 0) return null;
  return Math.floor((part * 20000 + whole) / (2 * whole));
}

export function completionRateBp(c: Counts): number | null {
  return rateBp(c.states.completed, tookPart(c));
}

export function certificationRateBp(c: Counts): number | null {
  return rateBp(c.certificates, tookPart(c));
}

// "0.6667" as in the CSV files; "" for none.
export function formatRate(bp: number | null): string {
  if (bp === null) return "";
  return `${Math.floor(bp / 10000)}.${String(bp % 10000).padStart(4, "0")}`;
}

// "66.7%" as on luban-report's page; "–" for none.
export function formatPercent(bp: number | null): string {
  if (bp === null) return "–";
  return `${Math.floor(bp / 100)}.${Math.floor((bp % 100) / 10)}%`;
}

// The age band index of someone born in `birthYear` (0: unknown) in `year`.
export function ageBand(birthYear: number, year: number): number {
  if (birthYear <= 0 || birthYear > year) return 5;
  const age = year - birthYear;
  if (age < 18) return 0;
  if (age <= 24) return 1;
  if (age <= 34) return 2;
  if (age <= 44) return 3;
  return 4;
}

// The numeric id of "collection/123"; 0 when the name is not of that collection.
export function idOf(name: string, collection: string): number {
  const match = /^([A-Za-z]+)\/([0-9]+)$/.exec(name);
  if (!match || match[1] !== collection) return 0;
  const id = Number(match[2]);
  return Number.isSafeInteger(id) && id > 0 ? id : 0;
}

// A name as luban-report prints it: English, else the first.
export function displayName(names: readonly LocalizedString[]): string {
  return (names.find((n) => n.languageCode === "en") ?? names[0])?.text ?? "";
}

function dayKey(date: DateMessage | undefined): number {
  return date ? date.year * 10000 + date.month * 100 + date.day : 0;
}

function isoDay(date: DateMessage | undefined): string {
  const pad = (n: number, width: number) => String(n).padStart(width, "0");
  return date ? `${pad(date.year, 4)}-${pad(date.month, 2)}-${pad(date.day, 2)}` : "";
}

type Key = readonly (number | string)[];

function compareKeys(a: Key, b: Key): number {
  for (let i = 0; i < a.length; i++) {
    if (a[i] < b[i]) return -1;
    if (a[i] > b[i]) return 1;
  }
  return 0;
}

export interface Row<K extends Key> {
  key: K;
  counts: Counts;
}

// One table's groups: counts and the distinct trainees of each.
class Grouping<K extends Key> {
  private groups = new Map<string, { key: K; counts: Counts; trainees: Set<string> }>();

  add(key: K, e: Enrollment): void {
    const id = JSON.stringify(key);
    let group = this.groups.get(id);
    if (group === undefined) {
      group = { key, counts: emptyCounts(), trainees: new Set() };
      this.groups.set(id, group);
    }
    group.counts.enrollments++;
    const state = STATE_NAMES[e.state - 1];
    if (state !== undefined) group.counts.states[state]++;
    if (e.certificate !== "") group.counts.certificates++;
    group.trainees.add(e.trainee);
  }

  finish(): Row<K>[] {
    return [...this.groups.values()]
      .map(({ key, counts, trainees }) => ({ key, counts: { ...counts, trainees: trainees.size } }))
      .sort((a, b) => compareKeys(a.key, b.key));
  }
}

export interface MobilityRow {
  kind: number;
  direction: number;
  state: number;
  mobilities: number;
  trainees: number;
  teachers: number;
}

export interface QuotaRow {
  programme: Programme;
  quota: number;
  approved: number;
  mobilities: number;
}

export interface Figures {
  total: Counts;
  byYear: Row<[number]>[];
  byCountry: Row<[number, string]>[];
  // Keyed by the workshop's and course's numeric ids, as luban-report orders them.
  byWorkshop: Row<[number, number]>[];
  byCourse: Row<[number, number]>[];
  // Year, country, sex (proto number), age band (index of AGE_BANDS).
  bySexAge: Row<[number, string, number, number]>[];
  mobilities: MobilityRow[];
  quotas: QuotaRow[];
  // The programmes' counted mobilities, for the participants' list.
  countedMobilities: Mobility[];
}

export function computeFigures(data: DashboardData, filter: DashboardFilter): Figures {
  const from = filter.year === null ? 0 : filter.year * 10000 + 101;
  const to = filter.year === null ? 99999999 : filter.year * 10000 + 1231;
  const runs = new Map(data.runs.map((r) => [r.name, r]));
  const workshops = new Map(data.workshops.map((w) => [w.name, w]));
  const trainees = new Map(data.trainees.map((t) => [t.name, t]));

  const total = new Grouping<[number]>();
  const byYear = new Grouping<[number]>();
  const byCountry = new Grouping<[number, string]>();
  const byWorkshop = new Grouping<[number, number]>();
  const byCourse = new Grouping<[number, number]>();
  const bySexAge = new Grouping<[number, string, number, number]>();
  for (const e of data.enrollments) {
    const run = runs.get(e.courseRun);
    if (run === undefined) continue;
    const start = dayKey(run.startDate);
    if (start < from || start > to) continue;
    const year = run.startDate?.year ?? 0;
    const country = workshops.get(run.workshop)?.countryCode ?? "";
    if (filter.country !== null && country !== filter.country) continue;
    const trainee = trainees.get(e.trainee);
    const sex = trainee !== undefined && trainee.sex < SEX_NAMES.length ? trainee.sex : 0;
    const band = trainee !== undefined ? ageBand(trainee.birthYear, year) : 5;
    total.add([0], e);
    byYear.add([year], e);
    byCountry.add([year, country], e);
    byWorkshop.add([year, idOf(run.workshop, "workshops")], e);
    byCourse.add([year, idOf(run.course, "courses")], e);
    bySexAge.add([year, country, sex, band], e);
  }

  const quotas = new Map<string, QuotaRow>();
  for (const p of data.programmes) {
    if (dayKey(p.startDate) > to || from > dayKey(p.endDate)) continue;
    if (filter.country !== null && p.partnerCountryCode !== filter.country) continue;
    quotas.set(p.name, { programme: p, quota: p.quota, approved: p.approvedCount, mobilities: 0 });
  }
  const flows = new Map<string, MobilityRow>();
  const countedMobilities: Mobility[] = [];
  for (const m of data.mobilities) {
    const quota = quotas.get(m.programme);
    if (quota === undefined) continue;
    quota.mobilities++;
    countedMobilities.push(m);
    const { kind, direction } = quota.programme;
    const id = `${kind}/${direction}/${m.state}`;
    let row = flows.get(id);
    if (row === undefined) {
      row = { kind, direction, state: m.state, mobilities: 0, trainees: 0, teachers: 0 };
      flows.set(id, row);
    }
    row.mobilities++;
    if (m.participant.case === "trainee" && m.participant.value !== "") row.trainees++;
    if (m.participant.case === "teacher") row.teachers++;
  }

  return {
    total: total.finish()[0]?.counts ?? emptyCounts(),
    byYear: byYear.finish(),
    byCountry: byCountry.finish(),
    byWorkshop: byWorkshop.finish(),
    byCourse: byCourse.finish(),
    bySexAge: bySexAge.finish(),
    mobilities: [...flows.values()].sort((a, b) =>
      compareKeys([a.kind, a.direction, a.state], [b.kind, b.direction, b.state]),
    ),
    quotas: [...quotas.values()].sort(
      (a, b) => idOf(a.programme.name, "programmes") - idOf(b.programme.name, "programmes"),
    ),
    countedMobilities,
  };
}

// The years and countries the data has, for the filters.
export function filterChoices(data: DashboardData): { years: number[]; countries: string[] } {
  const years = new Set<number>();
  for (const r of data.runs) if (r.startDate) years.add(r.startDate.year);
  for (const p of data.programmes) {
    for (let y = p.startDate?.year ?? 0; y > 0 && y <= (p.endDate?.year ?? 0); y++) years.add(y);
  }
  const countries = new Set<string>();
  for (const w of data.workshops) if (w.countryCode !== "") countries.add(w.countryCode);
  for (const p of data.programmes) {
    if (p.partnerCountryCode !== "") countries.add(p.partnerCountryCode);
  }
  return {
    years: [...years].sort((a, b) => a - b),
    countries: [...countries].sort(),
  };
}

// Distinct workshops with counted enrollments ("workshops teaching").
export function workshopsTeaching(figures: Figures): number {
  return new Set(figures.byWorkshop.map((r) => r.key[1])).size;
}

export function mobilityTotal(figures: Figures): number {
  return figures.mobilities.reduce((sum, r) => sum + r.mobilities, 0);
}

const COUNT_HEADER = ["trainees", "enrollments", ...STATE_NAMES, "completion_rate", "certificates"];

function countFields(c: Counts): string[] {
  return [
    String(c.trainees),
    String(c.enrollments),
    ...STATE_NAMES.map((s) => String(c.states[s])),
    formatRate(completionRateBp(c)),
    String(c.certificates),
  ];
}

// The CSV files of luban-report (same names, columns, order and quoting) for these figures.
export function dashboardCsv(figures: Figures, data: DashboardData): Record<string, string> {
  const workshops = new Map(data.workshops.map((w) => [idOf(w.name, "workshops"), w]));
  const courses = new Map(data.courses.map((c) => [idOf(c.name, "courses"), c]));
  const institutions = new Map(data.institutions.map((i) => [i.name, i]));
  const institutionName = (name: string) => {
    const found = institutions.get(name);
    return found ? displayName(found.displayNames) : `institutions/${idOf(name, "institutions")}`;
  };
  return {
    "by_year.csv": csvText(
      ["year", ...COUNT_HEADER],
      figures.byYear.map((r) => [String(r.key[0]), ...countFields(r.counts)]),
    ),
    "by_country.csv": csvText(
      ["year", "country", ...COUNT_HEADER],
      figures.byCountry.map((r) => [String(r.key[0]), r.key[1], ...countFields(r.counts)]),
    ),
    "by_workshop.csv": csvText(
      ["year", "country", "workshop", "workshop_name", "city", ...COUNT_HEADER],
      figures.byWorkshop.map((r) => {
        const w = workshops.get(r.key[1]);
        return [
          String(r.key[0]),
          w?.countryCode ?? "",
          `workshops/${r.key[1]}`,
          w ? displayName(w.displayNames) : `workshops/${r.key[1]}`,
          w?.city ?? "",
          ...countFields(r.counts),
        ];
      }),
    ),
    "by_course.csv": csvText(
      ["year", "course", "course_code", "course_title", "discipline", ...COUNT_HEADER],
      figures.byCourse.map((r) => {
        const c = courses.get(r.key[1]);
        return [
          String(r.key[0]),
          `courses/${r.key[1]}`,
          c?.code ?? "",
          c ? displayName(c.titles) : "",
          c?.discipline ?? "",
          ...countFields(r.counts),
        ];
      }),
    ),
    "by_sex_age.csv": csvText(
      ["year", "country", "sex", "age_band", ...COUNT_HEADER],
      figures.bySexAge.map((r) => [
        String(r.key[0]),
        r.key[1],
        nameAt(SEX_NAMES, r.key[2]),
        AGE_BANDS[r.key[3]] ?? "unknown",
        ...countFields(r.counts),
      ]),
    ),
    "mobilities.csv": csvText(
      ["programme_kind", "direction", "state", "mobilities", "trainees", "teachers"],
      figures.mobilities.map((r) => [
        nameAt(KIND_NAMES, r.kind),
        nameAt(DIRECTION_NAMES, r.direction),
        nameAt(MOBILITY_STATE_NAMES, r.state),
        String(r.mobilities),
        String(r.trainees),
        String(r.teachers),
      ]),
    ),
    "programme_quota.csv": csvText(
      [
        "programme",
        "title",
        "chinese_institution",
        "partner_institution",
        "partner_country",
        "programme_kind",
        "direction",
        "status",
        "start_date",
        "end_date",
        "quota",
        "approved",
        "quota_use",
        "mobilities",
      ],
      figures.quotas.map((q) => {
        const p = q.programme;
        return [
          `programmes/${idOf(p.name, "programmes")}`,
          displayName(p.titles),
          institutionName(p.chineseInstitution),
          institutionName(p.partnerInstitution),
          p.partnerCountryCode,
          nameAt(KIND_NAMES, p.kind),
          nameAt(DIRECTION_NAMES, p.direction),
          nameAt(PROGRAMME_STATUS_NAMES, p.status),
          isoDay(p.startDate),
          isoDay(p.endDate),
          String(q.quota),
          String(q.approved),
          formatRate(rateBp(q.approved, q.quota)),
          String(q.mobilities),
        ];
      }),
    ),
  };
}
