/**
 * The published figures: a read-only copy of everything pages, the API and the CLI's read commands read,
 * written by the process that owns the warehouse after each build (`DATA_DIR/figures/figures.duckdb`).
 *
 * DuckDB lets one process write a database file and no other process open it meanwhile, even read-only
 * (ADR 0002), so while the server runs, `status` and `query` were refused (issue 16.12). They now read this
 * copy instead. It is written to a temporary file in one transaction (a consistent view of every table) and
 * renamed into place, so a reader sees the old copy or the new one, never half of one; a reader that has the
 * old copy open keeps reading it. Raw events and sign-in state are not copied: the copy holds figures and
 * reference data only (no per-user rows, no session or token hashes). The first step towards issue 10's
 * figure store.
 */
import fs from 'node:fs';
import path from 'node:path';
import { META_SECRET_KEY } from '../auth/service.ts';
import { Warehouse } from '../warehouse/db.ts';

/** Tables that stay in the warehouse: raw events (per-user rows) and app state. */
const NOT_PUBLISHED = new Set([
  'activity_event',
  'event_reject',
  'user_month',
  'app_user',
  'user_session',
  'api_token',
  'audit_log',
  'sign_in_link',
]);

const SNAPSHOT_ALIAS = 'published_figures';

export function figuresSnapshotFile(dataDir: string): string {
  return path.join(dataDir, 'figures', 'figures.duckdb');
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** Writes the snapshot from `db` (a connection of its own is best: it holds one transaction throughout). */
export async function publishFigures(
  db: Warehouse,
  dataDir: string,
): Promise<{ file: string; dataVersion: number; millis: number }> {
  const started = Date.now();
  const file = figuresSnapshotFile(dataDir);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.rmSync(tmp, { force: true });
  fs.rmSync(`${tmp}.wal`, { force: true });
  // ATTACH takes no parameters; the path is ours (DATA_DIR), quoted as a literal.
  await db.run(`ATTACH '${tmp.replaceAll("'", "''")}' AS ${SNAPSHOT_ALIAS}`);
  let dataVersion = 0;
  try {
    await db.transaction(async (tx) => {
      const main = (await tx.scalar<string>('SELECT current_database()'))!;
      const tables = await tx.all<{ name: string }>(
        "SELECT table_name AS name FROM duckdb_tables() WHERE database_name = $1 AND schema_name = 'main' ORDER BY 1",
        [main],
      );
      for (const { name } of tables) {
        if (NOT_PUBLISHED.has(name)) continue;
        await tx.run(
          `CREATE TABLE ${SNAPSHOT_ALIAS}.main.${quote(name)} AS SELECT * FROM ${quote(main)}.main.${quote(name)}`,
        );
      }
      // The key behind CSRF tokens and keyed hashes stays with the warehouse.
      await tx.run(`DELETE FROM ${SNAPSHOT_ALIAS}.main.warehouse_meta WHERE key = $1`, [META_SECRET_KEY]);
      const events = await tx.scalar<number>('SELECT count(*) FROM activity_event');
      await tx.run(
        `INSERT INTO ${SNAPSHOT_ALIAS}.main.warehouse_meta (key, value) VALUES ('published_events_total', $1)`,
        [String(events ?? 0)],
      );
      dataVersion = Number(
        (await tx.scalar<string>("SELECT value FROM warehouse_meta WHERE key = 'data_version'")) ?? 0,
      );
      const views = await tx.all<{ sql: string }>(
        'SELECT sql FROM duckdb_views() WHERE database_name = $1 AND NOT internal ORDER BY view_name',
        [main],
      );
      // Views bind their tables in the database they live in: create them there.
      await tx.run(`USE ${SNAPSHOT_ALIAS}`);
      try {
        for (const v of views) await tx.run(v.sql);
      } finally {
        await tx.run(`USE ${quote(main)}`);
      }
    });
  } finally {
    await db.run(`DETACH ${SNAPSHOT_ALIAS}`);
  }
  fs.renameSync(tmp, file);
  return { file, dataVersion, millis: Date.now() - started };
}

/** The published figures, read-only, or null when none have been published. */
export async function openFiguresSnapshot(dataDir: string): Promise<Warehouse | null> {
  const file = figuresSnapshotFile(dataDir);
  if (!fs.existsSync(file)) return null;
  return Warehouse.open(file, { readOnly: true });
}

/**
 * Keeps the snapshot current in a serving process: publishes now, then whenever the data version moves (a
 * refresh committed). Returns a function that stops it.
 */
export async function keepFiguresPublished(
  db: Warehouse,
  dataDir: string,
  log: (message: string) => void,
  intervalMs = 5_000,
): Promise<() => Promise<void>> {
  const conn = await db.connect();
  let published = -1;
  let running: Promise<void> | null = null;
  const tick = () => {
    if (running) return;
    running = (async () => {
      const version = Number(
        (await conn.scalar<string>("SELECT value FROM warehouse_meta WHERE key = 'data_version'")) ?? 0,
      );
      if (version === published) return;
      const r = await publishFigures(conn, dataDir);
      published = r.dataVersion;
      log(`Published figures of data version ${r.dataVersion} for read-only commands in ${r.millis} ms.`);
    })()
      .catch((err: unknown) =>
        log(`Could not publish figures for read-only commands: ${(err as Error).message}`),
      )
      .finally(() => {
        running = null;
      });
  };
  tick();
  const timer = setInterval(tick, intervalMs).unref();
  return async () => {
    clearInterval(timer);
    await running;
    conn.close();
  };
}
