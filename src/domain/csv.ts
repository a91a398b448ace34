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

/** A whole CSV; `eol` is CRLF (RFC 4180) but for the CLI, which writes LF lines to a terminal or pipe. */
export function toCsv(
  columns: readonly string[],
  rows: readonly object[],
  eol: '\r\n' | '\n' = '\r\n',
): string {
  const lines = [columns.map(csvCell).join(',')];
  for (const row of rows) {
    const r = row as Record<string, unknown>;
    lines.push(columns.map((c) => csvCell(r[c])).join(','));
  }
  return lines.join(eol) + eol;
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

/**
 * The area columns every CSV of an area's figures starts with (ADR 0032): the same names in page CSVs, API
 * CSVs and the CLI, so a download can be joined to any other on them. `area_ons_code` is empty where the area
 * has none (PCNs, practices, Unknown).
 */
export const AREA_CSV_COLUMNS = [
  'area_code',
  'area_name',
  'area_place_name',
  'area_level',
  'area_ons_code',
] as const;
export type AreaCsvColumn = (typeof AREA_CSV_COLUMNS)[number];

export interface CsvArea {
  code: string;
  /** The NHS name ("NHS West Yorkshire ICB - 15F"). */
  name: string;
  /** A sub-ICB location's place name ("Leeds", docs/adr/0028); empty for other areas. */
  placeName?: string | null;
  level: string;
  onsCode?: string | null;
}

/** An area's cells in the order of AREA_CSV_COLUMNS. */
export function areaCsvCells(area: CsvArea): [string, string, string | null, string, string | null] {
  return [area.code, area.name, area.placeName ?? null, area.level, area.onsCode ?? null];
}

/** An area's cells keyed by AREA_CSV_COLUMNS (for toCsv rows). */
export function areaCsvFields(area: CsvArea): Record<AreaCsvColumn, string | null> {
  return {
    area_code: area.code,
    area_name: area.name,
    area_place_name: area.placeName ?? null,
    area_level: area.level,
    area_ons_code: area.onsCode ?? null,
  };
}

/**
 * Layouts of a CSV of figures over time (ADR 0032): `long` (the default) has one row per area and period;
 * `wide` one row per area (and metric), a column per period headed by its start date (YYYY-MM-DD). Asked for
 * with `layout=wide` wherever it applies.
 */
export const CSV_LAYOUTS = ['long', 'wide'] as const;
export type CsvLayout = (typeof CSV_LAYOUTS)[number];

/**
 * One row of a wide CSV: the row's key cells, then one cell per period, in `periods` order. A period the row
 * has no figure for is an empty cell, never 0 (src/domain/no-data.ts): the caller passes figures already
 * rounded (src/domain/rounding.ts), with null or no entry for no data.
 */
export function wideCsvLine(
  keys: readonly unknown[],
  periods: readonly string[],
  values: ReadonlyMap<string, unknown>,
): string {
  return csvLine([...keys, ...periods.map((p) => values.get(p) ?? null)]);
}

/** A whole wide CSV: header (key columns, then the periods) and rows; see wideCsvLine. */
export function toWideCsv(
  keyColumns: readonly string[],
  periods: readonly string[],
  rows: readonly { keys: readonly unknown[]; values: ReadonlyMap<string, unknown> }[],
): string {
  let out = csvLine([...keyColumns, ...periods]);
  for (const r of rows) out += wideCsvLine(r.keys, periods, r.values);
  return out;
}
