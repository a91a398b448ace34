/**
 * Writes the refresh history (tables refresh_run and refresh_file; read by src/query/refresh-history.ts) in the
 * app-state store (src/app-state, docs/adr/0025: the embedded DuckDB file or PostgreSQL), or, given a warehouse
 * connection, in the warehouse's own tables of migration 0013 (tests on a bare warehouse). The SQL runs on both.
 */
import type { StateQueries } from '../app-state/state-db.ts';
import { REFRESH_LOCK_KEY } from '../figures/pg.ts';
import type { RefreshTrigger } from '../domain/refresh.ts';
import type { RefreshFileEntry, RefreshFileOutcome, RefreshRunStatus } from '../query/refresh-history.ts';
import type { Warehouse } from '../warehouse/db.ts';

/** Where the history is written: the app-state store, or a warehouse connection. */
export type HistoryDb = StateQueries & {
  transaction<T>(fn: (tx: StateQueries) => Promise<T>): Promise<T>;
};

/** ISO instant → a UTC TIMESTAMP literal value. */
const ts = (d: Date) => d.toISOString().replace('T', ' ').replace('Z', '');

export const INTERRUPTED_REASON =
  'The process stopped during this run (killed or crashed). Nothing it had not committed was kept; ' +
  'files still in the inbox are loaded at the next run.';

/**
 * Runs left 'running' by a process that stopped: marks them interrupted. Returns how many. With several
 * instances on one PostgreSQL database, a run another live instance is doing is 'running' too: it holds the
 * refresh lock (ADR 0026) from before its run begins until after it finishes, so runs are marked only when that
 * lock is free — then no live instance is running one.
 */
export async function markInterruptedRuns(db: HistoryDb): Promise<number> {
  const mark = async (tx: StateQueries): Promise<number> => {
    const n = Number(
      (await tx.scalar<number>("SELECT count(*) FROM refresh_run WHERE status = 'running'")) ?? 0,
    );
    if (n > 0)
      await tx.run("UPDATE refresh_run SET status = 'interrupted', error = $1 WHERE status = 'running'", [
        INTERRUPTED_REASON,
      ]);
    return n;
  };
  if (!('engine' in db) || db.engine !== 'postgres') return mark(db);
  return db.transaction(async (tx) => {
    const free = await tx.scalar<boolean>('SELECT pg_try_advisory_xact_lock($1)', [REFRESH_LOCK_KEY]);
    return free ? mark(tx) : 0;
  });
}

export async function beginRun(db: HistoryDb, trigger: RefreshTrigger, startedAt: Date): Promise<number> {
  return db.transaction(async (tx) => {
    const id = Number((await tx.scalar<number>('SELECT max(run_id) FROM refresh_run')) ?? 0) + 1;
    await tx.run(
      "INSERT INTO refresh_run (run_id, triggered_by, started_at, status) VALUES ($1, $2, CAST($3 AS TIMESTAMP), 'running')",
      [id, trigger, ts(startedAt)],
    );
    return id;
  });
}

/** A file's row of the history: written as it is read back. */
export type FileRecord = RefreshFileEntry;

export async function recordFile(db: HistoryDb, runId: number, seq: number, f: FileRecord): Promise<void> {
  await db.run(
    `INSERT INTO refresh_file (run_id, seq, file_name, kind, outcome, rows_loaded, rows_rejected, line, field,
       reason, moved_to) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [
      runId,
      seq,
      f.name,
      f.kind,
      f.outcome,
      f.rowsLoaded,
      f.rowsRejected,
      f.line,
      f.field,
      f.reason,
      f.movedTo,
    ],
  );
}

export interface RunTotals {
  status: Exclude<RefreshRunStatus, 'running' | 'interrupted'>;
  finishedAt: Date;
  files: readonly FileRecord[];
  build: {
    kind: 'full' | 'incremental';
    firstPeriod: string | null;
    lastPeriod: string | null;
    figures: number;
    dataVersion: number;
  } | null;
  error: string | null;
}

export async function finishRun(db: HistoryDb, runId: number, t: RunTotals): Promise<void> {
  const count = (o: RefreshFileOutcome) => t.files.filter((f) => f.outcome === o).length;
  const sum = (k: 'rowsLoaded' | 'rowsRejected') => t.files.reduce((a, f) => a + f[k], 0);
  await db.run(
    `UPDATE refresh_run SET finished_at = CAST($2 AS TIMESTAMP), status = $3, files_loaded = $4,
       files_already_loaded = $5, files_rejected = $6, files_waiting = $7, rows_loaded = $8, rows_rejected = $9,
       build_kind = $10, first_period = CAST($11 AS DATE), last_period = CAST($12 AS DATE), figures_written = $13,
       data_version = $14, error = $15
     WHERE run_id = $1`,
    [
      runId,
      ts(t.finishedAt),
      t.status,
      count('loaded'),
      count('already-loaded'),
      count('rejected'),
      count('waiting'),
      sum('rowsLoaded'),
      sum('rowsRejected'),
      t.build?.kind ?? null,
      t.build?.firstPeriod ?? null,
      t.build?.lastPeriod ?? null,
      t.build?.figures ?? null,
      t.build?.dataVersion ?? null,
      t.error,
    ],
  );
}

/** The periods a committed build recomputed, from its build_log row. */
export async function buildPeriods(
  db: Warehouse,
  dataVersion: number,
): Promise<{ firstPeriod: string | null; lastPeriod: string | null }> {
  const row = await db.one<{ first_period: string | null; last_period: string | null }>(
    'SELECT first_period, last_period FROM build_log WHERE data_version = $1 ORDER BY build_id DESC LIMIT 1',
    [dataVersion],
  );
  return { firstPeriod: row?.first_period ?? null, lastPeriod: row?.last_period ?? null };
}
