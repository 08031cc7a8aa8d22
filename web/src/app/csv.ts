// CSV as RFC 4180 has it, the same dialect luban-admin reads and writes (tools/cli/csv.h): fields
// separated by ',', quoted with '"' when they hold ',', '"', CR or LF, a '"' inside a quoted field
// doubled; records end with CRLF or LF; a UTF-8 byte-order mark at the very start is skipped.

export interface CsvRecord {
  // 1-based line on which the record starts.
  line: number;
  fields: string[];
}

export interface ParsedCsv {
  records: CsvRecord[];
  // Why the text stopped being CSV (the records before it are kept), naming the line.
  error?: string;
}

export function parseCsv(input: string): ParsedCsv {
  const text = input.startsWith("\uFEFF") ? input.slice(1) : input;
  const records: CsvRecord[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const start = line;
    const fields: string[] = [];
    let field = "";
    let quoted = false;
    let afterQuote = false; // a quoted field ended: only ',' or the end of the record may follow
    let ended = false;
    while (i < text.length && !ended) {
      const c = text[i];
      if (quoted) {
        if (c === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          quoted = false;
          afterQuote = true;
          i += 1;
          continue;
        }
        if (c === "\n") line += 1;
        field += c;
        i += 1;
        continue;
      }
      if (c === ",") {
        fields.push(field);
        field = "";
        afterQuote = false;
        i += 1;
      } else if (c === "\n" || (c === "\r" && text[i + 1] === "\n")) {
        i += c === "\r" ? 2 : 1;
        line += 1;
        ended = true;
      } else if (afterQuote) {
        return { records, error: `line ${line}: a quoted field must end at ',' or the line's end` };
      } else if (c === '"') {
        if (field !== "") {
          return { records, error: `line ${line}: a '"' inside an unquoted field` };
        }
        quoted = true;
        i += 1;
      } else {
        field += c;
        i += 1;
      }
    }
    if (quoted) return { records, error: `line ${start}: a quoted field is not closed` };
    fields.push(field);
    records.push({ line: start, fields });
  }
  return { records };
}

// One field, quoted if it needs to be.
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

// Records as CSV text, each line ended with "\n" (what luban-admin writes).
export function toCsv(rows: readonly (readonly string[])[]): string {
  return rows.map((row) => row.map(csvField).join(",") + "\n").join("");
}

// A whole table as luban-report writes its files: the header row, then the rows.
export function csvText(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return toCsv([header, ...rows]);
}

// Offers `text` to the browser as a file download (a Blob URL: nothing leaves the page).
export function downloadCsv(filename: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
