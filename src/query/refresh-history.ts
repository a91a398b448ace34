/**
 * Refresh runs (tables refresh_run and refresh_file, written by src/app/refresh.ts): shown on /admin/refresh
 * and, for the latest run that went wrong, on the About page. They live in the app-state store (the embedded
 * DuckDB file or PostgreSQL, docs/adr/0025), so the SQL here runs on both engines; given a warehouse
 * connection, the warehouse's own tables (tests on a bare warehouse).
 */
import type { RefreshTrigger } from '../domain/refresh.ts';
import type { Warehouse } from '../warehouse/db.ts';

export type RefreshRunStatus = 'running' | 'succeeded' | 'files-rejected' | 'failed' | 'interrupted';
export type RefreshFileOutcome = 'loaded' | 'already-loaded' | 'rejected' | 'waiting';

export interface RefreshFileEntry {
  name: string;
  kind: string | null;
  outcome: RefreshFileOutcome;
  rowsLoaded: number;
  rowsRejected: number;
  line: number | null;
  field: string | null;
  reason: string | null;
  movedTo: string | null;
}

export interface RefreshRunEntry {
  runId: number;
  trigger: RefreshTrigger;
  /** ISO instants (UTC). */
  startedAt: string;
  finishedAt: string | null;
  status: RefreshRunStatus;
  filesLoaded: number;
  filesAlreadyLoaded: number;
  filesRejected: number;
  filesWaiting: number;
  rowsLoaded: number;
  rowsRejected: number;
  buildKind: 'full' | 'incremental' | null;
  firstPeriod: string | null;
  lastPeriod: string | null;
  figuresWritten: number | null;
  dataVersion: number | null;
  error: string | null;
  files: RefreshFileEntry[];
}

/** Where the history is read from: the app-state store or a warehouse connection. */
export type HistoryReader = Pick<Warehouse, 'all'>;

/** A TIMESTAMP (UTC) as read by either engine → an ISO instant. */
const isoInstant = (v: unknown): string | null =>
  v === null || v === undefined ? null : v instanceof Date ? v.toISOString() : String(v);

/** The latest runs, newest first (at most `limit`, 1–1000), each with its files in the order handled. */
export async function getRefreshRuns(db: HistoryReader, limit = 20): Promise<RefreshRunEntry[]> {
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new RangeError(`refresh history limit must be an integer from 1 to 1000, got ${limit}`);
  }
  const runs = await db.all<Record<string, unknown>>(
    `SELECT run_id, triggered_by, started_at, finished_at, status, files_loaded,
            files_already_loaded, files_rejected, files_waiting, rows_loaded, rows_rejected, build_kind,
            first_period, last_period, figures_written, data_version, error
     FROM refresh_run ORDER BY run_id DESC LIMIT $1`,
    [limit],
  );
  if (runs.length === 0) return [];
  const files = await db.all<Record<string, unknown>>(
    `SELECT run_id, file_name, kind, outcome, rows_loaded, rows_rejected, line, field, reason, moved_to
     FROM refresh_file WHERE run_id >= $1 ORDER BY run_id, seq`,
    [Math.min(...runs.map((r) => r.run_id as number))],
  );
  const byRun = new Map<number, RefreshFileEntry[]>();
  for (const f of files) {
    const list = byRun.get(f.run_id as number) ?? [];
    list.push({
      name: f.file_name as string,
      kind: (f.kind as string | null) ?? null,
      outcome: f.outcome as RefreshFileOutcome,
      rowsLoaded: f.rows_loaded as number,
      rowsRejected: f.rows_rejected as number,
      line: (f.line as number | null) ?? null,
      field: (f.field as string | null) ?? null,
      reason: (f.reason as string | null) ?? null,
      movedTo: (f.moved_to as string | null) ?? null,
    });
    byRun.set(f.run_id as number, list);
  }
  return runs.map((r) => ({
    runId: r.run_id as number,
    trigger: r.triggered_by as RefreshTrigger,
    startedAt: isoInstant(r.started_at)!,
    finishedAt: isoInstant(r.finished_at),
    status: r.status as RefreshRunStatus,
    filesLoaded: r.files_loaded as number,
    filesAlreadyLoaded: r.files_already_loaded as number,
    filesRejected: r.files_rejected as number,
    filesWaiting: r.files_waiting as number,
    rowsLoaded: r.rows_loaded as number,
    rowsRejected: r.rows_rejected as number,
    buildKind: (r.build_kind as 'full' | 'incremental' | null) ?? null,
    firstPeriod: (r.first_period as string | null) ?? null,
    lastPeriod: (r.last_period as string | null) ?? null,
    figuresWritten: (r.figures_written as number | null) ?? null,
    dataVersion: (r.data_version as number | null) ?? null,
    error: (r.error as string | null) ?? null,
    files: byRun.get(r.run_id as number) ?? [],
  }));
}

/** The latest finished run, if it did not go wholly well (failed, interrupted or with rejected files), else null. */
export async function getLatestRefreshProblem(db: HistoryReader): Promise<RefreshRunEntry | null> {
  const latest = (await getRefreshRuns(db, 5)).find((r) => r.status !== 'running');
  return latest && latest.status !== 'succeeded' ? latest : null;
}
