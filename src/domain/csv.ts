/**
 * The one CSV writer (issue 9.5, ADR 0010): every download — API answers, page CSVs (charts, map, data
 * table, booking), the CLI's query output and our MI publication — writes its cells here. A header row, then one row per record, RFC 4180 quoting (fields holding a comma,
 * quote, CR or LF, or starting or ending with a space, are quoted, quotes doubled), CRLF line ends. Text
 * that a spreadsheet would run as a formula (starting =, +, -, @, tab or CR) is prefixed with ' so that
 * opening a download never runs anything; numbers are written as JSON writes them.
 */
export type CsvValue = string | number | boolean | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return csvCell(JSON.stringify(value));
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  const s = String(value);
  const text = FORMULA_START.test(s) ? `'${s}` : s;
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One line of cells, CRLF-terminated (for streaming large CSVs a line at a time). */
export function csvLine(values: readonly unknown[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}

export function toCsv(columns: readonly string[], rows: readonly object[]): string {
  const lines = [columns.map(csvCell).join(',')];
  for (const row of rows) {
    const r = row as Record<string, unknown>;
    lines.push(columns.map((c) => csvCell(r[c])).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}

/** A download file name from trusted, validated parts: letters, digits, - and _ only. */
export function csvFilename(parts: readonly (string | undefined | null)[]): string {
  const name = parts
    .filter((p): p is string => typeof p === 'string' && p !== '')
    .map((p) => p.replace(/[^A-Za-z0-9_-]+/g, '-'))
    .join('-')
    .slice(0, 120);
  return `${name || 'data'}.csv`;
}
