// Names and dates as the contracts hold them, shown in the page's language where there is a
// version in it; names of people and places otherwise stay in their own script.
import type { Date as DateMessage, LocalizedString } from "../gen/luban/common/v1/types_pb.js";

// The text in `language`, else in English, else the first one given.
export function localized(texts: readonly LocalizedString[], language: string): string {
  const exact = texts.find((t) => t.languageCode === language);
  if (exact) return exact.text;
  const english = texts.find((t) => t.languageCode === "en");
  if (english) return english.text;
  return texts[0]?.text ?? "";
}

// An ISO 8601 calendar date, "2026-09-01"; "" when unset.
export function isoDate(date: DateMessage | undefined): string {
  if (!date || date.year === 0) return "";
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.year}-${pad(date.month)}-${pad(date.day)}`;
}

// The id in a resource name: "courseRuns/12" -> "12".
export function resourceId(name: string): string {
  return name.slice(name.lastIndexOf("/") + 1);
}
