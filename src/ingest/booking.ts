/**
 * Urgent-care booking MI input (issue 13): booking-journey event files and slot availability files, in CSV,
 * JSON Lines or Parquet (CSV and JSON Lines optionally gzipped).
 *
 * Each file is checked row by row first (every rule, reported with file, line, field and reason); a file with
 * any rejected row is refused whole and changes nothing. A valid file is written in one transaction, the
 * booking_load row last. Idempotent: the same file content is loaded once (kind + SHA-256), an event id is
 * kept once (the first row in a file, and never again once loaded), and a slot key (date, service, provider)
 * holds the latest file's figure. See README "Urgent-care booking MI" and docs/adr/0020-booking-mi.md.
 */
import fs from 'node:fs';
import {
  BOOKING_EVENT_COLUMNS,
  BOOKING_EVENT_TYPES,
  BOOKING_REQUIRED_COLUMNS,
  BOOKING_SLOT_COLUMNS,
  BOOKING_SLOT_DAYS_AHEAD,
} from '../domain/booking.ts';
import {
  EARLIEST_EVENT_DATE,
  detectEventFormat,
  latestEventDate,
  type EventFormat,
} from '../domain/canonical-event.ts';
import { addDays, londonDayEndUtc, londonDayStartUtc } from '../domain/periods.ts';
import type { Warehouse } from '../warehouse/db.ts';
import { sqlIdentifier, sqlLiteral } from '../warehouse/sql.ts';
import { refuseGlobPath } from './csv-reader.ts';
import { IngestError, type IngestProblem } from './errors.ts';
import { sha256File } from './file-hash.ts';
import * as bookingSql from '../warehouse/sql/booking.ts';

export type BookingFileKind = 'events' | 'slots';

export interface BookingLoadResult {
  file: string;
  kind: BookingFileKind;
  format: EventFormat;
  status: 'loaded' | 'already_loaded';
  loadId: number;
  rowsRead: number;
  rowsLoaded: number;
  /** Events: rows whose event id was repeated in the file or already loaded. Slots: keys whose figure was replaced. */
  rowsDuplicate: number;
  firstDate: string | null;
  lastDate: string | null;
  /** Columns the file has that the format does not know (ignored). */
  ignoredColumns: string[];
}

export interface BookingIngestOptions {
  /** Marks the load as synthetic demo data. */
  demo?: boolean;
  /** "Now" for the plausible-date checks. Default: the system clock. */
  now?: Date;
  /** How many rejected rows a refused file's error lists (all are counted). Default 20. */
  problemLimit?: number;
}

function firstLine(err: unknown): string {
  return String((err as Error).message ?? err).split('\n')[0]!;
}

/**
 * The SELECT list and source of temp view booking_raw: line_no plus each wanted column as text (NULL when the
 * file has no such column). Identifiers come from the fixed column lists; the path is a quoted literal (table
 * functions take no parameters).
 */
async function rawViewSql(
  db: Warehouse,
  file: string,
  format: EventFormat,
  wanted: readonly string[],
  required: readonly string[],
): Promise<{ view: string; ignored: string[] }> {
  const lit = sqlLiteral(file);
  if (format === 'jsonl') {
    // Each line as a JSON object, every value read as text (numbers and booleans as written): no type
    // guessing, and a key missing on a line is an empty field.
    const cols = wanted.map((c) => `json ->> ${sqlLiteral(c)} AS ${c}`).join(', ');
    return {
      view: `SELECT row_number() OVER () AS line_no, ${cols} FROM read_ndjson_objects(${lit})`,
      ignored: [],
    };
  }
  const source =
    format === 'csv'
      ? `read_csv(${lit}, header = true, all_varchar = true, delim = ',', quote = '"', escape = '"')`
      : `read_parquet(${lit}, file_row_number = true)`;
  let described: { column_name: string; column_type: string }[];
  try {
    described = await db.all(`DESCRIBE SELECT * FROM ${source}`);
  } catch (err) {
    throw new IngestError({ file, reason: `cannot be read as ${format}: ${firstLine(err)}` });
  }
  const columns = new Map<string, { name: string; type: string }>();
  for (const r of described) {
    if (format === 'parquet' && r.column_name === 'file_row_number') continue;
    columns.set(r.column_name.trim().toLowerCase(), { name: r.column_name, type: r.column_type });
  }
  const missing = required.filter((c) => !columns.has(c));
  if (missing.length > 0) {
    throw new IngestError({
      file,
      line: 1,
      reason: `missing required column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (the header must name ${wanted.join(', ')})`,
    });
  }
  const cols = wanted
    .map((c) => {
      const col = columns.get(c);
      if (!col) return `NULL::VARCHAR AS ${c}`;
      // Typed instants (Parquet) are written with their zone so that the text checks accept them.
      if (/^TIMESTAMP/.test(col.type))
        return `CAST(CAST(${sqlIdentifier(col.name)} AS TIMESTAMPTZ) AS VARCHAR) AS ${c}`;
      return `CAST(${sqlIdentifier(col.name)} AS VARCHAR) AS ${c}`;
    })
    .join(', ');
  const line = format === 'csv' ? 'row_number() OVER () + 1' : 'file_row_number + 1';
  return {
    view: `SELECT ${line} AS line_no, ${cols} FROM ${source}`,
    ignored: [...columns.keys()].filter((c) => !wanted.includes(c)),
  };
}

interface Prepared {
  format: EventFormat;
  sha256: string;
  previous: number | null;
}

async function prepare(db: Warehouse, file: string, kind: BookingFileKind): Promise<Prepared> {
  const format = detectEventFormat(file);
  if (!format) {
    throw new IngestError({
      file,
      reason:
        'unknown file type: expected .csv, .jsonl, .ndjson, .json or .parquet (optionally .gz, not for Parquet)',
    });
  }
  if (!fs.existsSync(file) || !fs.statSync(file).isFile())
    throw new IngestError({ file, reason: 'file not found' });
  refuseGlobPath(file);
  const sha256 = await sha256File(file);
  const previous = await db.one<{ load_id: number }>(
    'SELECT load_id FROM booking_load WHERE kind = $1 AND sha256 = $2 LIMIT 1',
    [kind, sha256],
  );
  return { format, sha256, previous: previous?.load_id ?? null };
}

/** Throws the file's rejected rows as one IngestError (line, field, reason each), if there are any. */
async function refuseIfRejected(tx: Warehouse, file: string, table: string, limit: number): Promise<void> {
  const total = (await tx.scalar<number>(`SELECT count(*) FROM ${table} WHERE reject_reason IS NOT NULL`))!;
  if (total === 0) return;
  const rows = await tx.all<{ line: number; field: string; reason: string }>(
    table === 'booking_checked' ? bookingSql.problems : bookingSql.problemsSlots,
    [limit],
  );
  const problems: IngestProblem[] = rows.map((r) => ({
    file,
    line: r.line,
    field: r.field,
    reason: r.reason,
  }));
  throw new IngestError(problems, total);
}

/** The event types as a SQL list literal (fixed identifiers, checked). */
const EVENT_TYPE_LIST = `[${BOOKING_EVENT_TYPES.map((t) => {
  if (!/^[a-z_]+$/.test(t)) throw new Error(`bad event type ${t}`);
  return `'${t}'`;
}).join(', ')}]`;

const nextLoadId = async (tx: Warehouse) =>
  (await tx.scalar<number>('SELECT coalesce(max(load_id), 0) + 1 FROM booking_load'))!;

/** Recomputes booking_daily for the dates in temp table booking_dirty_date (case facts already current). */
async function refreshDirtyDates(tx: Warehouse): Promise<void> {
  await tx.run('DELETE FROM booking_daily WHERE event_date IN (SELECT event_date FROM booking_dirty_date)');
  await tx.run(bookingSql.refreshDaily);
}

/**
 * Recomputes the daily figures of every date from the events and case facts (one transaction). For events
 * written without the ingest, as the bench's copies to national scale are: the ingest keeps them itself.
 */
export async function rebuildBookingDaily(db: Warehouse): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.run(
      'CREATE OR REPLACE TEMP TABLE booking_dirty_date AS SELECT DISTINCT event_date FROM booking_event',
    );
    try {
      await refreshDirtyDates(tx);
    } finally {
      await tx.run('DROP TABLE IF EXISTS booking_dirty_date').catch(() => undefined);
    }
  });
}

/** What differs between loading an events file and a slots file. */
interface BookingLoadSpec {
  kind: BookingFileKind;
  columns: readonly string[];
  required: readonly string[];
  /** Fills `checked` from the view booking_raw. */
  check: (tx: Warehouse) => Promise<void>;
  checked: 'booking_checked' | 'booking_slots_checked';
  /** Why a file without rows is refused. */
  empty: string;
  /** Stores the checked rows under the load id: its counts and dates. */
  store: (
    tx: Warehouse,
    loadId: number,
    rowsRead: number,
  ) => Promise<{ loaded: number; duplicate: number; first: string | null; last: string | null }>;
  /** Temp tables `store` leaves, dropped with the checked table. */
  temps: string[];
}

/** The load skeleton: skip a file already loaded, check every row (refusing the file on any problem), store, record the load. */
async function loadBookingFile(
  db: Warehouse,
  file: string,
  options: BookingIngestOptions,
  spec: BookingLoadSpec,
): Promise<BookingLoadResult> {
  const { format, sha256, previous } = await prepare(db, file, spec.kind);
  const base = {
    file,
    kind: spec.kind,
    format,
    rowsRead: 0,
    rowsLoaded: 0,
    rowsDuplicate: 0,
    firstDate: null,
    lastDate: null,
    ignoredColumns: [],
  };
  if (previous !== null) return { ...base, status: 'already_loaded', loadId: previous };
  const { view, ignored } = await rawViewSql(db, file, format, spec.columns, spec.required);
  return db.transaction(async (tx) => {
    await tx.run(`CREATE OR REPLACE TEMP VIEW booking_raw AS ${view}`);
    try {
      await spec.check(tx);
    } catch (err) {
      if (err instanceof IngestError) throw err;
      throw new IngestError({ file, reason: `cannot be read as ${format}: ${firstLine(err)}` });
    }
    try {
      await refuseIfRejected(tx, file, spec.checked, options.problemLimit ?? 20);
      const rowsRead = (await tx.scalar<number>(`SELECT count(*) FROM ${spec.checked}`))!;
      if (rowsRead === 0) throw new IngestError({ file, reason: spec.empty });
      const loadId = await nextLoadId(tx);
      const stored = await spec.store(tx, loadId, rowsRead);
      await tx.run(bookingSql.insertLoad, [
        loadId,
        spec.kind,
        file,
        sha256,
        format,
        rowsRead,
        stored.loaded,
        stored.duplicate,
        stored.first,
        stored.last,
        options.demo ?? false,
      ]);
      return {
        ...base,
        status: 'loaded' as const,
        loadId,
        rowsRead,
        rowsLoaded: stored.loaded,
        rowsDuplicate: stored.duplicate,
        firstDate: stored.first,
        lastDate: stored.last,
        ignoredColumns: ignored,
      };
    } finally {
      for (const table of [spec.checked, ...spec.temps]) {
        await tx.run(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
      }
      await tx.run('DROP VIEW IF EXISTS booking_raw').catch(() => undefined);
    }
  });
}

/** Loads one booking-journey events file (`ingest booking-events`). */
export async function ingestBookingEventFile(
  db: Warehouse,
  file: string,
  options: BookingIngestOptions = {},
): Promise<BookingLoadResult> {
  const latest = latestEventDate(options.now ?? new Date());
  return loadBookingFile(db, file, options, {
    kind: 'events',
    columns: BOOKING_EVENT_COLUMNS,
    required: BOOKING_REQUIRED_COLUMNS,
    check: (tx) =>
      tx.run(bookingSql.checkedEvents.text.replaceAll('{{EVENT_TYPES}}', EVENT_TYPE_LIST), [
        londonDayStartUtc(EARLIEST_EVENT_DATE).toISOString(),
        londonDayEndUtc(latest).toISOString(),
        EARLIEST_EVENT_DATE,
        latest,
      ]),
    checked: 'booking_checked',
    empty: 'the file holds no events',
    store: async (tx, loadId, rowsRead) => {
      await tx.run(bookingSql.insertEvents, [loadId]);
      // The facts of the cases this file touched, from all their events (earlier files' included).
      await tx.run(
        'DELETE FROM booking_case WHERE case_id IN (SELECT case_id FROM booking_event WHERE load_id = $1)',
        [loadId],
      );
      await tx.run(bookingSql.refreshCases, [loadId]);
      // The daily figures of every date those cases have events on (migration 0018).
      await tx.run(bookingSql.dailyDirtyDates, [loadId]);
      await refreshDirtyDates(tx);
      const stats = (await tx.one<{ n: number; first: string | null; last: string | null }>(
        'SELECT count(*) AS n, min(event_date) AS first, max(event_date) AS last FROM booking_event WHERE load_id = $1',
        [loadId],
      ))!;
      return { loaded: stats.n, duplicate: rowsRead - stats.n, first: stats.first, last: stats.last };
    },
    temps: ['booking_dirty_date'],
  });
}

/** Loads one slot availability file (`ingest booking-slots`): date, service_id, provider_ods, slots_available. */
export async function ingestBookingSlotsFile(
  db: Warehouse,
  file: string,
  options: BookingIngestOptions = {},
): Promise<BookingLoadResult> {
  const latest = addDays(latestEventDate(options.now ?? new Date()), BOOKING_SLOT_DAYS_AHEAD);
  return loadBookingFile(db, file, options, {
    kind: 'slots',
    columns: BOOKING_SLOT_COLUMNS,
    required: BOOKING_SLOT_COLUMNS,
    check: (tx) => tx.run(bookingSql.checkedSlots, [EARLIEST_EVENT_DATE, latest]),
    checked: 'booking_slots_checked',
    empty: 'the file holds no rows',
    store: async (tx, loadId, rowsRead) => {
      const replaced = (await tx.scalar<number>(
        `SELECT count(*) FROM booking_slots_checked c JOIN booking_slots s
           ON s.date = c.date AND s.service_id = c.service_id AND s.provider_ods = c.provider_ods`,
      ))!;
      await tx.run(bookingSql.upsertSlots, [loadId]);
      const stats = (await tx.one<{ first: string | null; last: string | null }>(
        'SELECT min(date) AS first, max(date) AS last FROM booking_slots_checked',
      ))!;
      return { loaded: rowsRead, duplicate: replaced, first: stats.first, last: stats.last };
    },
    temps: [],
  });
}

/** One line for the CLI and the refresh log. */
export function describeBookingLoad(r: BookingLoadResult): string {
  if (r.status === 'already_loaded')
    return `${r.file}: already loaded (booking load ${r.loadId}); nothing to do`;
  const span = r.firstDate ? `, ${r.firstDate} to ${r.lastDate}` : '';
  const dup =
    r.kind === 'events'
      ? `${r.rowsDuplicate} duplicate event ids skipped`
      : `${r.rowsDuplicate} earlier figures replaced`;
  return `${r.file}: booking ${r.kind}: ${r.rowsRead} rows read, ${r.rowsLoaded} loaded, ${dup}${span}`;
}
