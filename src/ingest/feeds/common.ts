/**
 * What every NHS feed importer shares: content hashing and the "already loaded" check, header resolution,
 * date and count parsing, a temporary staging CSV, and the one-transaction write that replaces the periods a
 * delivery covers.
 *
 * The pattern of every importer:
 *  1. sha256 of the decompressed content; the same content loaded before as the same kind → no-op.
 *  2. Stream the file, validate EVERY row (file, line, field, reason; up to 20 problems kept), and write the
 *     normalised rows to a temporary CSV (nothing held in JS arrays).
 *  3. Load that CSV into a TEMP staging table and run the whole-file checks in SQL (duplicate keys, …).
 *  4. In ONE transaction: delete the warehouse rows of the periods the file covers (a correction), insert the
 *     staged rows, record the load in feed_load. Any failure rolls everything back.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Warehouse } from '../../warehouse/db.ts';
import type { Query } from '../../warehouse/query.ts';
import { type CsvRecord, readCsv, readCsvHeaderLine, refuseGlobPath } from '../csv-reader.ts';
import { IngestError, ProblemCollector } from '../errors.ts';
import * as feedsSql from '../../warehouse/sql/feeds.ts';

/** The kinds of feed file, as `ingest FEED-KIND` names them. */
export const FEED_KINDS = [
  'practice-snapshot',
  'integrated-partners',
  'downloads',
  'pomi',
  'mi-publication',
] as const;
export type FeedKind = (typeof FEED_KINDS)[number];

/** What an import did. */
export interface FeedImportSummary {
  file: string;
  kind: FeedKind;
  /** The delivery's sub-format: snapshot | weekly | monthly | icb-csv | national-csv | workbook. */
  fileKind: string;
  /** loaded: written now; already_loaded: the same content was loaded before, nothing written. */
  status: 'loaded' | 'already_loaded';
  /** This load's id, or the earlier load's id when already_loaded. */
  loadId: number;
  sha256: string;
  /** Data rows read from the file (0 when already_loaded). */
  rowsRead: number;
  /** Rows written to the feed's table (after summing duplicates, for the partner feed). */
  rowsLoaded: number;
  /** First and last day covered (month starts for monthly feeds). */
  firstDate: string | null;
  lastDate: string | null;
  /** Distinct days (or months) covered. */
  periods: number;
  /** Set when the delivery replaced periods already loaded from other files (a correction). */
  replaced: ReplacedPeriods | null;
  /** Things worth a look that did not stop the load (e.g. a weekly file without 7 consecutive days). */
  warnings: string[];
  /** Informational notes (e.g. duplicate rows summed, correction applied). */
  notes: string[];
}

export interface ReplacedPeriods {
  /** The days (or month starts) that held data and were replaced, ascending. */
  periods: string[];
  /** Rows of earlier loads deleted. */
  rows: number;
  /** The earlier loads those rows came from. */
  loadIds: number[];
}

interface FeedLoadRow {
  load_id: number;
  file_kind: string;
  rows_read: number;
  rows_loaded: number;
  first_date: string | null;
  last_date: string | null;
}

/** SHA-256 of the file's content after decompression (the same data plain or gzipped counts once). */
export { fileSha256 as contentSha256 } from '../reference/common.ts';

/** The summary of a file whose content was loaded before as the same kind: nothing is written. */
export async function findPreviousLoad(
  db: Warehouse,
  file: string,
  kind: FeedKind,
  sha256: string,
): Promise<FeedImportSummary | undefined> {
  const prev = await db.one<FeedLoadRow>(feedsSql.feedLoadFindBySha, [kind, sha256]);
  if (!prev) return undefined;
  return {
    file,
    kind,
    fileKind: prev.file_kind,
    status: 'already_loaded',
    loadId: prev.load_id,
    sha256,
    rowsRead: 0,
    rowsLoaded: 0,
    firstDate: prev.first_date,
    lastDate: prev.last_date,
    periods: 0,
    replaced: null,
    warnings: [],
    notes: [`the same content was loaded before (load ${prev.load_id}); nothing written`],
  };
}

/** The file's name without directories and without a trailing .gz. */
export function baseName(file: string): string {
  return path.basename(file).replace(/\.gz$/i, '');
}

/** Case-insensitive header lookup: the actual column name for each of the names asked for. */
export class Header {
  private readonly byKey = new Map<string, string>();

  /** The header of a CSV file, with the physical line it is on. */
  static async read(file: string): Promise<Header> {
    const { names, line } = await readCsvHeaderLine(file);
    return new Header(names, line);
  }

  constructor(
    readonly names: readonly string[],
    /** The physical line of the header in the file (1 unless blank lines come first). */
    readonly line = 1,
  ) {
    for (const name of names) {
      const key = name.trim().toLowerCase();
      if (!this.byKey.has(key)) this.byKey.set(key, name);
    }
  }

  /** The actual name of the first of `alternatives` present, or undefined. */
  find(...alternatives: string[]): string | undefined {
    for (const alt of alternatives) {
      const hit = this.byKey.get(alt.toLowerCase());
      if (hit !== undefined) return hit;
    }
    return undefined;
  }

  has(name: string): boolean {
    return this.find(name) !== undefined;
  }
}

/**
 * Resolves required columns (each a name or alternatives) case-insensitively; throws one IngestError (on the
 * header's line) naming every missing column. Returns the actual names in the same order.
 */
export function requireColumns(
  file: string,
  header: Header,
  required: readonly (string | readonly string[])[],
): string[] {
  const found: string[] = [];
  const missing: string[] = [];
  for (const spec of required) {
    const alts = typeof spec === 'string' ? [spec] : [...spec];
    const hit = header.find(...alts);
    if (hit === undefined)
      missing.push(alts.length > 1 ? `${alts[0]} (or ${alts.slice(1).join(' / ')})` : alts[0]!);
    else found.push(hit);
  }
  if (missing.length > 0) {
    throw new IngestError({
      file,
      line: header.line,
      reason: `missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`,
    });
  }
  return found;
}

// ---------------------------------------------------------------------------------------------------------------
// Values

function isoDate(y: number, m: number, d: number): string | null {
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return null;
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** Earliest and latest plausible dates in an NHS App feed (the App launched in 2019). */
const MIN_DAY = '2018-01-01';
const MAX_DAY = '2100-12-31';

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

/**
 * A feed's calendar day as 'YYYY-MM-DD'. Accepts `2025-03-01`, the same with a midnight time
 * (`2025-03-01 00:00:00`, `2025-03-01T00:00:00.000Z`, as pandas and SQL Server write them), `20250301`, and the
 * UK order `dd/mm/yyyy` exactly (`01/03/2025` is 1 March; two-digit day and month, four-digit year, as Excel
 * writes a UK date). Slashed dates are never read month first: one whose second part is above 12 (`03/13/2025`)
 * is refused as US order, and `1/3/2025` or `01/03/25` are refused as not dd/mm/yyyy. A time other than midnight
 * is rejected: the feeds are daily.
 */
export function parseDay(raw: string): Parsed<string> {
  // A feed repeats the same few dates on every row: remember them.
  let parsed = dayCache.get(raw);
  if (parsed === undefined) {
    parsed = parseDayUncached(raw);
    if (dayCache.size >= 10_000) dayCache.clear();
    dayCache.set(raw, parsed);
  }
  return parsed;
}

const dayCache = new Map<string, Parsed<string>>();

function parseDayUncached(raw: string): Parsed<string> {
  const s = raw.trim();
  if (s === '') return { ok: false, reason: 'is empty' };
  let y: number, m: number, d: number;
  let time: string | undefined;
  let match = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(?:Z|[+-]00:?00)?)?$/.exec(s);
  if (match) {
    [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
    time = match[4];
  } else if ((match = /^(\d{4})(\d{2})(\d{2})$/.exec(s))) {
    [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  } else if ((match = /^(\d{2})\/(\d{2})\/(\d{4})(?: (\d{2}:\d{2}(?::\d{2})?))?$/.exec(s))) {
    [d, m, y] = [Number(match[1]), Number(match[2]), Number(match[3])];
    time = match[4];
    if (m > 12 && d <= 12) {
      return {
        ok: false,
        reason: `"${s}" looks like month/day/year (US order); slashed dates are read as dd/mm/yyyy only`,
      };
    }
  } else if (/^\d{1,4}\/\d{1,2}\/\d{2,4}/.test(s)) {
    return {
      ok: false,
      reason: `"${s}" is not a date: slashed dates must be dd/mm/yyyy (e.g. 01/03/2025), or write YYYY-MM-DD`,
    };
  } else {
    return { ok: false, reason: `"${s}" is not a date (expected YYYY-MM-DD)` };
  }
  if (time !== undefined && !/^00:00(?::00(?:\.0+)?)?$/.test(time)) {
    return { ok: false, reason: `"${s}" has a time of day; the feed is daily` };
  }
  const iso = isoDate(y, m, d);
  if (iso === null) return { ok: false, reason: `"${s}" is not a valid calendar date` };
  if (iso < MIN_DAY || iso > MAX_DAY)
    return { ok: false, reason: `${iso} is outside ${MIN_DAY} to ${MAX_DAY}` };
  return { ok: true, value: iso };
}

/** The first day of the month of an ISO date. */
export function monthStart(isoDay: string): string {
  return `${isoDay.slice(0, 7)}-01`;
}

/** ISO date + n days. */
export function addDays(isoDay: string, n: number): string {
  const t = Date.parse(`${isoDay}T00:00:00Z`) + n * 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}

/** ISO month start + n months. */
export function addMonths(isoMonth: string, n: number): string {
  const y = Number(isoMonth.slice(0, 4));
  const m = Number(isoMonth.slice(5, 7)) - 1 + n;
  const date = new Date(Date.UTC(y, m, 1));
  return date.toISOString().slice(0, 10);
}

/** Days in the month of an ISO date. */
export function daysInMonth(isoDay: string): number {
  const y = Number(isoDay.slice(0, 4));
  const m = Number(isoDay.slice(5, 7));
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/** Counts must be below this (2^53, the largest range of whole numbers JavaScript and JSON hold exactly). */
export const MAX_COUNT = Number.MAX_SAFE_INTEGER;

/**
 * A count: an integer ≥ 0 and ≤ MAX_COUNT (2^53 − 1). `12` and an integral value written as a float by pandas
 * (`12.0`) are accepted; negative numbers, fractions, thousands separators, exponents and text are not. Blank
 * gives `blank` (the caller decides).
 */
export function parseCount(raw: string): Parsed<number> | { ok: 'blank' } {
  const s = raw.trim();
  if (s === '') return { ok: 'blank' };
  const m = /^(\d+)(?:\.0+)?$/.exec(s);
  if (!m) {
    if (/^-\s*\d/.test(s)) return { ok: false, reason: `${s} is negative` };
    if (/^\d+\.\d+$/.test(s)) return { ok: false, reason: `${s} is not a whole number` };
    return { ok: false, reason: `"${s}" is not a whole number` };
  }
  const n = Number(m[1]);
  if (!Number.isSafeInteger(n)) return { ok: false, reason: tooLarge(s) };
  return { ok: true, value: n };
}

/** A count a row must have: its value, or null once the problem (blank, or not a count) is reported. */
export function requiredCount(
  problems: ProblemCollector,
  line: number,
  column: string,
  raw: string,
): number | null {
  const count = parseCount(raw);
  if (count.ok === true) return count.value;
  problems.add(line, column, count.ok === 'blank' ? 'is empty (a count is required)' : count.reason);
  return null;
}

/** The reason for a count above MAX_COUNT. */
export function tooLarge(shown: string): string {
  const text = shown.length > 30 ? `${shown.slice(0, 30)}… (${shown.length} digits)` : shown;
  return `${text} is too large for a count (the limit is 2^53 − 1 = ${MAX_COUNT})`;
}

/** GP practice ODS code, e.g. A81001 (upper-cased before the check). */
export const PRACTICE_CODE = /^[A-Z]\d{5}$/;

/** Why `raw` is not a practice code, or null; `code` receives the upper-cased code. */
export function practiceCodeProblem(code: string): string | null {
  if (code === '') return 'is empty';
  if (!PRACTICE_CODE.test(code)) return `"${code}" is not a GP practice ODS code (a letter and five digits)`;
  return null;
}

/** Why free text (provider, jump-off, …) is unacceptable, or null. */
export function textProblem(value: string, max = 200): string | null {
  if (value === '') return 'is empty';
  if (value.length > max) return `is longer than ${max} characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) return 'contains control characters';
  return null;
}

/**
 * The warning for a weekly delivery that does not hold exactly 7 consecutive days (the NHS pipeline insisted on
 * 7 distinct dates; we load the file anyway). Null when it does.
 */
export function weeklyDatesWarning(
  name: string,
  periods: number,
  first: string | null,
  last: string | null,
): string | null {
  if (first === null || last === null)
    return `${name}: no rows; a weekly delivery should hold 7 consecutive days`;
  const span = Math.round((Date.parse(last) - Date.parse(first)) / 86_400_000) + 1;
  if (periods === 7 && span === 7) return null;
  const gaps = span - periods;
  return (
    `${name}: ${periods} distinct date${periods === 1 ? '' : 's'} from ${first} to ${last}` +
    (gaps > 0 ? ` (${gaps} day${gaps === 1 ? '' : 's'} missing in between)` : '') +
    '; a weekly delivery should hold exactly 7 consecutive days. Loaded anyway.'
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Staging CSV

export type StageValue = string | number | boolean | null;

function csvField(value: StageValue): string {
  if (value === null) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === '' || /[",\r\n]/.test(value) || value !== value.trim())
    return `"${value.replaceAll('"', '""')}"`;
  return value;
}

/**
 * A temporary CSV of validated rows (header = `columns`), written with back-pressure, later read by DuckDB's
 * read_csv into a staging table. Empty strings are written quoted (kept), null as an empty field (NULL).
 */
export class StageFile {
  private buffer: string[] = [];
  private bufferedChars = 0;
  private rowCount = 0;

  private constructor(
    readonly path: string,
    private readonly dir: string,
    private readonly out: fs.WriteStream,
  ) {}

  static create(columns: readonly string[]): StageFile {
    // DuckDB's read_csv reads this path: it must not hold a glob character (a TMPDIR such as /tmp/[x]).
    refuseGlobPath(path.join(os.tmpdir(), 'nhs-feed-'), 'the temporary directory (TMPDIR)');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nhs-feed-'));
    const file = path.join(dir, 'stage.csv');
    refuseGlobPath(file, 'the staging file path');
    const stage = new StageFile(file, dir, fs.createWriteStream(file, { encoding: 'utf8' }));
    stage.buffer.push(columns.join(',') + '\n');
    return stage;
  }

  get rows(): number {
    return this.rowCount;
  }

  async write(values: readonly StageValue[]): Promise<void> {
    const line = values.map(csvField).join(',') + '\n';
    this.buffer.push(line);
    this.bufferedChars += line.length;
    this.rowCount += 1;
    if (this.bufferedChars >= 1 << 20) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const chunk = this.buffer.join('');
    this.buffer = [];
    this.bufferedChars = 0;
    if (!this.out.write(chunk)) await new Promise<void>((resolve) => this.out.once('drain', resolve));
  }

  /** Flushes and closes the file (call before DuckDB reads it). */
  async close(): Promise<void> {
    await this.flush();
    await new Promise<void>((resolve, reject) => {
      this.out.once('error', reject);
      this.out.end(resolve);
    });
  }

  /** Removes the file and its directory. Safe to call more than once. */
  remove(): void {
    if (!this.out.closed) this.out.destroy();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Several staged rows from one file record (e.g. one per measure column). */
export class StagedRows {
  constructor(readonly rows: readonly (readonly StageValue[])[]) {}
}

/**
 * Streams a CSV file, hands every record to `check` (which reports problems to the collector and returns the
 * staged values — or StagedRows for several — or null for a row with problems), and writes the rows to a staging CSV. Every row is validated;
 * the file is rejected (IngestError, up to 20 problems with line and field) when any row is wrong, or when it
 * has no data rows.
 */
export async function validateToStage(
  file: string,
  columns: readonly string[],
  check: (rec: CsvRecord, problems: ProblemCollector) => readonly StageValue[] | StagedRows | null,
): Promise<{ stage: StageFile; rowsRead: number }> {
  const problems = new ProblemCollector(file);
  const stage = StageFile.create(columns);
  let rowsRead = 0;
  try {
    for await (const rec of readCsv(file)) {
      rowsRead += 1;
      const values = check(rec, problems);
      if (values === null || problems.count > 0) continue;
      if (values instanceof StagedRows) for (const row of values.rows) await stage.write(row);
      else await stage.write(values);
    }
    if (rowsRead === 0) throw new IngestError({ file, reason: 'the file has a header but no data rows' });
    problems.throwIfAny();
  } catch (err) {
    stage.remove();
    throw err;
  }
  return { stage, rowsRead };
}

/**
 * Rejects the file when a staged row repeats the key of an earlier one (feedsSql.stageDuplicates, over the key
 * the feed's stage statement writes): `line N, field <fields>: repeats <what> as line M (<key>)`.
 */
export async function rejectDuplicates(
  db: Warehouse,
  file: string,
  fields: string,
  what = 'the same key',
): Promise<void> {
  const rows = await db.all<{ line: number; first_line: number; key: string; total: number }>(
    feedsSql.stageDuplicates,
    [20],
  );
  if (rows.length === 0) return;
  throw new IngestError(
    rows.map((r) => ({
      file,
      line: r.line,
      field: fields,
      reason: `repeats ${what} as line ${r.first_line} (${r.key})`,
    })),
    rows[0]!.total,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Writing

/** The statements of one feed table's load (src/warehouse/sql/feeds.ts, `<table>Load`). */
export interface FeedSqlSet {
  /** CREATE OR REPLACE TEMP TABLE feed_stage AS SELECT … FROM read_csv($1, …) (dropped by stageDrop). */
  stage: Query;
  /** rows, first_date, last_date, periods of the staging table (rows = rows that will be inserted). */
  stats: Query;
  /** period, load_id, rows: the warehouse rows the staged file replaces. */
  replaced: Query;
  /** Deletes the warehouse rows the staged file replaces. */
  delete: Query;
  /** Inserts the staged rows; $1 = load id. */
  insert: Query;
}

export interface StageStats {
  rows: number;
  first_date: string | null;
  last_date: string | null;
  periods: number;
}

export interface WriteFeedOptions {
  file: string;
  kind: FeedKind;
  fileKind: string;
  sha256: string;
  rowsRead: number;
  stage: StageFile;
  sqlSet: FeedSqlSet;
  /** Whole-file checks on the staging table (duplicates, day counts, …); throw an IngestError to reject. */
  checkStaged?: (db: Warehouse) => Promise<void>;
  /** Extra warnings computed from the staging table's stats (e.g. the weekly 7-day rule). */
  warningsFor?: (stats: StageStats & Record<string, unknown>) => string[];
  /** Extra notes computed from the staging table's stats (e.g. duplicates summed). */
  notesFor?: (stats: StageStats & Record<string, unknown>) => string[];
  /** Checks after the insert, inside the transaction (e.g. MI sums); return warnings and notes. */
  afterInsert?: (tx: Warehouse, loadId: number) => Promise<{ warnings?: string[]; notes?: string[] }>;
  warnings?: string[];
  notes?: string[];
  /** How a replaced period is named in notes: day or month. */
  periodWord?: 'day' | 'month';
}

/**
 * Stages the validated rows, runs the whole-file checks, then in ONE transaction replaces the periods the file
 * covers and records the load. The staging table and file are removed whatever happens.
 */
export async function writeFeed(db: Warehouse, opts: WriteFeedOptions): Promise<FeedImportSummary> {
  const { sqlSet } = opts;
  try {
    await opts.stage.close();
    await db.run(sqlSet.stage, [opts.stage.path]);
    if (opts.checkStaged) await opts.checkStaged(db);
    const stats = (await db.one<StageStats & Record<string, unknown>>(sqlSet.stats))!;
    const warnings = [...(opts.warnings ?? []), ...(opts.warningsFor?.(stats) ?? [])];
    const notes = [...(opts.notes ?? []), ...(opts.notesFor?.(stats) ?? [])];

    const result = await db.transaction(async (tx) => {
      const loadId = (await tx.scalar<number>(
        'SELECT coalesce(max(load_id), 0) + 1 AS load_id FROM feed_load',
      ))!;
      const replacedRows = await tx.all<{ period: string; load_id: number; rows: number }>(sqlSet.replaced);
      await tx.run(sqlSet.delete);
      await tx.run(sqlSet.insert, [loadId]);
      if (opts.afterInsert) {
        const after = await opts.afterInsert(tx, loadId);
        warnings.push(...(after.warnings ?? []));
        notes.push(...(after.notes ?? []));
      }
      const periods = [...new Set(replacedRows.map((r) => r.period))].sort();
      const replaced: ReplacedPeriods | null =
        replacedRows.length === 0
          ? null
          : {
              periods,
              rows: replacedRows.reduce((sum, r) => sum + r.rows, 0),
              loadIds: [...new Set(replacedRows.map((r) => r.load_id))].sort((a, b) => a - b),
            };
      if (replaced) {
        const word = opts.periodWord ?? 'day';
        const range = periods.length === 1 ? periods[0] : `${periods[0]} to ${periods[periods.length - 1]}`;
        notes.push(
          `correction: replaced ${periods.length} ${word}${periods.length === 1 ? '' : 's'} already loaded ` +
            `(${range}; ${replaced.rows} row${replaced.rows === 1 ? '' : 's'} from load${replaced.loadIds.length === 1 ? '' : 's'} ` +
            `${replaced.loadIds.join(', ')})`,
        );
      }
      await tx.run(feedsSql.feedLoadInsert, [
        loadId,
        opts.kind,
        opts.fileKind,
        path.basename(opts.file),
        opts.sha256,
        opts.rowsRead,
        stats.rows,
        replaced?.rows ?? 0,
        stats.first_date,
        stats.last_date,
        warnings.length > 0 ? warnings.join('\n') : null,
      ]);
      return { loadId, replaced };
    });

    return {
      file: opts.file,
      kind: opts.kind,
      fileKind: opts.fileKind,
      status: 'loaded',
      loadId: result.loadId,
      sha256: opts.sha256,
      rowsRead: opts.rowsRead,
      rowsLoaded: stats.rows,
      firstDate: stats.first_date,
      lastDate: stats.last_date,
      periods: stats.periods,
      replaced: result.replaced,
      warnings,
      notes,
    };
  } finally {
    await db.run(feedsSql.stageDrop).catch(() => undefined);
    opts.stage.remove();
  }
}

/** One line describing an import, for logs and the CLI. */
export function describeFeedImport(s: FeedImportSummary): string {
  const name = path.basename(s.file);
  if (s.status === 'already_loaded') return `${name}: already loaded (load ${s.loadId}), nothing to do`;
  let text =
    `${name}: ${s.kind} (${s.fileKind}) load ${s.loadId}, ${s.rowsLoaded} rows from ${s.rowsRead} read, ` +
    `${s.firstDate ?? '-'} to ${s.lastDate ?? '-'}`;
  if (s.replaced) text += `; corrected ${s.replaced.periods.length} period(s) already loaded`;
  if (s.warnings.length > 0) text += `; ${s.warnings.length} warning(s)`;
  return text;
}
