/**
 * The published figures in PostgreSQL (DATABASE_URL, docs/adr/0026-figure-store.md).
 *
 * - Publish: every table of a snapshot file is COPied (COPY FROM STDIN, CSV) into fresh tables of a schema of
 *   its own, `figures_v<version>`, with the primary keys of the DuckDB tables and an index on the cube's read
 *   path; the DuckDB definitions of the tables and views are stored beside them (`_tables`, `_views`). Then
 *   one transaction moves the pointer row (`figures_version`): that is the commit. A publish killed before it
 *   leaves a schema nobody points at, dropped by the next publish.
 * - Versions replaced longer ago than the grace period are dropped (an instance still pulling one has time).
 * - Pull: another instance copies the version the pointer names into a local read-only DuckDB file (COPY TO
 *   STDOUT), with the original DuckDB definitions, so every query keeps one dialect and reads stay local.
 * - One refresh at a time across instances: a session advisory lock (`pg_try_advisory_lock`).
 */
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { Warehouse } from '../warehouse/db.ts';
import { inPgTransaction, type PgClient, type PgPool } from '../warehouse/pg.ts';
import { SNAPSHOT_ROW_GROUP_SIZE } from './snapshot.ts';

/** The advisory lock key of the refresh (any constant shared by every instance of this product). */
export const REFRESH_LOCK_KEY = 726_153_010;

export interface FiguresPointer {
  version: number;
  schema: string;
  /** compute_id of the warehouse the version was published from. */
  sourceId: string;
  dataVersion: string | null;
  publishedAt: string;
}

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;
const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;
export const schemaFor = (version: number) => `figures_v${Math.trunc(version)}`;

export async function ensureFiguresSchema(pool: PgPool): Promise<void> {
  await pool.query(`
    CREATE TABLE IF NOT EXISTS figures_version (
      id smallint PRIMARY KEY CHECK (id = 1),
      version bigint NOT NULL,
      schema_name text NOT NULL,
      source_id text NOT NULL,
      data_version text,
      published_at timestamptz NOT NULL
    );
    CREATE TABLE IF NOT EXISTS figures_history (
      version bigint PRIMARY KEY,
      schema_name text NOT NULL,
      source_id text NOT NULL,
      data_version text,
      published_at timestamptz NOT NULL,
      replaced_at timestamptz,
      dropped_at timestamptz
    );`);
}

export async function readPointer(pool: PgPool | PgClient): Promise<FiguresPointer | null> {
  const r = await pool.query<{
    version: string;
    schema_name: string;
    source_id: string;
    data_version: string | null;
    published_at: Date;
  }>('SELECT version, schema_name, source_id, data_version, published_at FROM figures_version WHERE id = 1');
  const row = r.rows[0];
  if (!row) return null;
  return {
    version: Number(row.version),
    schema: row.schema_name,
    sourceId: row.source_id,
    dataVersion: row.data_version,
    publishedAt: row.published_at.toISOString(),
  };
}

/** DuckDB column type → a PostgreSQL type that holds its CSV text exactly. */
export function pgTypeOf(duckType: string): string {
  const t = duckType.toUpperCase();
  if (t === 'BOOLEAN') return 'boolean';
  if (t === 'TINYINT' || t === 'SMALLINT' || t === 'UTINYINT') return 'smallint';
  if (t === 'INTEGER' || t === 'USMALLINT') return 'integer';
  if (t === 'BIGINT' || t === 'UINTEGER') return 'bigint';
  if (t === 'UBIGINT' || t === 'HUGEINT' || t === 'UHUGEINT') return 'numeric';
  if (t === 'DOUBLE') return 'double precision';
  if (t === 'FLOAT') return 'real';
  const dec = /^DECIMAL\((\d+),(\d+)\)$/.exec(t.replace(/\s/g, ''));
  if (dec) return `numeric(${dec[1]},${dec[2]})`;
  if (t === 'DATE') return 'date';
  if (t === 'TIMESTAMP') return 'timestamp';
  if (t === 'TIMESTAMP WITH TIME ZONE') return 'timestamptz';
  // VARCHAR, ENUMs, lists, structs: their CSV text (the pulled copy restores the DuckDB type).
  return 'text';
}

/** Extra PostgreSQL indexes on the read paths of tables without a key (the cube cells). */
const READ_PATH_INDEXES: Record<string, string[]> = {
  metric_cell: ['metric_key', 'grain', 'area_key', 'period_start'],
  jump_off_cell: ['metric_key', 'grain', 'area_key', 'period_start'],
};

export interface PgPublishResult {
  version: number;
  schema: string;
  tables: number;
  rows: number;
  millis: number;
}

/**
 * Copies the snapshot file into `figures_v<version>` and moves the pointer to it, in one transaction.
 * The caller holds the refresh lock (so `version` is the pointer's + 1 and nobody else publishes).
 */
export async function publishToPg(
  pool: PgPool,
  snapshotFile: string,
  version: number,
  sourceId: string,
  opts: { tmpDir: string; graceMs: number; beforeCommit?: () => Promise<void> },
): Promise<PgPublishResult> {
  const started = Date.now();
  const schema = schemaFor(version);
  const snap = await Warehouse.open(snapshotFile, { readOnly: true, memoryLimit: '1GB' });
  let rows = 0;
  let tableCount = 0;
  try {
    const tables = await snap.all<{ name: string; sql: string }>(
      "SELECT table_name AS name, sql FROM duckdb_tables() WHERE schema_name = 'main' ORDER BY table_name",
    );
    const views = await snap.all<{ name: string; sql: string }>(
      "SELECT view_name AS name, sql FROM duckdb_views() WHERE NOT internal AND schema_name = 'main' ORDER BY view_name",
    );
    const client = await pool.connect();
    try {
      await client.query("SET statement_timeout = 0; SET TimeZone = 'UTC'");
      // The new version's tables in one transaction (one commit, not one per table); not yet pointed at.
      await client.query('BEGIN');
      // A schema of this version left by a publish that never committed: nobody reads it.
      await client.query(`DROP SCHEMA IF EXISTS ${ident(schema)} CASCADE`);
      await client.query(`CREATE SCHEMA ${ident(schema)}`);
      await client.query(
        `CREATE TABLE ${ident(schema)}._tables (name text PRIMARY KEY, position int NOT NULL, ddl text NOT NULL);
         CREATE TABLE ${ident(schema)}._views (name text PRIMARY KEY, sql text NOT NULL)`,
      );
      const columns = await snap.all<{ t: string; name: string; type: string }>(
        "SELECT table_name AS t, column_name AS name, data_type AS type FROM duckdb_columns() WHERE schema_name = 'main' ORDER BY table_name, column_index",
      );
      const primaryKeys = new Map(
        (
          await snap.all<{ t: string; columns: string[] }>(
            "SELECT table_name AS t, constraint_column_names AS columns FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY'",
          )
        ).map((r) => [r.t, [...r.columns]]),
      );
      let position = 0;
      for (const t of tables) {
        const cols = columns.filter((c) => c.t === t.name);
        const target = `${ident(schema)}.${ident(t.name)}`;
        await client.query(
          `CREATE TABLE ${target} (${cols.map((c) => `${ident(c.name)} ${pgTypeOf(c.type)}`).join(', ')})`,
        );
        const csv = `${opts.tmpDir}/publish-${process.pid}-${t.name}.tmp.csv`;
        try {
          await snap.run(`COPY ${ident(t.name)} TO ${literal(csv)} (FORMAT csv, HEADER false)`);
          if (fs.statSync(csv).size > 0) {
            const copy = client.query(copyFrom(`COPY ${target} FROM STDIN WITH (FORMAT csv, HEADER false)`));
            await pipeline(fs.createReadStream(csv), copy);
            rows += Number(copy.rowCount ?? 0);
          }
        } finally {
          fs.rmSync(csv, { force: true });
        }
        const keyCols = primaryKeys.get(t.name) ?? READ_PATH_INDEXES[t.name];
        if (keyCols && keyCols.length > 0) {
          await client.query(`CREATE INDEX ON ${target} (${[...keyCols].map((c) => ident(c)).join(', ')})`);
        }
        await client.query(`INSERT INTO ${ident(schema)}._tables (name, position, ddl) VALUES ($1, $2, $3)`, [
          t.name,
          position++,
          t.sql,
        ]);
        tableCount += 1;
      }
      for (const v of views) {
        await client.query(`INSERT INTO ${ident(schema)}._views (name, sql) VALUES ($1, $2)`, [
          v.name,
          v.sql,
        ]);
      }
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
    const dataVersion =
      (await snap.scalar<string>("SELECT value FROM warehouse_meta WHERE key = 'data_version'")) ?? null;
    await opts.beforeCommit?.();
    // The commit: the pointer names the new version (and the one it replaces is marked for dropping).
    await inPgTransaction(pool, async (tx) => {
      await tx.query('UPDATE figures_history SET replaced_at = now() WHERE replaced_at IS NULL');
      await tx.query(
        `INSERT INTO figures_history (version, schema_name, source_id, data_version, published_at)
         VALUES ($1, $2, $3, $4, now())
         ON CONFLICT (version) DO UPDATE SET schema_name = EXCLUDED.schema_name, source_id = EXCLUDED.source_id,
           data_version = EXCLUDED.data_version, published_at = now(), replaced_at = NULL, dropped_at = NULL`,
        [version, schema, sourceId, dataVersion],
      );
      await tx.query(
        `INSERT INTO figures_version (id, version, schema_name, source_id, data_version, published_at)
         VALUES (1, $1, $2, $3, $4, now())
         ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, schema_name = EXCLUDED.schema_name,
           source_id = EXCLUDED.source_id, data_version = EXCLUDED.data_version, published_at = now()`,
        [version, schema, sourceId, dataVersion],
      );
    });
  } finally {
    snap.close();
  }
  await dropReplacedVersions(pool, opts.graceMs);
  return { version, schema, tables: tableCount, rows, millis: Date.now() - started };
}

/** Drops the schemas of versions replaced more than `graceMs` ago. Returns the versions dropped. */
export async function dropReplacedVersions(pool: PgPool, graceMs: number): Promise<number[]> {
  const old = await pool.query<{ version: string; schema_name: string }>(
    `SELECT version, schema_name FROM figures_history
      WHERE replaced_at IS NOT NULL AND dropped_at IS NULL
        AND replaced_at <= now() - make_interval(secs => $1::double precision / 1000)
        AND version <> (SELECT version FROM figures_version WHERE id = 1)`,
    [graceMs],
  );
  const dropped: number[] = [];
  for (const r of old.rows) {
    if (!/^figures_v\d+$/.test(r.schema_name)) continue;
    await pool.query(`DROP SCHEMA IF EXISTS ${ident(r.schema_name)} CASCADE`);
    await pool.query('UPDATE figures_history SET dropped_at = now() WHERE version = $1', [r.version]);
    dropped.push(Number(r.version));
  }
  return dropped;
}

/**
 * Copies the version the pointer names into a new local DuckDB file `file` (written under a temporary name
 * and renamed), with the DuckDB definitions stored at publish. One repeatable-read transaction: every table
 * from the same version even while another is published.
 */
export async function pullFromPg(
  pool: PgPool,
  pointer: FiguresPointer,
  file: string,
): Promise<{ file: string; rows: number; millis: number }> {
  const started = Date.now();
  const tmp = `${file}.${process.pid}.tmp`;
  fs.rmSync(tmp, { force: true });
  const client = await pool.connect();
  let rows = 0;
  try {
    // Each table comes back in the order it was published (PUBLISHED_ORDER, ADR 0076): with synchronized scans
    // a scan of a large table joins one another instance has under way, part-way through the table.
    await client.query(
      "SET statement_timeout = 0; SET TimeZone = 'UTC'; SET extra_float_digits = 3; SET synchronize_seqscans = off",
    );
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const schema = ident(pointer.schema);
    const tables = await client.query<{ name: string; ddl: string }>(
      `SELECT name, ddl FROM ${schema}._tables ORDER BY position`,
    );
    const views = await client.query<{ sql: string }>(`SELECT sql FROM ${schema}._views ORDER BY name`);
    // Written through ATTACH, which sets the row groups' size: the same layout as a local snapshot (ADR 0073).
    const db = await Warehouse.open(':memory:', { memoryLimit: '1GB' });
    let attached = false;
    try {
      await db.run(`ATTACH ${literal(tmp)} AS pulled (ROW_GROUP_SIZE ${SNAPSHOT_ROW_GROUP_SIZE})`);
      attached = true;
      await db.run('USE pulled');
      for (const t of tables.rows) await db.run(t.ddl);
      for (const v of views.rows) await db.run(v.sql);
      for (const t of tables.rows) {
        const csv = `${tmp}-${t.name}.csv`;
        try {
          await pipeline(
            client.query(copyTo(`COPY ${schema}.${ident(t.name)} TO STDOUT WITH (FORMAT csv, HEADER false)`)),
            fs.createWriteStream(csv),
          );
          if (fs.statSync(csv).size > 0) {
            await db.run(
              `COPY ${ident(t.name)} FROM ${literal(csv)} (FORMAT csv, HEADER false, AUTO_DETECT false, ALLOW_QUOTED_NULLS false)`,
            );
          }
        } finally {
          fs.rmSync(csv, { force: true });
        }
        rows += Number((await db.scalar<number>(`SELECT count(*) FROM ${ident(t.name)}`)) ?? 0);
      }
      await db.run('CHECKPOINT pulled');
      await db.run('USE memory');
      await db.run('DETACH pulled');
      attached = false;
    } finally {
      if (attached) await db.run('DETACH pulled').catch(() => undefined);
      db.close();
    }
    await client.query('COMMIT');
    fs.renameSync(tmp, file);
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
    fs.rmSync(tmp, { force: true });
    fs.rmSync(`${tmp}.wal`, { force: true });
  }
  return { file, rows, millis: Date.now() - started };
}

/**
 * Runs `fn` holding the refresh lock (a session advisory lock on a client of its own), or answers
 * `{ ran: false }` at once when another instance holds it.
 */
export async function withRefreshLock<T>(
  pool: PgPool,
  fn: () => Promise<T>,
): Promise<{ ran: true; value: T } | { ran: false }> {
  const client = await pool.connect();
  try {
    const got = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [
      REFRESH_LOCK_KEY,
    ]);
    if (!got.rows[0]?.ok) return { ran: false };
    try {
      return { ran: true, value: await fn() };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [REFRESH_LOCK_KEY]).catch(() => undefined);
    }
  } finally {
    // Never back into the pool: ending the session releases the lock whatever happened above.
    client.release(true);
  }
}
