/**
 * The NHS App Management Information workbook (`NHS App Management Information Statistics - <Month YYYY>.xlsx`)
 * → `mi_published`, read with exceljs.
 *
 * - `Table 2` (ICB level, long format): a header row `Month | ICB ODS Code [1,2] | ICB Name [1,2] | NHSE Region ODS
 *   Code [1,2] | NHSE Region Name [1,2] | NHS App logins | NHS App unique user logins`, then one row per month × ICB,
 *   `Unknown` included, until the `Source:` / `Notes:` lines. Month cells are date cells, Excel serials or text.
 *   Every row is validated as in the ICB CSV (see mi-csv.ts); problems name the sheet row and column.
 * - `Table 1` (national): a header row of months, NEWEST FIRST (date cells or serials), and one row per measure
 *   labelled `NHS App logins` / `NHS App unique user logins`. Columns are keyed by the month in their header
 *   cell, never by position. When the header is inconsistent (a month appears twice, as in the August 2025
 *   edition where July's column is labelled June, serial 45809), the months are resolved from the required
 *   consecutive newest-first sequence (the one most header cells agree with) and checked against the Table 2 sums
 *   for each month; if the sequence does not fit, a month is taken for each column whose figures equal exactly one
 *   month's Table 2 sums. What was done is reported as a warning; a header that cannot be resolved rejects the file.
 * - `Metric Metadata` (optional): a CSV column name given for a known metric that the CSV importer does not
 *   accept yet is reported as a warning.
 * Measures other than logins and unique user logins are skipped with a warning. Blank Table 1 cells are taken as
 * "not published" (warning); blank Table 2 cells are errors.
 */
import ExcelJS from 'exceljs';
import fs from 'node:fs';
import path from 'node:path';
import type { Warehouse } from '../../warehouse/db.ts';
import { IngestError, ProblemCollector } from '../errors.ts';
import {
  addMonths,
  contentSha256,
  type FeedImportSummary,
  findPreviousLoad,
  MAX_COUNT,
  type Parsed,
  parseCount,
  StageFile,
  tooLarge,
} from './common.ts';
import {
  checkIcbFields,
  dayToExcelSerial,
  type IcbFields,
  MI_MEASURES,
  MI_STAGE_COLUMNS,
  measureOfLabel,
  type MiEdition,
  type MiValue,
  miStageRow,
  normaliseLabel,
  parseMonthSerial,
  parseMonthText,
  writeMi,
} from './mi-common.ts';
import { checkWorkbookLimits } from './xlsx-limits.ts';
import { monthOfName } from '../../domain/periods.ts';

type Cell =
  | { kind: 'empty' }
  | { kind: 'number'; value: number }
  | { kind: 'date'; day: string }
  | { kind: 'text'; value: string };

/** A cell's value, flattened: formulas give their result, rich text and hyperlinks their text. */
function readValue(value: unknown): Cell {
  if (value === null || value === undefined) return { kind: 'empty' };
  if (typeof value === 'number') return { kind: 'number', value };
  if (typeof value === 'string')
    return value.trim() === '' ? { kind: 'empty' } : { kind: 'text', value: value.trim() };
  if (typeof value === 'boolean') return { kind: 'text', value: String(value) };
  if (value instanceof Date) {
    const day = new Date(Math.round(value.getTime() / 86_400_000) * 86_400_000).toISOString().slice(0, 10);
    return { kind: 'date', day };
  }
  if (typeof value === 'object') {
    const v = value as { result?: unknown; richText?: { text: string }[]; text?: unknown; error?: unknown };
    if ('result' in v) return readValue(v.result);
    if (Array.isArray(v.richText)) return readValue(v.richText.map((t) => t.text).join(''));
    if (typeof v.text === 'string') return readValue(v.text);
    if (v.error !== undefined) return { kind: 'text', value: String(v.error) };
  }
  return { kind: 'text', value: String(value) };
}

function cellAt(ws: ExcelJS.Worksheet, row: number, col: number): Cell {
  return readValue(ws.getRow(row).getCell(col).value);
}

function cellText(cell: Cell): string {
  switch (cell.kind) {
    case 'empty':
      return '';
    case 'number':
      return String(cell.value);
    case 'date':
      return cell.day;
    case 'text':
      return cell.value;
  }
}

/** 1 → A, 27 → AA. */
export function columnLetter(n: number): string {
  let s = '';
  for (let x = n; x > 0; x = Math.floor((x - 1) / 26)) s = String.fromCharCode(65 + ((x - 1) % 26)) + s;
  return s;
}

function monthOfCell(cell: Cell, date1904: boolean): Parsed<string> {
  switch (cell.kind) {
    case 'empty':
      return { ok: false, reason: 'is empty' };
    case 'date':
      return parseMonthText(cell.day);
    case 'number':
      return parseMonthSerial(cell.value, date1904);
    case 'text':
      return parseMonthText(cell.value, date1904);
  }
}

function countOfCell(cell: Cell): Parsed<number> | { ok: 'blank' } {
  if (cell.kind === 'empty') return { ok: 'blank' };
  if (cell.kind === 'number') {
    if (cell.value < 0) return { ok: false, reason: `${cell.value} is negative` };
    if (!Number.isFinite(cell.value) || (Number.isInteger(cell.value) && cell.value > MAX_COUNT))
      return { ok: false, reason: tooLarge(String(cell.value)) };
    if (!Number.isSafeInteger(cell.value))
      return { ok: false, reason: `${cell.value} is not a whole number` };
    return { ok: true, value: cell.value };
  }
  if (cell.kind === 'text') return parseCount(cell.value.replaceAll(',', ''));
  return { ok: false, reason: `${cell.day} is a date, not a count` };
}

/** How far down a sheet its table's heading row is looked for. */
const HEADER_SEARCH_ROWS = 200;

function findSheet(wb: ExcelJS.Workbook, pattern: RegExp): ExcelJS.Worksheet | undefined {
  return wb.worksheets.find((ws) => pattern.test(ws.name.trim()));
}

/** Sums of the Table 2 rows per month and measure. */
type Sums = Map<string, Map<string, number>>;

interface Table2 {
  values: MiValue[];
  sums: Sums;
  rows: number;
  /** Rows of text alone (notes, footnotes, source lines) skipped. */
  noteRows: number;
}

function parseTable2(
  ws: ExcelJS.Worksheet,
  problems: ProblemCollector,
  warnings: string[],
  date1904: boolean,
): Table2 {
  const sheet = ws.name;
  const file = problems.file;
  // The table is found by its headings: the first row holding both a "Month" and an "ICB … Code" cell, wherever
  // notes above or beside it put it.
  let headerRow = 0;
  for (let r = 1; r <= Math.min(ws.rowCount, HEADER_SEARCH_ROWS) && headerRow === 0; r++) {
    let month = false;
    let icb = false;
    for (let c = 1; c <= ws.columnCount; c++) {
      const key = normaliseLabel(cellText(cellAt(ws, r, c)));
      if (key === 'month') month = true;
      if (/^icb (ods )?code$/.test(key)) icb = true;
    }
    if (month && icb) headerRow = r;
  }
  if (headerRow === 0) {
    throw new IngestError({
      file,
      field: sheet,
      reason: `no header row with "Month" and "ICB ODS Code" columns in sheet ${sheet}`,
    });
  }
  const cols: Partial<Record<'month' | keyof IcbFields, number>> = {};
  const labels = new Map<number, string>();
  const measures: { col: number; measure: string }[] = [];
  const ignored: string[] = [];
  for (let c = 1; c <= ws.columnCount; c++) {
    const label = cellText(cellAt(ws, headerRow, c));
    if (label === '') continue;
    labels.set(c, label);
    const key = normaliseLabel(label);
    const measure = measureOfLabel(label);
    if (key === 'month') cols.month = c;
    else if (/^icb (ods )?code$/.test(key)) cols.icbCode = c;
    else if (/^icb name$/.test(key)) cols.icbName = c;
    else if (/^(nhse )?region (ods )?code$/.test(key)) cols.regionCode = c;
    else if (/^(nhse )?region name$/.test(key)) cols.regionName = c;
    else if (measure) measures.push({ col: c, measure: measure.measure });
    else ignored.push(label);
  }
  const missing = (['month', 'icbCode', 'icbName', 'regionCode', 'regionName'] as const).filter(
    (k) => !cols[k],
  );
  if (missing.length > 0 || measures.length === 0) {
    const names = {
      month: 'Month',
      icbCode: 'ICB ODS Code',
      icbName: 'ICB Name',
      regionCode: 'NHSE Region ODS Code',
      regionName: 'NHSE Region Name',
    };
    const what = missing.map((k) => names[k]);
    if (measures.length === 0) what.push(MI_MEASURES.map((m) => m.label).join(' / '));
    throw new IngestError({
      file,
      line: headerRow,
      field: sheet,
      reason: `missing column(s) ${what.join(', ')}`,
    });
  }
  if (ignored.length > 0)
    warnings.push(`${sheet}: column(s) ${ignored.join(', ')} not loaded (measure not known)`);
  const where = (c: number) => `${sheet}!${columnLetter(c)} (${labels.get(c) ?? ''})`;

  const values: MiValue[] = [];
  const sums: Sums = new Map();
  let rows = 0;
  let noteRows = 0;
  for (let r = headerRow + 1; r <= ws.rowCount; r++) {
    const used = [
      cols.month!,
      cols.icbCode!,
      cols.icbName!,
      cols.regionCode!,
      cols.regionName!,
      ...measures.map((m) => m.col),
    ];
    if (used.every((c) => cellAt(ws, r, c).kind === 'empty')) continue;
    // A data row has a month or a figure; a row of text alone (a source line, a note or footnote in any column,
    // a copyright line) is not data and is skipped.
    const month = monthOfCell(cellAt(ws, r, cols.month!), date1904);
    const anyFigure = measures.some((m) => cellAt(ws, r, m.col).kind === 'number');
    const monthKind = cellAt(ws, r, cols.month!).kind;
    if (!month.ok && !anyFigure && monthKind !== 'date' && monthKind !== 'number') {
      noteRows += 1;
      continue;
    }
    rows += 1;
    let ok = true;
    if (!month.ok) {
      problems.add(r, where(cols.month!), month.reason);
      ok = false;
    }
    const raw: IcbFields = {
      icbCode: cellText(cellAt(ws, r, cols.icbCode!)),
      icbName: cellText(cellAt(ws, r, cols.icbName!)),
      regionCode: cellText(cellAt(ws, r, cols.regionCode!)),
      regionName: cellText(cellAt(ws, r, cols.regionName!)),
    };
    const icb = checkIcbFields(raw);
    if (!icb.ok) {
      for (const [key, reason] of icb.problems) problems.add(r, where(cols[key]!), reason);
      ok = false;
    }
    const counts: { measure: string; value: number }[] = [];
    for (const m of measures) {
      const n = countOfCell(cellAt(ws, r, m.col));
      if (n.ok === 'blank') {
        problems.add(r, where(m.col), 'is empty (the publication suppresses nothing)');
        ok = false;
      } else if (!n.ok) {
        problems.add(r, where(m.col), n.reason);
        ok = false;
      } else counts.push({ measure: m.measure, value: n.value });
    }
    if (!ok || !month.ok || !icb.ok) continue;
    let byMeasure = sums.get(month.value);
    if (!byMeasure) sums.set(month.value, (byMeasure = new Map()));
    for (const c of counts) {
      values.push({ line: r, month: month.value, level: 'icb', icb: icb.value, ...c });
      byMeasure.set(c.measure, (byMeasure.get(c.measure) ?? 0) + c.value);
    }
  }
  if (rows === 0)
    throw new IngestError({ file, line: headerRow, field: sheet, reason: `no data rows in sheet ${sheet}` });
  return { values, sums, rows, noteRows };
}

/** A month column of Table 1 as labelled in its header cell. */
export interface Table1Column {
  /** Column letter, e.g. D. */
  letter: string;
  /** The month its header cell gives (YYYY-MM-01). */
  label: string;
  /** How the header cell shows it, for messages (e.g. `2025-06-01 (Excel serial 45809)`). */
  shown: string;
}

export type Table1Resolution =
  { ok: true; months: string[]; warnings: string[] } | { ok: false; reason: string };

/**
 * The month of each Table 1 column. Unique header months are used as they are. A header that repeats a month is
 * resolved from the consecutive newest-first sequence most header cells agree with, checked against the Table 2
 * sums (`figures[measure][i]` = column i's figure); failing that, from the unique Table 2 month whose sums equal
 * each column's figures. Exported for tests.
 */
export function resolveTable1Months(
  columns: readonly Table1Column[],
  figures: ReadonlyMap<string, readonly (number | null)[]>,
  sums: Sums,
): Table1Resolution {
  const labels = columns.map((c) => c.label);
  const counts = new Map<string, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  const repeated = [...counts].filter(([, n]) => n > 1).map(([m]) => m);

  /** true: the column's figures equal the month's Table 2 sums; false: they differ; undefined: nothing to compare. */
  const fits = (i: number, month: string): boolean | undefined => {
    const byMeasure = sums.get(month);
    if (!byMeasure) return undefined;
    let compared = false;
    for (const [measure, perColumn] of figures) {
      const v = perColumn[i];
      const s = byMeasure.get(measure);
      if (v === null || v === undefined || s === undefined) continue;
      if (v !== s) return false;
      compared = true;
    }
    return compared ? true : undefined;
  };

  if (repeated.length === 0) {
    const warnings: string[] = [];
    const consecutive = labels.every((l, i) => i === 0 || addMonths(labels[i - 1]!, -1) === l);
    if (!consecutive) {
      warnings.push(
        `Table 1: the month columns are not consecutive newest first (${labels.map((l) => l.slice(0, 7)).join(', ')}); ` +
          'each column is keyed by the month in its header cell',
      );
    }
    return { ok: true, months: labels, warnings };
  }

  const describeRepeats = repeated
    .map((m) => {
      const letters = columns.filter((c) => c.label === m).map((c) => c.letter);
      return `${m.slice(0, 7)} labels columns ${letters.join(' and ')}`;
    })
    .join('; ');

  // The consecutive newest-first sequence most header cells agree with: label_i = anchor − i months.
  const votes = new Map<string, number>();
  labels.forEach((l, i) => {
    const anchor = addMonths(l, i);
    votes.set(anchor, (votes.get(anchor) ?? 0) + 1);
  });
  const ranked = [...votes].sort((a, b) => b[1] - a[1]);
  const best = ranked[0]!;
  const unique = ranked.length === 1 || ranked[1]![1] < best[1];
  if (unique) {
    const sequence = labels.map((_, i) => addMonths(best[0], -i));
    const checks = sequence.map((m, i) => fits(i, m));
    if (checks.every((c) => c !== false)) {
      const relabelled = columns
        .map((c, i) => ({ c, month: sequence[i]! }))
        .filter(({ c, month }) => c.label !== month)
        .map(({ c, month }) => `column ${c.letter}, labelled ${c.shown}, is ${month.slice(0, 7)}`);
      const confirmed = checks.every((c) => c === true)
        ? "confirmed: every column's figures equal the Table 2 sums for its month"
        : checks.some((c) => c === true)
          ? 'partly confirmed by the Table 2 sums (some months have none to compare)'
          : 'not confirmed: Table 2 has no sums for these months';
      return {
        ok: true,
        months: sequence,
        warnings: [
          `Table 1: the month header is inconsistent (${describeRepeats}). Keyed the columns by the consecutive ` +
            `newest-first sequence ${sequence[0]!.slice(0, 7)} to ${sequence[sequence.length - 1]!.slice(0, 7)} ` +
            `(${best[1]} of ${labels.length} header cells agree): ${relabelled.join('; ')}; ${confirmed}.`,
        ],
      };
    }
  }

  // Otherwise: the one Table 2 month whose sums each column's figures equal.
  const matched = columns.map((_, i) => [...sums.keys()].filter((m) => fits(i, m) === true));
  if (matched.every((m) => m.length === 1) && new Set(matched.map((m) => m[0])).size === matched.length) {
    const months = matched.map((m) => m[0]!);
    const relabelled = columns
      .map((c, i) => ({ c, month: months[i]! }))
      .filter(({ c, month }) => c.label !== month)
      .map(({ c, month }) => `column ${c.letter}, labelled ${c.shown}, is ${month.slice(0, 7)}`);
    return {
      ok: true,
      months,
      warnings: [
        `Table 1: the month header is inconsistent (${describeRepeats}) and no consecutive newest-first sequence ` +
          `fits it; keyed each column by the one month whose Table 2 sums equal its figures: ${relabelled.join('; ')}.`,
      ],
    };
  }
  return {
    ok: false,
    reason:
      `the month header is inconsistent (${describeRepeats}) and can be resolved neither from a consecutive ` +
      'newest-first sequence nor from the Table 2 sums',
  };
}

interface Table1 {
  values: MiValue[];
  rows: number;
}

function parseTable1(
  ws: ExcelJS.Worksheet,
  problems: ProblemCollector,
  warnings: string[],
  date1904: boolean,
  sums: Sums,
): Table1 {
  const sheet = ws.name;
  const file = problems.file;
  const isMonthCell = (cell: Cell) =>
    cell.kind === 'date' ||
    (cell.kind === 'number' && Number.isInteger(cell.value) && cell.value >= 20_000 && cell.value <= 80_000);
  // The header is the first row with the most month cells (a note holding a date does not make a header).
  let headerRow = 0;
  let most = 0;
  for (let r = 1; r <= Math.min(ws.rowCount, HEADER_SEARCH_ROWS); r++) {
    let n = 0;
    for (let c = 2; c <= ws.columnCount; c++) if (isMonthCell(cellAt(ws, r, c))) n += 1;
    if (n > most) {
      most = n;
      headerRow = r;
    }
  }
  if (headerRow === 0)
    throw new IngestError({ file, field: sheet, reason: `no header row of months in sheet ${sheet}` });

  const monthCols: { col: number; column: Table1Column }[] = [];
  /** Header cells that are not months: a note beside the header, unless figures sit below them. */
  const notMonths: { col: number; reason: string }[] = [];
  let firstHeaderCol = 0;
  for (let c = 2; c <= ws.columnCount; c++) {
    if (isMonthCell(cellAt(ws, headerRow, c))) {
      firstHeaderCol = c;
      break;
    }
  }
  for (let c = firstHeaderCol; c <= ws.columnCount; c++) {
    const cell = cellAt(ws, headerRow, c);
    if (cell.kind === 'empty') continue;
    const month = monthOfCell(cell, date1904);
    const letter = columnLetter(c);
    if (!month.ok) {
      notMonths.push({ col: c, reason: `a month header ${month.reason}` });
      continue;
    }
    const shown =
      cell.kind === 'date'
        ? `${cell.day} (Excel serial ${dayToExcelSerial(cell.day)})`
        : cell.kind === 'number'
          ? `Excel serial ${cell.value}`
          : `"${cellText(cell)}"`;
    monthCols.push({ col: c, column: { letter, label: month.value, shown } });
  }
  const firstMonthCol = monthCols[0]?.col ?? ws.columnCount + 1;

  const figures = new Map<string, (number | null)[]>();
  const measureRows = new Map<string, number>();
  const unknown: string[] = [];
  let blanks = 0;
  let rows = 0;
  for (let r = headerRow + 1; r <= ws.rowCount; r++) {
    const labelCells = [];
    for (let c = 1; c < firstMonthCol; c++) labelCells.push(cellText(cellAt(ws, r, c)));
    const hasFigures = monthCols.some(({ col }) => cellAt(ws, r, col).kind === 'number');
    const measure = labelCells.map((t) => measureOfLabel(t)).find((m) => m !== undefined);
    if (!measure) {
      // A row without a known measure: figures under an unknown label are reported; text (notes, footnotes,
      // source lines, in any column) is skipped.
      if (hasFigures) unknown.push(labelCells.filter((t) => t !== '').join(' / ') || `row ${r}`);
      continue;
    }
    for (const nm of notMonths) {
      if (cellAt(ws, r, nm.col).kind !== 'empty')
        problems.add(headerRow, `${sheet}!${columnLetter(nm.col)}`, nm.reason);
    }
    rows += 1;
    if (measureRows.has(measure.measure)) {
      problems.add(
        r,
        sheet,
        `${measure.label} appears twice (rows ${measureRows.get(measure.measure)} and ${r})`,
      );
      continue;
    }
    measureRows.set(measure.measure, r);
    const perColumn: (number | null)[] = [];
    for (const { col, column } of monthCols) {
      const n = countOfCell(cellAt(ws, r, col));
      if (n.ok === 'blank') {
        blanks += 1;
        perColumn.push(null);
      } else if (!n.ok) {
        problems.add(r, `${sheet}!${column.letter} (${measure.label})`, n.reason);
        perColumn.push(null);
      } else perColumn.push(n.value);
    }
    figures.set(measure.measure, perColumn);
  }
  if (unknown.length > 0)
    warnings.push(`${sheet}: row(s) ${unknown.join(', ')} not loaded (measure not known)`);
  if (blanks > 0) warnings.push(`${sheet}: ${blanks} blank cell(s) taken as not published`);
  if (figures.size === 0) {
    throw new IngestError({
      file,
      line: headerRow,
      field: sheet,
      reason: `no ${MI_MEASURES.map((m) => m.label).join(' / ')} row in sheet ${sheet}`,
    });
  }
  if (problems.count > 0) return { values: [], rows };

  const resolution = resolveTable1Months(
    monthCols.map((m) => m.column),
    figures,
    sums,
  );
  if (!resolution.ok)
    throw new IngestError({ file, line: headerRow, field: sheet, reason: resolution.reason });
  warnings.push(...resolution.warnings);
  const values: MiValue[] = [];
  for (const [measure, perColumn] of figures) {
    perColumn.forEach((value, i) => {
      if (value === null) return;
      values.push({
        line: measureRows.get(measure)!,
        month: resolution.months[i]!,
        level: 'england',
        icb: null,
        measure,
        value,
      });
    });
  }
  const t1 = new Set(resolution.months);
  const onlyT1 = resolution.months.filter((m) => !sums.has(m));
  const onlyT2 = [...sums.keys()].filter((m) => !t1.has(m)).sort();
  if (onlyT1.length > 0) warnings.push(`Table 1 has month(s) ${onlyT1.join(', ')} that Table 2 does not`);
  if (onlyT2.length > 0) warnings.push(`Table 2 has month(s) ${onlyT2.join(', ')} that Table 1 does not`);
  return { values, rows };
}

/** Metric Metadata: CSV column names given for known metrics that the CSV importer does not accept. */
function checkMetricMetadata(ws: ExcelJS.Worksheet | undefined, warnings: string[], notes: string[]): void {
  if (!ws) return;
  let metricCol = 0;
  let csvCol = 0;
  let headerRow = 0;
  for (let r = 1; r <= Math.min(ws.rowCount, 50) && headerRow === 0; r++) {
    for (let c = 1; c <= ws.columnCount; c++) {
      const key = normaliseLabel(cellText(cellAt(ws, r, c)));
      if (key === 'metric') metricCol = c;
      if (key === 'csv column name') csvCol = c;
    }
    if (metricCol && csvCol) headerRow = r;
  }
  if (!headerRow) return;
  const seen: string[] = [];
  const unknownMetrics: string[] = [];
  for (let r = headerRow + 1; r <= ws.rowCount; r++) {
    const metric = cellText(cellAt(ws, r, metricCol));
    const csvName = cellText(cellAt(ws, r, csvCol));
    if (metric === '' || csvName === '') continue;
    const measure = measureOfLabel(metric);
    if (!measure) {
      unknownMetrics.push(metric);
      continue;
    }
    seen.push(`${csvName} = ${measure.measure}`);
    if (!measure.csvColumns.some((c) => c.toLowerCase() === csvName.toLowerCase())) {
      warnings.push(
        `Metric Metadata gives the CSV column ${csvName} for "${metric}", which the MI CSV importer does not accept yet`,
      );
    }
  }
  if (seen.length > 0) notes.push(`Metric Metadata CSV columns: ${seen.join(', ')}`);
  if (unknownMetrics.length > 0) {
    warnings.push(
      `Metric Metadata lists measure(s) not known to this version, not loaded: ${unknownMetrics.map((m) => `"${m}"`).join(', ')}`,
    );
  }
}

export interface ParsedMiWorkbook {
  values: MiValue[];
  rowsRead: number;
  warnings: string[];
  notes: string[];
  edition: MiEdition;
}

const ORDINAL_DAY = /^(\d{1,2})(?:st|nd|rd|th)?$/i;

/** `September 26th 2025`, `26 September 2025`, `26/09/2025`, `2025-09-26` → YYYY-MM-DD, or null. */
export function parsePublicationDate(text: string): string | null {
  const s = text.trim().replace(/,/g, ' ').replace(/\s+/g, ' ');
  let m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (m) return checkedDay(Number(m[1]), Number(m[2]), Number(m[3]));
  m = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(s);
  if (m) return checkedDay(Number(m[3]), Number(m[2]), Number(m[1]));
  const parts = s.split(' ');
  if (parts.length !== 3) return null;
  const [a, b, c] = parts as [string, string, string];
  const monthIndex = (t: string) => monthOfName(t) - 1;
  if (!/^\d{4}$/.test(c)) return null;
  if (monthIndex(a) >= 0 && ORDINAL_DAY.test(b))
    return checkedDay(Number(c), monthIndex(a) + 1, Number(ORDINAL_DAY.exec(b)![1]));
  if (ORDINAL_DAY.test(a) && monthIndex(b) >= 0)
    return checkedDay(Number(c), monthIndex(b) + 1, Number(ORDINAL_DAY.exec(a)![1]));
  return null;
}

function checkedDay(y: number, m: number, d: number): string | null {
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return null;
  return date.toISOString().slice(0, 10);
}

/**
 * The edition a workbook is: the last month it covers, from the title sheet ("March 2025 to August 2025") or a
 * table title ("…, August 2025"), else the last month it holds; and the publication date ("Publication date:
 * September 26th 2025") when the title sheet gives one.
 */
export function editionOfWorkbook(wb: ExcelJS.Workbook, values: readonly MiValue[]): MiEdition {
  const lastMonth = values.reduce((max, v) => (v.month > max ? v.month : max), '');
  let month: string | null = null;
  let publishedOn: string | null = null;
  let title: string | null = null;
  const title1 = findSheet(wb, /title/i) ?? wb.worksheets[0];
  const texts: string[] = [];
  for (const ws of [title1, findSheet(wb, /^table\s*1$/i), findSheet(wb, /^table\s*2$/i)]) {
    if (!ws) continue;
    for (let r = 1; r <= Math.min(ws.rowCount, 40); r++) {
      for (let c = 1; c <= Math.min(ws.columnCount, 6); c++) {
        const t = cellText(cellAt(ws, r, c));
        if (t !== '') texts.push(t);
      }
    }
  }
  for (const t of texts) {
    const range = /^([A-Za-z]+ \d{4}) to ([A-Za-z]+ \d{4})$/.exec(t.trim());
    if (range && month === null) {
      const last = parseMonthText(range[2]!);
      if (last.ok) {
        month = last.value;
        title = t.trim();
      }
    }
    const pub = /^publication date:?\s*(.+)$/i.exec(t.trim());
    if (pub && publishedOn === null) publishedOn = parsePublicationDate(pub[1]!);
  }
  if (month === null) {
    for (const t of texts) {
      const m = /,\s*([A-Za-z]+ \d{4})\s*$/.exec(t);
      const parsed = m ? parseMonthText(m[1]!) : null;
      if (parsed?.ok) {
        month = parsed.value;
        break;
      }
    }
  }
  // An edition never covers less than the figures it holds.
  if (month === null || month < lastMonth) month = lastMonth;
  return { month, publishedOn, title };
}

/** Reads and validates the workbook's Table 2 and Table 1 (and Metric Metadata). Throws IngestError. */
export function parseMiWorkbook(wb: ExcelJS.Workbook, file: string): ParsedMiWorkbook {
  const date1904 = Boolean((wb.properties as { date1904?: boolean } | undefined)?.date1904);
  const t2 = findSheet(wb, /^table\s*2$/i);
  const t1 = findSheet(wb, /^table\s*1$/i);
  const missing = [t1 ? null : 'Table 1', t2 ? null : 'Table 2'].filter((x) => x !== null);
  if (missing.length > 0) {
    throw new IngestError({
      file,
      reason:
        `not an NHS App MI workbook: no sheet ${missing.join(' or ')} ` +
        `(sheets: ${wb.worksheets.map((w) => w.name).join(', ') || 'none'})`,
    });
  }
  const problems = new ProblemCollector(file);
  const warnings: string[] = [];
  const notes: string[] = [];
  const table2 = parseTable2(t2!, problems, warnings, date1904);
  problems.throwIfAny();
  const table1 = parseTable1(t1!, problems, warnings, date1904, table2.sums);
  problems.throwIfAny();
  if (table2.noteRows > 0) notes.push(`${t2!.name}: ${table2.noteRows} row(s) of notes or text skipped`);
  checkMetricMetadata(findSheet(wb, /^metric\s*metadata$/i), warnings, notes);
  const values = [...table1.values, ...table2.values];
  // Our own publication (nhs-app-analytics publish) says so on its title sheet: computed figures, not NHS England's.
  const title = findSheet(wb, /title/i);
  if (title && /computed by nhs app analytics/i.test(cellText(cellAt(title, 4, 1)))) {
    warnings.push(
      'this workbook was written by NHS App Analytics from computed figures (publish), not by NHS England: loaded ' +
        'as an edition like any other, it replaces the official figures of the same edition',
    );
  }
  return {
    values,
    rowsRead: table1.rows + table2.rows,
    warnings,
    notes,
    edition: editionOfWorkbook(wb, values),
  };
}

/** True when the file is an .xlsx workbook: named .xlsx, or starting with the zip signature PK\x03\x04. */
export function isXlsxFile(file: string): boolean {
  if (/\.xlsx$/i.test(file)) return true;
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const buf = Buffer.alloc(4);
    const n = fs.readSync(fd, buf, 0, 4, 0);
    return n === 4 && buf.equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]));
  } catch {
    return false;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

export async function importMiWorkbook(db: Warehouse, file: string): Promise<FeedImportSummary> {
  const sha256 = await contentSha256(file);
  const previous = await findPreviousLoad(db, file, 'mi-publication', sha256);
  if (previous) return previous;

  // exceljs holds every cell in memory: bound what the workbook holds before it reads a byte of it.
  await checkWorkbookLimits(file);
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.readFile(file);
  } catch (err) {
    throw new IngestError({
      file,
      reason: `cannot be read as an Excel workbook (${(err as Error).message})`,
    });
  }
  const parsed = parseMiWorkbook(wb, file);
  const sourceFile = path.basename(file);
  const stage = StageFile.create(MI_STAGE_COLUMNS);
  try {
    for (const v of parsed.values) await stage.write(miStageRow(v, sourceFile, parsed.edition.month));
  } catch (err) {
    stage.remove();
    throw err;
  }
  return writeMi(db, {
    file,
    fileKind: 'workbook',
    sha256,
    rowsRead: parsed.rowsRead,
    stage,
    duplicateFields: 'Month, ICB ODS Code',
    warnings: parsed.warnings,
    notes: parsed.notes,
    edition: parsed.edition,
  });
}
