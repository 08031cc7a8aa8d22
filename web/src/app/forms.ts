// What the admin and exchange forms turn people's input into (and back): dates, lists, names in
// several languages, times. Pure code.
import { create } from "@bufbuild/protobuf";
import { type Timestamp, timestampDate } from "@bufbuild/protobuf/wkt";

import {
  type Date as DateMessage,
  DateSchema,
  type LocalizedString,
  LocalizedStringSchema,
} from "../gen/luban/common/v1/types_pb.js";

// "2026-09-01" (a date input's value) as a Date message; undefined when empty or not a real day.
export function parseIsoDate(text: string): DateMessage | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
    return undefined;
  }
  return create(DateSchema, { year, month, day });
}

// "urban rail, CNC" -> ["urban rail", "CNC"]: commas separate, blanks are dropped.
export function splitList(text: string): string[] {
  return text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

// A row of a names editor: a language tag and the text in it.
export interface NameRow {
  languageCode: string;
  text: string;
}

// The rows people filled in, as LocalizedStrings (texts kept byte-exact, tags trimmed).
export function namesOf(rows: readonly NameRow[]): LocalizedString[] {
  return rows
    .filter((r) => r.languageCode.trim() !== "" && r.text.trim() !== "")
    .map((r) => create(LocalizedStringSchema, { languageCode: r.languageCode.trim(), text: r.text }));
}

export function rowsOf(names: readonly LocalizedString[]): NameRow[] {
  return names.map((n) => ({ languageCode: n.languageCode, text: n.text }));
}

// A moment in the page's language and the browser's time zone; "" when unset.
// One formatter per language: making one takes milliseconds, and a history has many rows.
const timeFormats = new Map<string, Intl.DateTimeFormat>();

export function formatTime(time: Timestamp | undefined, language: string): string {
  if (!time) return "";
  let format = timeFormats.get(language);
  if (format === undefined) {
    format = new Intl.DateTimeFormat(language, { dateStyle: "medium", timeStyle: "medium" });
    timeFormats.set(language, format);
  }
  return format.format(timestampDate(time));
}

// The whole number in an input, or undefined.
export function wholeNumber(text: string): number | undefined {
  return /^\s*-?\d+\s*$/.test(text) ? Number(text) : undefined;
}
