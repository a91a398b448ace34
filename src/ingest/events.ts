import { listValue } from '@duckdb/node-api';
import fs from 'node:fs';
import {
  CANONICAL_COLUMNS,
  EVENT_TYPES,
  checkEventColumns,
  detectEventFormat,
  type EventFormat,
} from '../domain/canonical-event.ts';
import type { Warehouse } from '../warehouse/db.ts';
import { sql, sqlLiteral } from '../warehouse/sql.ts';
import { IngestError } from './errors.ts';
import { sha256File } from './file-hash.ts';

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
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** Column names a file offers, read from its header/schema (lower-cased, trimmed), mapped to the original. */
async function fileColumns(db: Warehouse, source: string): Promise<Map<string, string>> {
  const rows = await db.all<{ column_name: string }>(`DESCRIBE SELECT * FROM ${source}`);
  const map = new Map<string, string>();
  for (const r of rows) map.set(r.column_name.trim().toLowerCase(), r.column_name);
  return map;
}

function readerFor(format: EventFormat, file: string): { source: string; lineExpr: string } {
  const lit = sqlLiteral(file);
  switch (format) {
    case 'csv':
      // Line numbers: record order is preserved (preserve_insertion_order), header is line 1.
      return {
        source: `read_csv(${lit}, header = true, all_varchar = true, delim = ',', quote = '"', escape = '"')`,
        lineExpr: 'row_number() OVER () + 1',
      };
    case 'jsonl':
      return {
        source: `read_json(${lit}, format = 'newline_delimited', records = true)`,
        lineExpr: 'row_number() OVER ()',
      };
    case 'parquet':
      return { source: `read_parquet(${lit}, file_row_number = true)`, lineExpr: 'file_row_number + 1' };
  }
}

/**
 * Loads one canonical event file: validates every row (rejects are recorded with line, field and reason),
 * skips event ids already loaded, and writes everything in one transaction — a failing file changes nothing.
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
  const sha256 = await sha256File(file);
  const previous = await db.one<{ load_id: number }>(sql('ingest/find_load_by_sha'), [sha256]);
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
  if (previous) return { ...base, status: 'already_loaded', loadId: previous.load_id };

  const { source, lineExpr } = readerFor(format, file);
  let columns: Map<string, string>;
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
    const original = columns.get(c);
    return original === undefined ? `NULL::VARCHAR AS ${c}` : `${quoteIdent(original)} AS ${c}`;
  }).join(', ');

  return db.transaction(async (tx) => {
    await tx.run('DROP VIEW IF EXISTS raw_event');
    await tx.run('DROP TABLE IF EXISTS staged_event');
    // Identifiers come from the fixed canonical list; the path is a quoted literal (table functions in views take no parameters).
    await tx.run(`CREATE TEMP VIEW raw_event AS SELECT ${lineExpr} AS line_no, ${selectList} FROM ${source}`);
    try {
      await tx.run(`CREATE TEMP TABLE staged_event AS ${sql('ingest/validate_staged_events')}`, [
        listValue([...EVENT_TYPES]),
      ]);
    } catch (err) {
      fail(file, `cannot be read as ${format}: ${firstLine(err)}`);
    }
    const stats = (await tx.one<{
      rows_read: number;
      rows_rejected: number;
      unknown_practice_rows: number;
      first_event_date: string | null;
      last_event_date: string | null;
    }>(sql('ingest/staged_event_stats')))!;
    const rejects = await tx.all<RejectedRow>(sql('ingest/staged_reject_sample'), [
      options.rejectSample ?? 20,
    ]);
    const maxRate = options.maxRejectRate ?? 0.05;
    if (stats.rows_read > 0 && stats.rows_rejected / stats.rows_read > maxRate) {
      const first = rejects[0];
      fail(
        file,
        `${stats.rows_rejected} of ${stats.rows_read} rows rejected (more than ${(maxRate * 100).toFixed(1)}%); nothing loaded. ` +
          (first ? `First: line ${first.line}, field ${first.field}: ${first.reason}` : ''),
      );
    }
    const loadId = (await tx.scalar<number>(sql('ingest/next_load_id')))!;
    const before = (await tx.scalar<number>('SELECT count(*) FROM activity_event'))!;
    await tx.run(sql('ingest/insert_new_events'), [loadId]);
    const rowsLoaded = (await tx.scalar<number>('SELECT count(*) FROM activity_event'))! - before;
    await tx.run(sql('ingest/insert_rejects'), [loadId, file]);
    const rowsDuplicate = stats.rows_read - stats.rows_rejected - rowsLoaded;
    await tx.run(sql('ingest/insert_event_load'), [
      loadId,
      file,
      sha256,
      format,
      stats.rows_read,
      rowsLoaded,
      rowsDuplicate,
      stats.rows_rejected,
      stats.unknown_practice_rows,
      stats.first_event_date,
      stats.last_event_date,
      options.demo ?? false,
    ]);
    await tx.run('DROP VIEW raw_event');
    await tx.run('DROP TABLE staged_event');
    return {
      ...base,
      status: 'loaded' as const,
      loadId,
      rowsRead: stats.rows_read,
      rowsLoaded,
      rowsDuplicate,
      rowsRejected: stats.rows_rejected,
      unknownPracticeRows: stats.unknown_practice_rows,
      firstEventDate: stats.first_event_date,
      lastEventDate: stats.last_event_date,
      rejects,
      ignoredColumns: unknown,
    };
  });
}

function firstLine(err: unknown): string {
  return String((err as Error).message ?? err).split('\n')[0]!;
}
