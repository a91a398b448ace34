/**
 * The published figures as files: `DATA_DIR/figures/figures-<version>.duckdb`, one immutable DuckDB file per
 * published version (docs/adr/0026-figure-store.md). A snapshot is written under a temporary name in one
 * transaction of the warehouse (every table from the same committed state) and renamed to its own new name,
 * so a version is never written over a file a reader holds open, and a reader sees a whole version or none.
 *
 * What is published is decided by rule, not by a list of tables, so that a table added by a later migration
 * is published (or kept back) without anyone remembering this file:
 * - a table with a column that identifies a person, a session or a sign-in (`PERSONAL_COLUMNS`: `user_id`,
 *   `session_id`, `email`, token and session hashes, …) stays in the warehouse — raw App events
 *   (`activity_event`: user keys and session ids; `user_dim`: pseudonymous user ids), per-user attribution
 *   (`user_month`) and every sign-in table;
 * - a table of rejected input rows (`*_reject`) stays: a reason may quote the rejected value;
 * - everything else is published: the cube, reference data, feeds, MI tables, build and load logs, and the
 *   booking MI tables. `booking_event` is raw (one row per booking-journey step) but holds no person: its
 *   `case_id` is the booking system's journey id, and the booking pages aggregate it when they are read
 *   (issue 13), so they need it beside the other figures; the pages apply access control. Once booking
 *   measures are built into the cube, adding `case_id` here keeps it back;
 * - `warehouse_meta` is published without the keys named as secret by the caller.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Warehouse } from '../warehouse/db.ts';

/** Columns that make a table per-person, per-session or per-sign-in: such a table is never published. */
export const PERSONAL_COLUMNS: ReadonlySet<string> = new Set([
  'user_id',
  // A user's integer key (ADR 0027) is a per-person key like the id it stands for (ADR 0050).
  'user_key',
  'actor_user_id',
  'session_id',
  'session_hash',
  'token_hash',
  'browser_hash',
  'client_hash',
  'email',
  'nhs_number',
]);

export interface TableColumns {
  name: string;
  columns: string[];
}

/** Why a table is kept back, or null when it is published. Pure: the rule above. */
export function withheldBecause(table: TableColumns): string | null {
  const personal = table.columns.filter((c) => PERSONAL_COLUMNS.has(c.toLowerCase()));
  if (personal.length > 0) return `identifies people (${personal.join(', ')})`;
  if (/_rejects?$/.test(table.name)) return 'rejected input rows (reasons may quote input values)';
  return null;
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;
const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** The main-schema tables of `database` with their columns, in name order. */
export async function tablesOf(db: Warehouse, database: string): Promise<TableColumns[]> {
  const rows = await db.all<{ name: string; columns: string[] }>(
    `SELECT table_name AS name, list(column_name ORDER BY column_index) AS columns
       FROM duckdb_columns()
      WHERE database_name = $1 AND schema_name = 'main'
        AND table_name IN (SELECT table_name FROM duckdb_tables() WHERE database_name = $1 AND schema_name = 'main')
      GROUP BY table_name ORDER BY table_name`,
    [database],
  );
  return rows.map((r) => ({ name: r.name, columns: [...r.columns] }));
}

export const SNAPSHOT_PATTERN = /^figures-(\d+)\.duckdb$/;

export function figuresDir(dataDir: string): string {
  return path.join(dataDir, 'figures');
}

export function snapshotFileFor(dataDir: string, version: number): string {
  return path.join(figuresDir(dataDir), `figures-${version}.duckdb`);
}

/** Published snapshot files in `dataDir`, newest first. */
export function listSnapshots(dataDir: string): { version: number; file: string }[] {
  let names: string[];
  try {
    names = fs.readdirSync(figuresDir(dataDir));
  } catch {
    return [];
  }
  return names
    .map((n) => ({ m: SNAPSHOT_PATTERN.exec(n), n }))
    .filter((x) => x.m !== null)
    .map((x) => ({ version: Number(x.m![1]), file: path.join(figuresDir(dataDir), x.n) }))
    .sort((a, b) => b.version - a.version);
}

export interface WriteSnapshotOptions {
  /** warehouse_meta keys that must not leave the warehouse (e.g. the sign-in secret). */
  secretMetaKeys?: readonly string[];
  /** Extra warehouse_meta rows written into the snapshot (e.g. the publish version). */
  meta?: Record<string, string>;
}

export interface WrittenSnapshot {
  file: string;
  version: number;
  /** warehouse_meta.data_version of the warehouse state copied (0 before any build). */
  dataVersion: number;
  tables: string[];
  withheld: { name: string; reason: string }[];
  millis: number;
}

const ALIAS = 'figures_out';

/**
 * Rows per row group of a published snapshot. Pages read one area's cells of a few metrics: each row group
 * they touch is scanned whole, so 16,384 rows (a multiple of DuckDB's 2,048-row vector) cut a practice's
 * headline read by a quarter without slowing reads of a whole level (ADR 0073).
 */
export const SNAPSHOT_ROW_GROUP_SIZE = 16_384;

/**
 * Tables published in another order than the warehouse keeps them. The 13+ patients go by area: a page reads
 * one area's every period, which then lies in one or two row groups instead of spread over all of its grain's
 * (a practice's weekly summary read them 4-5 ms per area, 1 ms after; ADR 0076). The warehouse keeps them by
 * period, as its builds write and append them.
 */
export const PUBLISHED_ORDER: ReadonlyMap<string, readonly string[]> = new Map([
  ['area_den_cell', ['grain', 'area_key', 'period_start']],
]);

/**
 * Writes snapshot `version` from `db` (a connection of its own is best: it holds one transaction throughout)
 * and renames it into place. Tables keep their DuckDB definitions (keys included), views are recreated.
 * A failure leaves no file under the published name.
 */
export async function writeSnapshot(
  db: Warehouse,
  dataDir: string,
  version: number,
  options: WriteSnapshotOptions = {},
): Promise<WrittenSnapshot> {
  const started = Date.now();
  const file = snapshotFileFor(dataDir, version);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.rmSync(tmp, { force: true });
  fs.rmSync(`${tmp}.wal`, { force: true });
  // ATTACH takes no parameters; the path is ours (DATA_DIR), quoted as a literal. Smaller row groups than
  // DuckDB's 122,880 rows: an area's read skips more of the cube by zone maps (ADR 0073).
  await db.run(`ATTACH ${literal(tmp)} AS ${ALIAS} (ROW_GROUP_SIZE ${SNAPSHOT_ROW_GROUP_SIZE})`);
  let dataVersion = 0;
  const tables: string[] = [];
  const withheld: { name: string; reason: string }[] = [];
  let attached = true;
  try {
    await db.transaction(async (tx) => {
      const main = (await tx.scalar<string>('SELECT current_database()'))!;
      const defs = new Map(
        (
          await tx.all<{ name: string; sql: string }>(
            "SELECT table_name AS name, sql FROM duckdb_tables() WHERE database_name = $1 AND schema_name = 'main'",
            [main],
          )
        ).map((r) => [r.name, r.sql]),
      );
      const views = await tx.all<{ sql: string }>(
        'SELECT sql FROM duckdb_views() WHERE database_name = $1 AND NOT internal ORDER BY view_name',
        [main],
      );
      for (const t of await tablesOf(tx, main)) {
        const why = withheldBecause(t);
        if (why) withheld.push({ name: t.name, reason: why });
        else tables.push(t.name);
      }
      // Definitions bind in the database they are run in: create tables and views there.
      await tx.run(`USE ${ALIAS}`);
      try {
        for (const name of tables) await tx.run(defs.get(name)!);
        for (const v of views) await tx.run(v.sql);
      } finally {
        await tx.run(`USE ${quote(main)}`);
      }
      for (const name of tables) {
        const order = PUBLISHED_ORDER.get(name);
        await tx.run(
          `INSERT INTO ${ALIAS}.main.${quote(name)} SELECT * FROM ${quote(main)}.main.${quote(name)}` +
            (order ? ` ORDER BY ${order.map(quote).join(', ')}` : ''),
        );
      }
      if (tables.includes('warehouse_meta')) {
        for (const key of options.secretMetaKeys ?? [])
          await tx.run(`DELETE FROM ${ALIAS}.main.warehouse_meta WHERE key = $1`, [key]);
        const events = await tx.scalar<number>(
          "SELECT CASE WHEN EXISTS (SELECT 1 FROM duckdb_tables() WHERE table_name = 'activity_event' AND database_name = current_database()) THEN (SELECT count(*) FROM activity_event) END",
        );
        const meta: Record<string, string> = {
          ...(events === null || events === undefined ? {} : { published_events_total: String(events) }),
          figures_version: String(version),
          ...options.meta,
        };
        for (const [key, value] of Object.entries(meta)) {
          await tx.run(`DELETE FROM ${ALIAS}.main.warehouse_meta WHERE key = $1`, [key]);
          await tx.run(`INSERT INTO ${ALIAS}.main.warehouse_meta (key, value) VALUES ($1, $2)`, [key, value]);
        }
        dataVersion = Number(
          (await tx.scalar<string>("SELECT value FROM warehouse_meta WHERE key = 'data_version'")) ?? 0,
        );
      }
    });
    await db.run(`DETACH ${ALIAS}`);
    attached = false;
    fs.renameSync(tmp, file);
  } finally {
    if (attached) await db.run(`DETACH ${ALIAS}`).catch(() => undefined);
    fs.rmSync(tmp, { force: true });
    fs.rmSync(`${tmp}.wal`, { force: true });
  }
  return { file, version, dataVersion, tables, withheld, millis: Date.now() - started };
}

/** Removes leftovers of interrupted writes (`*.<pid>.tmp*`) whose process is gone. */
export function removeStaleTemporaries(dataDir: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(figuresDir(dataDir));
  } catch {
    return;
  }
  for (const n of names) {
    const m = /\.(\d+)\.tmp/.exec(n);
    if (!m || processAlive(Number(m[1]))) continue;
    fs.rmSync(path.join(figuresDir(dataDir), n), { force: true, recursive: true });
  }
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
