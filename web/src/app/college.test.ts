// The logic of the college admin's journeys: CSV import as luban-admin reads it, field errors,
// trainee forms and their update masks, document search, request ids, run versions.
import { create } from "@bufbuild/protobuf";
import { anyPack, TimestampSchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";

import { ChangeEventSchema } from "../gen/luban/common/v1/types_pb.js";
import { CourseRunSchema } from "../gen/luban/course/v1/course_pb.js";
import {
  DocumentType,
  EnrollmentSchema,
  ImportOutcome,
  ImportTraineesResultSchema,
  Sex,
  TraineeSchema,
} from "../gen/luban/enrollment/v1/enrollment_pb.js";
import { parseCsv, toCsv } from "./csv.js";
import { fieldError, parseFieldMessage } from "./fieldErrors.js";
import { looksLikeDocument, traineeName } from "./people.js";
import { RequestIds } from "./requestIds.js";
import { changesShown, type Shown } from "./runChanges.js";
import { EMPTY_FIELDS, fieldKeyOf, fieldsOf, traineeOf, updateMask } from "./traineeForm.js";
import {
  batches,
  countOutcomes,
  fromServiceResult,
  importColumns,
  parseIsoDate,
  pendingRows,
  resultsCsv,
  rowToTrainee,
} from "./traineeImport.js";
import { percent } from "../components/CompletionTable.js";

describe("parseCsv", () => {
  it("reads quoted fields, doubled quotes, CRLF and a byte-order mark", () => {
    const parsed = parseCsv('\uFEFFa,b\r\n"x, y","say ""hi"""\n"two\nlines",ҷ\n');
    expect(parsed.error).toBeUndefined();
    expect(parsed.records).toEqual([
      { line: 1, fields: ["a", "b"] },
      { line: 2, fields: ["x, y", 'say "hi"'] },
      { line: 3, fields: ["two\nlines", "ҷ"] },
    ]);
  });
  it("keeps a last record without a newline and empty fields", () => {
    expect(parseCsv("a,,c").records).toEqual([{ line: 1, fields: ["a", "", "c"] }]);
  });
  it("names the line of a damaged record and keeps the ones before", () => {
    const parsed = parseCsv('a,b\nc,"d\n');
    expect(parsed.records).toHaveLength(1);
    expect(parsed.error).toBe("line 2: a quoted field is not closed");
    expect(parseCsv('a,b"c\n').error).toBe(`line 1: a '"' inside an unquoted field`);
  });
  it("writes what it reads", () => {
    const rows = [["line", "error_message"], ["2", 'family_name_latin: Latin letters, "-"']];
    expect(parseCsv(toCsv(rows)).records.map((r) => r.fields)).toEqual(rows);
  });
});

describe("import rows", () => {
  const header = [
    "family_name", "given_name", "Family-Name-Latin", "given_name_latin", "sex", "birth_date",
    "citizenship", "document_country", "document_type", "document_number", "home_workshop",
  ];
  it("takes luban-admin's column names, any case, '-' for '_'", () => {
    const columns = importColumns(header);
    expect(Array.isArray(columns)).toBe(true);
    expect(importColumns(["family_name", "surname"])).toEqual({
      error: expect.stringContaining("header: unknown column 'surname'; the columns are family_name"),
    });
    expect(importColumns(["sex", "SEX"])).toEqual({ error: "header: column 'SEX' twice" });
  });
  it("makes a trainee of a row, names byte-exact", () => {
    const columns = importColumns(header);
    if ("error" in columns) throw new Error(columns.error);
    const row = rowToTrainee(columns, [
      "Раҳимов", "Ҷамшед", "Rahimov", "Jamshed", "m", "1998-03-14", "TJ", "TJ", "passport",
      "A 123", "1",
    ]);
    if ("error" in row) throw new Error(row.error);
    expect(row.trainee.familyName).toBe("Раҳимов");
    expect(row.trainee.sex).toBe(Sex.MALE);
    expect(row.trainee.birthDate).toMatchObject({ year: 1998, month: 3, day: 14 });
    expect(row.trainee.identityDocument).toMatchObject({
      countryCode: "TJ",
      type: DocumentType.PASSPORT,
      number: "A 123",
    });
    expect(row.trainee.homeWorkshop).toBe("workshops/1");
    expect(row.trainee.contacts).toBeUndefined();
  });
  it("refuses what it can tell is wrong, naming the column", () => {
    const columns = importColumns(["sex", "birth_date", "document_type"]);
    if ("error" in columns) throw new Error(columns.error);
    expect(rowToTrainee(columns, ["x", "", ""])).toEqual({ error: "sex: 'x' is not one of female, male" });
    expect(rowToTrainee(columns, ["", "2001-02-30", ""])).toEqual({
      error: "birth_date: '2001-02-30' is not a date (YYYY-MM-DD)",
    });
    expect(rowToTrainee(columns, ["", "", "visa"])).toEqual({
      error: "document_type: 'visa' is not one of passport, national_id, residence_permit, birth_certificate",
    });
    expect(rowToTrainee(columns, ["f", ""])).toEqual({
      error: "the row has 2 fields where the header has 3",
    });
  });
  it("skips blank lines and keeps each row's line", () => {
    const columns = importColumns(["family_name"]);
    if ("error" in columns) throw new Error(columns.error);
    const rows = pendingRows(columns, parseCsv("family_name\nA\n\nB\n").records.slice(1));
    expect(rows.map((r) => r.line)).toEqual([2, 4]);
  });
  it("checks calendar dates", () => {
    expect(parseIsoDate("2024-02-29")).toEqual({ year: 2024, month: 2, day: 29 });
    expect(parseIsoDate("2023-02-29")).toBeUndefined();
    expect(parseIsoDate("2023-2-1")).toBeUndefined();
  });
  it("batches rows", () => {
    expect(batches([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
  });
  it("writes luban-admin's results file", () => {
    const results = [
      fromServiceResult(
        2,
        create(ImportTraineesResultSchema, { outcome: ImportOutcome.CREATED, trainee: "trainees/9" }),
      ),
      fromServiceResult(
        3,
        create(ImportTraineesResultSchema, {
          outcome: ImportOutcome.REFUSED,
          errorCode: "INVALID_ARGUMENT",
          errorMessage: "contacts.email: an e-mail address, such as name@example.tj",
        }),
      ),
      fromServiceResult(4, undefined),
    ];
    expect(resultsCsv(results)).toBe(
      "line,outcome,trainee,error_code,error_message\n" +
        "2,CREATED,trainees/9,,\n" +
        '3,REFUSED,,INVALID_ARGUMENT,"contacts.email: an e-mail address, such as name@example.tj"\n' +
        "4,REFUSED,,UNKNOWN,the service gave no result\n",
    );
    expect(countOutcomes(results)).toEqual({ CREATED: 1, ALREADY_EXISTED: 0, REFUSED: 2 });
  });
});

describe("fieldError", () => {
  it("finds the field a refusal names, without the request's wrapper", () => {
    expect(
      fieldError(new ConnectError("trainee.birth_date: a day between 1900-01-01 and today", Code.InvalidArgument), "trainee"),
    ).toEqual({ field: "birth_date", rule: "a day between 1900-01-01 and today" });
    expect(parseFieldMessage("contacts.email: an e-mail address such as name@example.tj")).toEqual({
      field: "contacts.email",
      rule: "an e-mail address such as name@example.tj",
    });
  });
  it("names no field for other refusals", () => {
    expect(fieldError(new ConnectError("the service is down", Code.Unavailable))).toBeUndefined();
    expect(fieldError(new ConnectError("courseRuns/2 has not started", Code.FailedPrecondition))).toBeUndefined();
    expect(parseFieldMessage("Trainee is archived")).toBeUndefined();
  });
});

describe("trainee form", () => {
  const trainee = create(TraineeSchema, {
    name: "trainees/4",
    familyName: "Ҳасанова",
    givenName: "Мадина",
    familyNameLatin: "Hasanova",
    givenNameLatin: "Madina",
    sex: Sex.FEMALE,
    birthDate: { year: 2003, month: 1, day: 30 },
    citizenship: "TJ",
    identityDocument: { countryCode: "TJ", type: DocumentType.PASSPORT, number: "A1234567" },
    contacts: { email: "m@example.tj", phone: "", address: "" },
    homeWorkshop: "workshops/1",
  });
  it("round-trips a trainee", () => {
    const back = traineeOf(fieldsOf(trainee));
    expect(back.familyName).toBe("Ҳасанова");
    expect(back.birthDate).toMatchObject({ year: 2003, month: 1, day: 30 });
    expect(back.identityDocument?.type).toBe(DocumentType.PASSPORT);
    expect(back.contacts?.email).toBe("m@example.tj");
  });
  it("masks only what changed, contacts as one", () => {
    const before = fieldsOf(trainee);
    expect(updateMask(before, before)).toEqual([]);
    expect(updateMask(before, { ...before, phone: "+992 93 123 4567", givenNameLatin: "Madina " })).toEqual([
      "contacts",
    ]);
    expect(updateMask(before, { ...before, familyName: "Ҳасанзода", birthDate: "2003-01-31" })).toEqual([
      "family_name",
      "birth_date",
    ]);
  });
  it("leaves a date that is not one unset", () => {
    expect(traineeOf({ ...EMPTY_FIELDS, birthDate: "31.01.2003" }).birthDate).toBeUndefined();
  });
  it("maps the services' field paths to inputs", () => {
    expect(fieldKeyOf("contacts.phone")).toBe("phone");
    expect(fieldKeyOf("identity_document")).toBe("documentNumber");
    expect(fieldKeyOf("rows")).toBeUndefined();
  });
});

describe("people", () => {
  it("takes a query with a digit for a document number", () => {
    expect(looksLikeDocument("A 1234")).toBe(true);
    expect(looksLikeDocument("Раҳимов")).toBe(false);
  });
  it("shows a name in its own script with the Latin beside it", () => {
    const t = create(TraineeSchema, {
      familyName: "王",
      givenName: "芳",
      familyNameLatin: "Wang",
      givenNameLatin: "Fang",
    });
    expect(traineeName(t)).toBe("王 芳 (Wang Fang)");
    expect(traineeName(create(TraineeSchema, { familyName: "Smith", familyNameLatin: "Smith" }))).toBe("Smith");
  });
});

describe("RequestIds", () => {
  it("keeps one id per change until it went through", () => {
    let n = 0;
    const ids = new RequestIds(() => `id-${++n}`);
    expect(ids.for("enroll 1")).toBe("id-1");
    expect(ids.for("enroll 1")).toBe("id-1");
    expect(ids.for("enroll 2")).toBe("id-2");
    ids.done("enroll 1");
    expect(ids.for("enroll 1")).toBe("id-3");
  });
});

describe("run changes", () => {
  const at = (seconds: number) => create(TimestampSchema, { seconds: BigInt(seconds) });
  const enrollmentOf = (run: string, name: string, seconds: number, etag: string) =>
    create(EnrollmentSchema, { name, courseRun: run, updateTime: at(seconds), etag });
  const enrollmentEvent = (e: ReturnType<typeof enrollmentOf>) =>
    create(ChangeEventSchema, {
      resourceType: "enrollments",
      resourceName: e.name,
      resource: anyPack(EnrollmentSchema, e),
    });
  const run = create(CourseRunSchema, { name: "courseRuns/7", updateTime: at(100), etag: "r1" });
  const shown: Shown = {
    run,
    enrollments: new Map([["enrollments/1", enrollmentOf("courseRuns/7", "enrollments/1", 200, "e2")]]),
  };

  it("tell an event of the run from others", () => {
    expect(changesShown(enrollmentEvent(enrollmentOf("courseRuns/8", "enrollments/9", 300, "x")), shown)).toBe(false);
    expect(changesShown(enrollmentEvent(enrollmentOf("courseRuns/7", "enrollments/9", 300, "x")), shown)).toBe(true);
  });

  it("pass over what the page shows already: the feeds' replay of older versions", () => {
    // The version shown, and an older one.
    expect(changesShown(enrollmentEvent(enrollmentOf("courseRuns/7", "enrollments/1", 200, "e2")), shown)).toBe(false);
    expect(changesShown(enrollmentEvent(enrollmentOf("courseRuns/7", "enrollments/1", 150, "e1")), shown)).toBe(false);
    // A later one; another at the same time (a clock's resolution) is news too.
    expect(changesShown(enrollmentEvent(enrollmentOf("courseRuns/7", "enrollments/1", 250, "e3")), shown)).toBe(true);
    expect(changesShown(enrollmentEvent(enrollmentOf("courseRuns/7", "enrollments/1", 200, "e3")), shown)).toBe(true);
  });

  it("tell the run's own changes by version", () => {
    const runEvent = (updated: number, etag: string, name = "courseRuns/7") =>
      create(ChangeEventSchema, {
        resourceType: "courseRuns",
        resourceName: name,
        resource: anyPack(CourseRunSchema, create(CourseRunSchema, { name, updateTime: at(updated), etag })),
      });
    expect(changesShown(runEvent(100, "r1"), shown)).toBe(false);
    expect(changesShown(runEvent(90, "r0"), shown)).toBe(false);
    expect(changesShown(runEvent(110, "r2"), shown)).toBe(true);
    expect(changesShown(runEvent(110, "r2", "courseRuns/8"), shown)).toBe(false);
  });
});

describe("percent", () => {
  it("takes whole numbers 0..100 only", () => {
    expect(percent(" 85 ")).toBe(85);
    expect(percent("0")).toBe(0);
    expect(percent("101")).toBeUndefined();
    expect(percent("8.5")).toBeUndefined();
    expect(percent("")).toBeUndefined();
  });
});
