// CSV as luban-report writes it (RFC 4180): fields separated by ',', a field quoted with '"' when
// it holds ',', '"', CR or LF, a '"' inside doubled; each record ends with "\n". UTF-8 passes
// through as it is, so names keep their own scripts.

export function csvField(field: string): string {
  return /[",\r\n]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field;
}

export function csvRow(fields: readonly string[]): string {
  return `${fields.map(csvField).join(",")}\n`;
}

// A whole table: the header row, then the rows.
export function csvText(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return csvRow(header) + rows.map(csvRow).join("");
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
