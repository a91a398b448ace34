import fs from 'node:fs';
import {
  CANONICAL_COLUMNS,
  EARLIEST_EVENT_DATE,
  EVENT_TYPES,
  latestEventDate,
  checkEventColumns,
  detectEventFormat,
  type EventFormat,
} from '../domain/canonical-event.ts';
import { londonDayEndUtc, londonDayStartUtc } from '../domain/periods.ts';
import type { Warehouse } from '../warehouse/db.ts';
import { sqlIdentifier, sqlLiteral } from '../warehouse/sql.ts';
import { refuseGlobPath } from './csv-reader.ts';
import { IngestError } from './errors.ts';
import { sha256File } from './file-hash.ts';
import * as ingestSql from '../warehouse/sql/ingest.ts';

function fail(file: string, reason: string, line?: number): never {
  throw new IngestError(line === undefined ? { file, reason } : { file, line, reason });
}

export interface RejectedRow {
  line: number;
  field: string;
  reason: string;
}

export interface EventLoadResult {
  file: string;
  format: EventFormat;
  status: 'loaded' | 'already_loaded';
  loadId: number;
  rowsRead: number;
  rowsLoaded: number;
  rowsDuplicate: number;
  rowsRejected: number;
  unknownPracticeRows: number;
  firstEventDate: string | null;
  lastEventDate: string | null;
  /** The first rejected rows (all of them are in the event_reject table). */
  rejects: RejectedRow[];
  ignoredColumns: string[];
}

export interface IngestOptions {
  /** Marks the load as synthetic demo data. */
  demo?: boolean;
  /** A file with a larger share of rejected rows is refused whole (nothing loaded). Default 0.05. */
  maxRejectRate?: number;
  /** How many rejected rows to return in the result (all are stored). */
  rejectSample?: number;
  /** "Now" for the plausible-date check (events later than tomorrow in London are rejected). Default: the system clock. */
  now?: Date;
  /**
   * Called after the load's rows are committed and before they are deduplicated and recorded (tests make the
   * load fail there, to check that its rows are removed).
   */
  beforeRecord?: () => Promise<void>;
}

/** Column names a file offers, read from its header/schema (lower-cased, trimmed), with the original name and type. */
async function fileColumns(
  db: Warehouse,
  source: string,
): Promise<Map<string, { name: string; type: string }>> {
  const rows = await db.all<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM ${source}`);
  const map = new Map<string, { name: string; type: string }>();
  for (const r of rows)
    map.set(r.column_name.trim().toLowerCase(), { name: r.column_name, type: r.column_type });
  return map;
}

function readerFor(format: EventFormat, file: string): { source: string; lineExpr: string | null } {
  const lit = sqlLiteral(file);
  switch (format) {
    case 'csv':
      // Line numbers (asked for only when some rows are rejected): record order is preserved
      // (preserve_insertion_order), header is line 1.
      return {
        source: `read_csv(${lit}, header = true, all_varchar = true, delim = ',', quote = '"', escape = '"')`,
        lineExpr: null,
      };
    case 'jsonl':
      return { source: `read_json(${lit}, format = 'newline_delimited', records = true)`, lineExpr: null };
    case 'parquet':
      return { source: `read_parquet(${lit}, file_row_number = true)`, lineExpr: 'file_row_number + 1' };
  }
}

const LINE_BY_ORDER: Record<EventFormat, string> = {
  csv: 'row_number() OVER () + 1',
  jsonl: 'row_number() OVER ()',
  parquet: 'file_row_number + 1',
};

/** The event types as a SQL list literal (a fixed list of identifiers: views take no parameters). */
const EVENT_TYPE_LIST = `[${EVENT_TYPES.map((t) => {
  if (!/^[a-z0-9_]+$/.test(t)) throw new Error(`bad event type ${t}`);
  return `'${t}'`;
}).join(', ')}]`;

/** The body of the checked_event view: views take no parameters, so the values are validated literals. */
function checkedEventsSql(now: Date): string {
  const latest = latestEventDate(now);
  const values: Record<string, string> = {
    $1: EVENT_TYPE_LIST,
    $2: sqlLiteral(londonDayStartUtc(EARLIEST_EVENT_DATE).toISOString()),
    $3: sqlLiteral(londonDayEndUtc(latest).toISOString()),
    $4: sqlLiteral(EARLIEST_EVENT_DATE),
    $5: sqlLiteral(latest),
  };
  return ingestSql.checkedEvents.text.replace(/\$[1-5]\b/g, (p) => values[p]!);
}

/**
 * Loads one canonical event file: validates every row (rejects are recorded with line, field and reason),
 * skips event ids already loaded, and records the load only when all of it is written — a failing file
 * changes nothing.
 *
 * The file's users are read first, their ids checked and keyed once each; one pass over the file then types
 * and validates every row and writes the valid ones, key and all, to activity_event (ADR 0044). Those rows
 * are committed before repeated and already-known event ids are deleted from them and the load is recorded
 * (event_load, the new users' keys), in a second transaction (ADR 0054): DuckDB reads rows written in the
 * open transaction on one thread, committed ones on all. Until the second commit the rows belong to no
 * recorded load: a failure there removes them, and so does the next load or start after a kill
 * (removeUnrecordedEvents). The file's SHA-256 is computed while its rows are read; a file already loaded
 * is found then, and nothing it wrote is kept. The file is read again only when some rows are rejected, to
 * record them with their line numbers (ADR 0009).
 */
export async function ingestEventFile(
  db: Warehouse,
  file: string,
  options: IngestOptions = {},
): Promise<EventLoadResult> {
  const format = detectEventFormat(file);
  if (!format) {
    fail(
      file,
      'unknown file type: expected .csv, .jsonl, .ndjson, .json or .parquet (optionally .gz, not for Parquet)',
    );
  }
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) fail(file, 'file not found');
  // The path reaches DuckDB's readers, which expand * ? [ ] { } as a pattern: a file literally named
  // ev-*.csv once loaded ev-a.csv and ev-b.csv too (issue 16.6).
  refuseGlobPath(file);
  // Hashed while DuckDB reads the rows, not before them (0.36 s of a 674 MB file, shared with DuckDB's threads).
  const hashing = sha256File(file);
  // Awaited below; a file that fails before then must not leave a rejected promise unhandled.
  hashing.catch(() => undefined);
  const base = {
    file,
    format,
    rowsRead: 0,
    rowsLoaded: 0,
    rowsDuplicate: 0,
    rowsRejected: 0,
    unknownPracticeRows: 0,
    firstEventDate: null,
    lastEventDate: null,
    rejects: [],
    ignoredColumns: [],
  };

  const { source, lineExpr } = readerFor(format, file);
  let columns: Map<string, { name: string; type: string }>;
  try {
    columns = await fileColumns(db, source);
  } catch (err) {
    fail(file, `cannot be read as ${format}: ${firstLine(err)}`);
  }
  const { missing, unknown } = checkEventColumns([...columns.keys()]);
  if (missing.length > 0) {
    fail(file, `missing required column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`, 1);
  }
  const selectList = CANONICAL_COLUMNS.map((c) => {
    const col = columns.get(c);
    if (c === 'event_time') {
      // Typed instants (Parquet, or JSON values DuckDB read as timestamps) are used as they are (a
      // timestamp without a zone is taken as UTC); text is checked for an ISO 8601 instant with a zone.
      if (col && /^TIMESTAMP/.test(col.type)) {
        return `CAST(${sqlIdentifier(col.name)} AS TIMESTAMPTZ) AS event_time_ts, NULL::VARCHAR AS event_time_text`;
      }
      return `NULL::TIMESTAMPTZ AS event_time_ts, CAST(${sqlIdentifier(col!.name)} AS VARCHAR) AS event_time_text`;
    }
    return col === undefined
      ? `NULL::VARCHAR AS ${c}`
      : `CAST(${sqlIdentifier(col.name)} AS VARCHAR) AS ${c}`;
  }).join(', ');
  // Identifiers come from the fixed canonical list; the path is a quoted literal (table functions in views
  // take no parameters).
  const rawView = (line: string | null) =>
    `CREATE OR REPLACE TEMP VIEW raw_event AS SELECT ${line ?? 'NULL::BIGINT'} AS line_no, ${selectList} FROM ${source}`;

  try {
    // First transaction: the valid rows, under a load id no recorded load holds, and the rejects.
    const written = await db.transaction(async (tx) => {
      // Rows an interrupted load left unrecorded would otherwise take this load's id.
      await deleteUnrecorded(tx);
      await tx.run(rawView(lineExpr));
      await tx.run(`CREATE OR REPLACE TEMP VIEW typed_event AS ${ingestSql.typedEvents.text}`);
      const loadId = (await tx.scalar<number>(
        'SELECT coalesce(max(load_id), 0) + 1 AS load_id FROM event_load',
      ))!;
      const earlier = (await tx.scalar<number>('SELECT count(*) FROM activity_event'))!;
      // The file's users first, their ids checked once each and keyed (ADR 0044); then the valid rows are
      // written once, key and all.
      let valid: number;
      try {
        await tx.run(ingestSql.createLoadUsers);
        await tx.run(
          `CREATE OR REPLACE TEMP VIEW checked_event AS ${checkedEventsSql(options.now ?? new Date())}`,
        );
        valid = Number(await tx.scalar<number>(ingestSql.insertEvents, [loadId]));
      } catch (err) {
        fail(file, `cannot be read as ${format}: ${firstLine(err)}`);
      }
      const sha256 = await hashing;
      const previous = await tx.one<{ load_id: number }>(
        'SELECT load_id FROM event_load WHERE sha256 = $1 LIMIT 1',
        [sha256],
      );
      // Thrown to roll back what this load wrote: the file is already loaded.
      if (previous) throw new AlreadyLoaded(previous.load_id);
      // Parquet gives its row count from the file's metadata; text formats are counted by a scan.
      const rowsRead = (await tx.scalar<number>('SELECT count(*) FROM raw_event'))!;
      let rejects: RejectedRow[] = [];
      const rowsRejected = rowsRead - valid;
      if (rowsRejected > 0) {
        await tx.run(rawView(LINE_BY_ORDER[format]));
        await tx.run(ingestSql.insertRejects, [loadId, file]);
        rejects = await tx.all<RejectedRow>(ingestSql.rejectSample, [loadId, options.rejectSample ?? 20]);
        const maxRate = options.maxRejectRate ?? 0.05;
        if (rowsRejected / rowsRead > maxRate) {
          const first = rejects[0];
          fail(
            file,
            `${rowsRejected} of ${rowsRead} rows rejected (more than ${(maxRate * 100).toFixed(1)}%); nothing loaded. ` +
              (first ? `First: line ${first.line}, field ${first.field}: ${first.reason}` : ''),
          );
        }
      }
      return { loadId, earlier, valid, rowsRead, rowsRejected, rejects, sha256 };
    });
    const { loadId, earlier, valid, rowsRead, rowsRejected, rejects, sha256 } = written;

    // Second transaction: repeated and known ids out, the new users' keys and the load's record in.
    try {
      return await db.transaction(async (tx) => {
        await options.beforeRecord?.();
        await tx.run(ingestSql.createRepeatedEvents, [loadId]);
        let removed = 0;
        if ((await tx.scalar<number>('SELECT count(*) FROM repeated_event'))! > 0) {
          removed += Number(await tx.scalar<number>(ingestSql.deleteRepeatedEvents, [loadId]));
        }
        if (earlier > 0) {
          await tx.run(ingestSql.createLoadEventIds, [loadId]);
          removed += Number(await tx.scalar<number>(ingestSql.deleteKnownEvents, [loadId]));
        }
        // Integer user keys (ADR 0027), recorded with the load: a refused or interrupted load leaves none
        // behind. With no row rejected or removed, every new user has events in the load.
        if (rowsRejected === 0 && removed === 0) await tx.run(ingestSql.insertAllUserKeys);
        else await tx.run(ingestSql.insertUserKeys, [loadId]);
        const stats = (await tx.one<{
          rows_loaded: number;
          unknown_practice_rows: number;
          first_event_date: string | null;
          last_event_date: string | null;
        }>(ingestSql.loadStats, [loadId]))!;
        const rowsDuplicate = valid - stats.rows_loaded;
        await tx.run(ingestSql.insertEventLoad, [
          loadId,
          file,
          sha256,
          format,
          rowsRead,
          stats.rows_loaded,
          rowsDuplicate,
          rowsRejected,
          stats.unknown_practice_rows,
          stats.first_event_date,
          stats.last_event_date,
          options.demo ?? false,
        ]);
        return {
          ...base,
          status: 'loaded' as const,
          loadId,
          rowsRead,
          rowsLoaded: stats.rows_loaded,
          rowsDuplicate,
          rowsRejected,
          unknownPracticeRows: stats.unknown_practice_rows,
          firstEventDate: stats.first_event_date,
          lastEventDate: stats.last_event_date,
          rejects,
          ignoredColumns: unknown,
        };
      });
    } catch (err) {
      // The rows are committed but no load records them: remove them (else the next load or start does).
      await removeUnrecordedEvents(db).catch(() => undefined);
      throw err;
    }
  } catch (err) {
    if (err instanceof AlreadyLoaded) return { ...base, status: 'already_loaded', loadId: err.loadId };
    throw err;
  } finally {
    // The load's temporary objects outlive its first transaction (the second reads them).
    await db
      .run(
        [
          'DROP VIEW IF EXISTS checked_event',
          'DROP VIEW IF EXISTS typed_event',
          'DROP VIEW IF EXISTS raw_event',
          'DROP TABLE IF EXISTS repeated_event',
          'DROP TABLE IF EXISTS load_user',
          'DROP TABLE IF EXISTS load_event_id',
        ].join(';\n'),
      )
      .catch(() => undefined);
  }
}

/** Thrown inside the first transaction when the file's hash names a recorded load: rolls back its rows. */
class AlreadyLoaded extends Error {
  constructor(readonly loadId: number) {
    super(`already loaded (load ${loadId})`);
  }
}

/** Deletes the rows and rejects of loads that never recorded themselves (load ids above the last recorded). */
async function deleteUnrecorded(tx: Warehouse): Promise<number> {
  const last = (await tx.scalar<number>('SELECT coalesce(max(load_id), 0) FROM event_load'))!;
  // A DELETE answers with the rows it removed: one scan, not a count and then a delete.
  const n = Number(await tx.scalar<number>('DELETE FROM activity_event WHERE load_id > $1', [last]));
  await tx.run('DELETE FROM event_reject WHERE load_id > $1', [last]);
  return n;
}

/**
 * Removes events whose load was never recorded. A load commits its rows first and writes its event_load row
 * last, with its dedupe (ADR 0054), so that row is the load's commit record: a kill -9 between the two (or
 * during a commit: issue 16.3 once left 2 M events with no event_load row, and the rerun then counted them all
 * as duplicates) leaves rows no load records. Load ids only grow, so such rows lie above the last recorded
 * load; every load and every start removes them. Returns how many events were removed.
 */
export async function removeUnrecordedEvents(db: Warehouse): Promise<number> {
  return db.transaction(deleteUnrecorded);
}

function firstLine(err: unknown): string {
  return String((err as Error).message ?? err).split('\n')[0]!;
}
