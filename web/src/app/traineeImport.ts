// A CSV of trainees as luban-admin imports it (tools/admin/import.cc): the same columns, the same
// values (sex female/male/f/m, dates YYYY-MM-DD, document types by name, a workshop by id or
// name), the same results file (line, outcome, trainee, error_code, error_message). Rows the
// console can already tell are invalid are refused here as INVALID_ARGUMENT, without being sent.
import { create } from "@bufbuild/protobuf";

import { DateSchema } from "../gen/luban/common/v1/types_pb.js";
import {
  ContactsSchema,
  DocumentType,
  IdentityDocumentSchema,
  ImportOutcome,
  type ImportTraineesResult,
  Sex,
  type Trainee,
  TraineeSchema,
} from "../gen/luban/enrollment/v1/enrollment_pb.js";
import { type CsvRecord, toCsv } from "./csv.js";

// The columns, in luban-admin's documentation order.
export const IMPORT_COLUMNS = [
  "family_name",
  "given_name",
  "family_name_latin",
  "given_name_latin",
  "sex",
  "birth_date",
  "citizenship",
  "document_country",
  "document_type",
  "document_number",
  "email",
  "phone",
  "address",
  "home_workshop",
] as const;

export type ImportColumn = (typeof IMPORT_COLUMNS)[number];

// The most rows one ImportTrainees call takes.
export const MAX_BATCH_ROWS = 500;

// The columns of a file, from its header row; an error naming the column that is unknown or
// given twice.
export function importColumns(header: readonly string[]): ImportColumn[] | { error: string } {
  const columns: ImportColumn[] = [];
  for (const raw of header) {
    const name = raw.trim().replace(/[- ]/g, "_").toLowerCase();
    const column = IMPORT_COLUMNS.find((c) => c === name);
    if (column === undefined) {
      return {
        error: `header: unknown column '${raw}'; the columns are ${IMPORT_COLUMNS.join(", ")}`,
      };
    }
    if (columns.includes(column)) return { error: `header: column '${raw}' twice` };
    columns.push(column);
  }
  return columns;
}

const SEXES: Record<string, Sex> = {
  f: Sex.FEMALE,
  female: Sex.FEMALE,
  sex_female: Sex.FEMALE,
  m: Sex.MALE,
  male: Sex.MALE,
  sex_male: Sex.MALE,
};

const DOCUMENT_TYPES: Record<string, DocumentType> = {
  passport: DocumentType.PASSPORT,
  national_id: DocumentType.NATIONAL_ID,
  residence_permit: DocumentType.RESIDENCE_PERMIT,
  birth_certificate: DocumentType.BIRTH_CERTIFICATE,
};

function enumKey(text: string): string {
  return text.toLowerCase().replace(/-/g, "_");
}

// "2001-07-22" as a date of the calendar, else undefined.
export function parseIsoDate(text: string): { year: number; month: number; day: number } | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    return undefined;
  }
  return { year, month, day };
}

// One data record as a trainee to create, or why it cannot be one.
export function rowToTrainee(
  columns: readonly ImportColumn[],
  fields: readonly string[],
): { trainee: Trainee } | { error: string } {
  if (fields.length !== columns.length) {
    return { error: `the row has ${fields.length} fields where the header has ${columns.length}` };
  }
  const trainee = create(TraineeSchema, {});
  const document = () => (trainee.identityDocument ??= create(IdentityDocumentSchema));
  const contacts = () => (trainee.contacts ??= create(ContactsSchema));
  for (let i = 0; i < columns.length; i++) {
    const value = fields[i].trim();
    if (value === "") continue;
    const column = columns[i];
    switch (column) {
      case "family_name":
        trainee.familyName = value;
        break;
      case "given_name":
        trainee.givenName = value;
        break;
      case "family_name_latin":
        trainee.familyNameLatin = value;
        break;
      case "given_name_latin":
        trainee.givenNameLatin = value;
        break;
      case "sex": {
        const sex = SEXES[enumKey(value)];
        if (sex === undefined) return { error: `sex: '${value}' is not one of female, male` };
        trainee.sex = sex;
        break;
      }
      case "birth_date": {
        const date = parseIsoDate(value);
        if (!date) return { error: `birth_date: '${value}' is not a date (YYYY-MM-DD)` };
        trainee.birthDate = create(DateSchema, date);
        break;
      }
      case "citizenship":
        trainee.citizenship = value;
        break;
      case "document_country":
        document().countryCode = value;
        break;
      case "document_type": {
        const type = DOCUMENT_TYPES[enumKey(value).replace(/^document_type_/, "")];
        if (type === undefined) {
          return {
            error: `document_type: '${value}' is not one of ${Object.keys(DOCUMENT_TYPES).join(", ")}`,
          };
        }
        document().type = type;
        break;
      }
      case "document_number":
        document().number = value;
        break;
      case "email":
        contacts().email = value;
        break;
      case "phone":
        contacts().phone = value;
        break;
      case "address":
        contacts().address = value;
        break;
      case "home_workshop":
        // The short form, as luban-admin takes it: "1" is "workshops/1".
        trainee.homeWorkshop = /^\d+$/.test(value) ? `workshops/${value}` : value;
        break;
    }
  }
  return { trainee };
}

// One row's result, as luban-admin writes it to its results file.
export interface RowResult {
  line: number;
  outcome: "CREATED" | "ALREADY_EXISTED" | "REFUSED";
  trainee: string;
  errorCode: string;
  errorMessage: string;
}

export function outcomeName(outcome: ImportOutcome): RowResult["outcome"] {
  switch (outcome) {
    case ImportOutcome.CREATED:
      return "CREATED";
    case ImportOutcome.ALREADY_EXISTED:
      return "ALREADY_EXISTED";
    default:
      return "REFUSED";
  }
}

export function fromServiceResult(line: number, result: ImportTraineesResult | undefined): RowResult {
  if (result === undefined) {
    return {
      line,
      outcome: "REFUSED",
      trainee: "",
      errorCode: "UNKNOWN",
      errorMessage: "the service gave no result",
    };
  }
  return {
    line,
    outcome: outcomeName(result.outcome),
    trainee: result.trainee,
    errorCode: result.errorCode,
    errorMessage: result.errorMessage,
  };
}

// A data row waiting for its batch: its line and the trainee, or why it was refused here.
export type PendingRow = { line: number } & ({ trainee: Trainee } | { error: string });

// The data records of a file (after its header) as rows to send; blank lines are skipped.
export function pendingRows(columns: readonly ImportColumn[], records: readonly CsvRecord[]): PendingRow[] {
  return records
    .filter((r) => !(r.fields.length === 1 && r.fields[0].trim() === ""))
    .map((r) => ({ line: r.line, ...rowToTrainee(columns, r.fields) }));
}

// Rows in batches of at most `size`.
export function batches<T>(rows: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

// The results file luban-admin would write for the same import.
export function resultsCsv(results: readonly RowResult[]): string {
  return toCsv([
    ["line", "outcome", "trainee", "error_code", "error_message"],
    ...results.map((r) => [String(r.line), r.outcome, r.trainee, r.errorCode, r.errorMessage]),
  ]);
}

export function countOutcomes(results: readonly RowResult[]): Record<RowResult["outcome"], number> {
  const counts = { CREATED: 0, ALREADY_EXISTED: 0, REFUSED: 0 };
  for (const r of results) counts[r.outcome] += 1;
  return counts;
}
