// The network admin's, exchanges' and reporting pages' own logic: the dashboard's figures (as
// luban-report computes them), CSV, lifecycles, form input.
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";

import {
  CourseRunSchema,
  CourseRunStatus,
  CourseSchema,
  InstitutionSchema,
  WorkshopSchema,
  WorkshopStatus,
} from "../gen/luban/course/v1/course_pb.js";
import {
  EnrollmentSchema,
  EnrollmentState,
  Sex,
  TraineeSchema,
} from "../gen/luban/enrollment/v1/enrollment_pb.js";
import {
  Direction,
  MobilitySchema,
  MobilityState,
  ProgrammeKind,
  ProgrammeSchema,
  ProgrammeStatus,
} from "../gen/luban/exchange/v1/exchange_pb.js";
import { csvField, csvText } from "./csv.js";
import {
  ageBand,
  certificationRateBp,
  completionRateBp,
  computeFigures,
  type DashboardData,
  dashboardCsv,
  filterChoices,
  formatPercent,
  formatRate,
  idOf,
  mobilityTotal,
  rateBp,
  workshopsTeaching,
} from "./dashboard.js";
import { formatTime, namesOf, parseIsoDate, splitList, wholeNumber } from "./forms.js";
import {
  mobilityActions,
  programmeNext,
  runActions,
  sendingInstitution,
  serviceOf,
  sidesOf,
  takesTeachers,
  workshopNext,
} from "./lifecycle.js";

describe("rates", () => {
  it("round half up to basis points, with four decimals, as luban-report does", () => {
    expect(formatRate(rateBp(2, 3))).toBe("0.6667");
    expect(formatRate(rateBp(1, 3))).toBe("0.3333");
    expect(formatRate(rateBp(1, 8))).toBe("0.1250");
    expect(formatRate(rateBp(1, 16))).toBe("0.0625");
    expect(formatRate(rateBp(1, 20000))).toBe("0.0001");
    expect(formatRate(rateBp(3, 3))).toBe("1.0000");
    expect(formatRate(rateBp(0, 5))).toBe("0.0000");
    expect(formatRate(rateBp(1, 0))).toBe("");
    expect(formatPercent(rateBp(2, 3))).toBe("66.6%");
    expect(formatPercent(null)).toBe("–");
  });
  it("put ages in luban-report's bands, at their edges", () => {
    const band = (birth: number) => ageBand(birth, 2026);
    expect([2009, 2008, 2002, 2001, 1992, 1991, 1982, 1981, 0, 2030].map(band)).toEqual([
      0, 1, 1, 2, 2, 3, 3, 4, 5, 5,
    ]);
  });
  it("take ids of resource names of the right collection only", () => {
    expect(idOf("workshops/12", "workshops")).toBe(12);
    expect(idOf("workshop/12", "workshops")).toBe(0);
    expect(idOf("workshops/", "workshops")).toBe(0);
    expect(idOf("workshops/1x", "workshops")).toBe(0);
  });
});

// A small network: two workshops (TJ, KZ), two courses, runs in 2026 and 2027, five trainees,
// two programmes with mobilities.
function network(): DashboardData {
  const date = (year: number, month: number, day: number) => ({ year, month, day });
  const run = (id: number, course: number, workshop: number, year: number) =>
    create(CourseRunSchema, {
      name: `courseRuns/${id}`,
      course: `courses/${course}`,
      workshop: `workshops/${workshop}`,
      startDate: date(year, 3, 1),
      endDate: date(year, 5, 1),
      status: CourseRunStatus.OPEN,
    });
  let next = 0;
  const enrolled = (run: number, trainee: number, state: EnrollmentState, certificate = "") =>
    create(EnrollmentSchema, {
      name: `enrollments/${++next}`,
      courseRun: `courseRuns/${run}`,
      trainee: `trainees/${trainee}`,
      state,
      certificate,
    });
  return {
    institutions: [
      create(InstitutionSchema, {
        name: "institutions/1",
        displayNames: [{ languageCode: "zh", text: "天津" }, { languageCode: "en", text: "Tianjin, \"TUC\"" }],
      }),
      create(InstitutionSchema, {
        name: "institutions/2",
        displayNames: [{ languageCode: "tg", text: "Донишгоҳ" }],
      }),
    ],
    workshops: [
      create(WorkshopSchema, {
        name: "workshops/1",
        countryCode: "TJ",
        city: "Душанбе",
        displayNames: [{ languageCode: "en", text: "Luban Workshop Tajikistan" }],
        status: WorkshopStatus.OPERATING,
      }),
      create(WorkshopSchema, {
        name: "workshops/2",
        countryCode: "KZ",
        city: "Астана",
        displayNames: [{ languageCode: "kk", text: "Қазақстан, шеберхана" }],
      }),
    ],
    courses: [
      create(CourseSchema, {
        name: "courses/1",
        code: "URT-101",
        titles: [{ languageCode: "en", text: "Urban rail" }],
        discipline: "urban rail",
      }),
      create(CourseSchema, { name: "courses/2", code: "SRV-110", discipline: "surveying" }),
    ],
    runs: [run(1, 1, 1, 2026), run(2, 2, 2, 2026), run(3, 1, 1, 2027)],
    enrollments: [
      enrolled(1, 1, EnrollmentState.COMPLETED, "certificates/1"),
      enrolled(1, 2, EnrollmentState.FAILED),
      enrolled(1, 3, EnrollmentState.WITHDRAWN),
      enrolled(1, 4, EnrollmentState.WAITLISTED),
      enrolled(2, 1, EnrollmentState.ENROLLED),
      enrolled(2, 5, EnrollmentState.COMPLETED, "certificates/2"),
      enrolled(3, 1, EnrollmentState.CANCELLED),
      // A run nobody lists (deleted, or another period's): left out.
      enrolled(99, 2, EnrollmentState.ENROLLED),
    ],
    trainees: [
      create(TraineeSchema, { name: "trainees/1", sex: Sex.FEMALE, birthYear: 2000 }),
      create(TraineeSchema, { name: "trainees/2", sex: Sex.MALE, birthYear: 1980 }),
      create(TraineeSchema, { name: "trainees/3", sex: Sex.MALE, birthYear: 2010 }),
      create(TraineeSchema, { name: "trainees/4", sex: Sex.FEMALE, birthYear: 0, redacted: true }),
      // trainees/5 unknown: sex unspecified, age band unknown.
    ],
    programmes: [
      create(ProgrammeSchema, {
        name: "programmes/2",
        titles: [{ languageCode: "en", text: "Study visit, Tianjin" }],
        chineseInstitution: "institutions/1",
        partnerInstitution: "institutions/2",
        partnerCountryCode: "TJ",
        kind: ProgrammeKind.TRAINEE_STUDY_VISIT,
        direction: Direction.TO_CHINA,
        status: ProgrammeStatus.OPEN,
        startDate: date(2026, 12, 20),
        endDate: date(2027, 1, 10),
        quota: 3,
        approvedCount: 2,
      }),
      create(ProgrammeSchema, {
        name: "programmes/10",
        partnerCountryCode: "KZ",
        partnerInstitution: "institutions/9",
        kind: ProgrammeKind.TEACHER_TRAINING,
        direction: Direction.TO_PARTNER_COUNTRY,
        startDate: date(2027, 6, 1),
        endDate: date(2027, 6, 30),
        quota: 4,
        approvedCount: 0,
      }),
    ],
    mobilities: [
      create(MobilitySchema, {
        name: "mobilities/1",
        programme: "programmes/2",
        participant: { case: "trainee", value: "trainees/1" },
        state: MobilityState.APPROVED,
      }),
      create(MobilitySchema, {
        name: "mobilities/2",
        programme: "programmes/2",
        participant: { case: "teacher", value: { position: "lecturer" } },
        state: MobilityState.APPROVED,
      }),
      create(MobilitySchema, {
        name: "mobilities/3",
        programme: "programmes/2",
        participant: { case: "trainee", value: "trainees/2" },
        state: MobilityState.REJECTED,
      }),
      create(MobilitySchema, {
        name: "mobilities/4",
        programme: "programmes/10",
        participant: { case: "teacher", value: { fullName: "Ли Вэй" } },
        state: MobilityState.NOMINATED,
      }),
    ],
  };
}

describe("computeFigures", () => {
  it("counts a year's enrollments per year, country, workshop and course", () => {
    const f = computeFigures(network(), { year: 2026, country: null });
    expect(f.total.enrollments).toBe(6);
    expect(f.total.trainees).toBe(5); // trainees/1 twice
    expect(f.total.states).toEqual({
      waitlisted: 1,
      enrolled: 1,
      completed: 2,
      failed: 1,
      withdrawn: 1,
      cancelled: 0,
    });
    expect(f.total.certificates).toBe(2);
    expect(completionRateBp(f.total)).toBe(4000); // 2 of the 5 who took part
    expect(certificationRateBp(f.total)).toBe(4000);
    expect(f.byYear.map((r) => r.key)).toEqual([[2026]]);
    expect(f.byCountry.map((r) => [r.key, r.counts.enrollments])).toEqual([
      [[2026, "KZ"], 2],
      [[2026, "TJ"], 4],
    ]);
    const tj = f.byCountry[1].counts;
    expect(completionRateBp(tj)).toBe(3333); // 1 of 3 who took part (the waitlisted one did not)
    expect(f.byWorkshop.map((r) => r.key)).toEqual([
      [2026, 1],
      [2026, 2],
    ]);
    expect(f.byCourse.map((r) => [r.key, r.counts.trainees])).toEqual([
      [[2026, 1], 4],
      [[2026, 2], 2],
    ]);
    expect(workshopsTeaching(f)).toBe(2);
  });

  it("puts trainees in sex and age bands of the run's year, unknown when unknown", () => {
    const f = computeFigures(network(), { year: 2026, country: null });
    expect(f.bySexAge.map((r) => [...r.key, r.counts.enrollments])).toEqual([
      [2026, "KZ", 0, 5, 1], // trainees/5: no record
      [2026, "KZ", 1, 2, 1], // trainees/1, 26
      [2026, "TJ", 1, 2, 1], // trainees/1
      [2026, "TJ", 1, 5, 1], // trainees/4, no birth year
      [2026, "TJ", 2, 0, 1], // trainees/3, 16
      [2026, "TJ", 2, 4, 1], // trainees/2, 46
    ]);
  });

  it("keeps the country's enrollments and programmes, and every year when none is chosen", () => {
    const f = computeFigures(network(), { year: null, country: "TJ" });
    expect(f.byYear.map((r) => [r.key[0], r.counts.enrollments])).toEqual([
      [2026, 4],
      [2027, 1],
    ]);
    expect(f.byCountry.every((r) => r.key[1] === "TJ")).toBe(true);
    expect(f.quotas.map((q) => q.programme.name)).toEqual(["programmes/2"]);
    expect(f.total.trainees).toBe(4);
  });

  it("counts the mobilities of programmes overlapping the period, with quota use", () => {
    const y2026 = computeFigures(network(), { year: 2026, country: null });
    expect(y2026.quotas.map((q) => [q.programme.name, q.approved, q.quota, q.mobilities])).toEqual([
      ["programmes/2", 2, 3, 3],
    ]);
    expect(y2026.mobilities).toEqual([
      { kind: 1, direction: 1, state: 2, mobilities: 2, trainees: 1, teachers: 1 },
      { kind: 1, direction: 1, state: 3, mobilities: 1, trainees: 1, teachers: 0 },
    ]);
    const y2027 = computeFigures(network(), { year: 2027, country: null });
    // Ordered by id, as numbers: 2 before 10.
    expect(y2027.quotas.map((q) => q.programme.name)).toEqual(["programmes/2", "programmes/10"]);
    expect(mobilityTotal(y2027)).toBe(4);
    expect(y2027.countedMobilities).toHaveLength(4);
    expect(computeFigures(network(), { year: 2025, country: null }).quotas).toEqual([]);
  });

  it("offers the years and countries the data has", () => {
    expect(filterChoices(network())).toEqual({ years: [2026, 2027], countries: ["KZ", "TJ"] });
  });
});

describe("dashboardCsv", () => {
  it("writes luban-report's files: its columns, order, names and quoting", () => {
    const data = network();
    const files = dashboardCsv(computeFigures(data, { year: 2026, country: null }), data);
    expect(Object.keys(files).sort()).toEqual([
      "by_country.csv",
      "by_course.csv",
      "by_sex_age.csv",
      "by_workshop.csv",
      "by_year.csv",
      "mobilities.csv",
      "programme_quota.csv",
    ]);
    expect(files["by_year.csv"]).toBe(
      "year,trainees,enrollments,waitlisted,enrolled,completed,failed,withdrawn,cancelled," +
        "completion_rate,certificates\n" +
        "2026,5,6,1,1,2,1,1,0,0.4000,2\n",
    );
    expect(files["by_workshop.csv"].split("\n")[2]).toBe(
      "2026,KZ,workshops/2,\"Қазақстан, шеберхана\",Астана,2,2,0,1,1,0,0,0,0.5000,1",
    );
    expect(files["by_course.csv"].split("\n")[2]).toBe(
      "2026,courses/2,SRV-110,,surveying,2,2,0,1,1,0,0,0,0.5000,1",
    );
    expect(files["by_sex_age.csv"].split("\n")[1]).toBe(
      "2026,KZ,unspecified,unknown,1,1,0,0,1,0,0,0,1.0000,1",
    );
    expect(files["mobilities.csv"]).toBe(
      "programme_kind,direction,state,mobilities,trainees,teachers\n" +
        "trainee_study_visit,to_china,approved,2,1,1\n" +
        "trainee_study_visit,to_china,rejected,1,1,0\n",
    );
    expect(files["programme_quota.csv"].split("\n")[1]).toBe(
      'programmes/2,"Study visit, Tianjin","Tianjin, ""TUC""",Донишгоҳ,TJ,trainee_study_visit,' +
        "to_china,open,2026-12-20,2027-01-10,3,2,0.6667,3",
    );
  });
});

describe("csv", () => {
  it("quotes only what needs it and keeps every script as it is", () => {
    expect(csvField("Душанбе")).toBe("Душанбе");
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
    expect(csvText(["a", "b"], [["1", "天津"]])).toBe("a,b\n1,天津\n");
  });
});

describe("lifecycles", () => {
  it("offer a run's next steps only", () => {
    expect(runActions(CourseRunStatus.SCHEDULED)).toEqual(["open", "cancel"]);
    expect(runActions(CourseRunStatus.OPEN)).toEqual(["start", "cancel"]);
    expect(runActions(CourseRunStatus.IN_PROGRESS)).toEqual(["complete", "cancel"]);
    expect(runActions(CourseRunStatus.CANCELLED)).toEqual([]);
    expect(runActions(CourseRunStatus.COMPLETED)).toEqual([]);
  });
  it("move workshops and programmes as their services allow", () => {
    expect(workshopNext(WorkshopStatus.PLANNED)).toEqual([WorkshopStatus.OPERATING, WorkshopStatus.CLOSED]);
    expect(workshopNext(WorkshopStatus.SUSPENDED)).toEqual([WorkshopStatus.OPERATING, WorkshopStatus.CLOSED]);
    expect(workshopNext(WorkshopStatus.CLOSED)).toEqual([]);
    expect(programmeNext(ProgrammeStatus.OPEN)).toEqual([ProgrammeStatus.CLOSED, ProgrammeStatus.CANCELLED]);
    expect(programmeNext(ProgrammeStatus.COMPLETED)).toEqual([]);
  });
  it("give each side of a mobility its own steps", () => {
    const mobility = { sendingInstitution: "institutions/2", receivingInstitution: "institutions/1" };
    const sending = sidesOf({ role: "ROLE_COLLEGE_ADMIN", institution: "institutions/2" }, mobility);
    const receiving = sidesOf({ role: "ROLE_COLLEGE_ADMIN", institution: "institutions/1" }, mobility);
    const other = sidesOf({ role: "ROLE_COLLEGE_ADMIN", institution: "institutions/5" }, mobility);
    const admin = sidesOf({ role: "ROLE_NETWORK_ADMIN", institution: "" }, mobility);
    const reporter = sidesOf({ role: "ROLE_REPORTER", institution: "" }, mobility);
    expect(mobilityActions(MobilityState.NOMINATED, sending)).toEqual(["cancel"]);
    expect(mobilityActions(MobilityState.NOMINATED, receiving)).toEqual(["approve", "reject", "cancel"]);
    expect(mobilityActions(MobilityState.NOMINATED, admin)).toEqual(["approve", "reject", "cancel"]);
    expect(mobilityActions(MobilityState.NOMINATED, other)).toEqual([]);
    expect(mobilityActions(MobilityState.NOMINATED, reporter)).toEqual([]);
    expect(mobilityActions(MobilityState.REJECTED, receiving)).toEqual(["reopen"]);
    expect(mobilityActions(MobilityState.REJECTED, sending)).toEqual([]);
    expect(mobilityActions(MobilityState.APPROVED, sending)).toEqual(["depart", "cancel"]);
    expect(mobilityActions(MobilityState.DEPARTED, sending)).toEqual(["return", "cancel"]);
    expect(mobilityActions(MobilityState.RETURNED, admin)).toEqual([]);
  });
  it("know who sends by the programme's direction", () => {
    const p = { chineseInstitution: "institutions/1", partnerInstitution: "institutions/2" };
    expect(sendingInstitution({ ...p, direction: Direction.TO_CHINA })).toBe("institutions/2");
    expect(sendingInstitution({ ...p, direction: Direction.TO_PARTNER_COUNTRY })).toBe("institutions/1");
  });
  it("nominate teachers to trainings and exchanges, trainees to the rest", () => {
    expect(takesTeachers(ProgrammeKind.TEACHER_TRAINING)).toBe(true);
    expect(takesTeachers(ProgrammeKind.TECHNICAL_EXCHANGE)).toBe(true);
    expect(takesTeachers(ProgrammeKind.TRAINEE_STUDY_VISIT)).toBe(false);
    expect(takesTeachers(ProgrammeKind.SKILLS_COMPETITION)).toBe(false);
  });
  it("find the service that keeps a record's history", () => {
    expect(serviceOf("courseRuns/12")).toBe("course");
    expect(serviceOf(" trainees/4 ")).toBe("enrollment");
    expect(serviceOf("mobilities/7")).toBe("exchange");
    expect(serviceOf("mobilities/")).toBeNull();
    expect(serviceOf("people/3")).toBeNull();
  });
});

describe("forms", () => {
  it("read real days only", () => {
    expect(parseIsoDate("2026-09-01")).toMatchObject({ year: 2026, month: 9, day: 1 });
    expect(parseIsoDate("2024-02-29")).toBeDefined();
    expect(parseIsoDate("2026-02-29")).toBeUndefined();
    expect(parseIsoDate("")).toBeUndefined();
    expect(parseIsoDate("1.9.2026")).toBeUndefined();
  });
  it("split lists, keep names byte-exact and drop empty rows", () => {
    expect(splitList(" urban rail, CNC ,, ")).toEqual(["urban rail", "CNC"]);
    const names = namesOf([
      { languageCode: " tg ", text: "Коргоҳи Лубан" },
      { languageCode: "en", text: " " },
      { languageCode: "", text: "orphan" },
    ]);
    expect(names.map((n) => [n.languageCode, n.text])).toEqual([["tg", "Коргоҳи Лубан"]]);
    expect(wholeNumber(" 12 ")).toBe(12);
    expect(wholeNumber("1.5")).toBeUndefined();
  });
  it("write times in the page's language", () => {
    const time = timestampFromMs(Date.UTC(2026, 11, 6, 12, 0, 0));
    expect(formatTime(time, "en")).toContain("2026");
    expect(formatTime(undefined, "en")).toBe("");
  });
});
