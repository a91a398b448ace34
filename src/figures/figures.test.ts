/**
 * The figure store (docs/adr/0026-figure-store.md): what is published (by rule), versioned snapshot files
 * swapped under readers in flight, and the PostgreSQL round trip (COPY in, pointer, pull out) compared row
 * for row with the source, on a real PostgreSQL.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/pg-test-db.ts';
import { Warehouse } from '../warehouse/db.ts';
import { migrate } from '../warehouse/migrate.ts';
import { openPgPool, type PgPool } from '../warehouse/pg.ts';
import {
  dropReplacedVersions,
  ensureFiguresSchema,
  publishToPg,
  pullFromPg,
  readPointer,
  withRefreshLock,
} from './pg.ts';
import { listSnapshots, SNAPSHOT_ROW_GROUP_SIZE, withheldBecause, writeSnapshot } from './snapshot.ts';
import { FigureStore, NoFiguresError } from './store.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'figures-store-'));
let wh: Warehouse;
let pgdb: TestDatabase;
let pool: PgPool;

/** Rows chosen to break a careless CSV round trip: NULL beside '', quotes, commas, newlines, floats, time zones. */
const AWKWARD = [
  [
    "'A'",
    '\'Quote "and", comma\'',
    0.1 + 0.2,
    'TRUE',
    "TIMESTAMPTZ '2026-03-29 00:59:59.123456+00'",
    '1.500000',
  ],
  ["'B'", "''", 1e-300, 'FALSE', "TIMESTAMPTZ '2026-10-25 01:30:00+00'", '-0.000001'],
  ["'C'", 'NULL', -123456789.125, 'NULL', 'NULL', 'NULL'],
  [
    "'D'",
    "'line one\nline two'",
    2 ** 53 - 1,
    'TRUE',
    "TIMESTAMPTZ '2025-01-01 00:00:00+00'",
    '123456789012.123456',
  ],
];

beforeAll(async () => {
  wh = await Warehouse.open(path.join(dir, 'warehouse.duckdb'));
  await migrate(wh);
  await wh.run(
    "INSERT INTO warehouse_meta VALUES ('data_version', '7'), ('auth_secret', 'not-for-publishing')",
  );
  await wh.run(
    `INSERT INTO area (area_level, area_code, ons_code, name, parent_level, parent_code, postcode, supplier_name, first_extract, last_extract, is_current)
     VALUES ('practice', 'A81001', NULL, 'The Densham Surgery', 'pcn', 'U1', 'TS18 1HU', '', DATE '2026-01-01', DATE '2026-08-01', true)`,
  );
  await wh.run(
    'CREATE TABLE awkward (k VARCHAR PRIMARY KEY, s VARCHAR, d DOUBLE, b BOOLEAN, t TIMESTAMPTZ, x DECIMAL(18,6))',
  );
  for (const r of AWKWARD) await wh.run(`INSERT INTO awkward VALUES (${r.join(', ')})`);
  await wh.run(
    "INSERT INTO app_user (user_id, email, role, status, created_at) VALUES ('u1', 'someone@nhs.net', 'admin', 'active', now())",
  );
  pgdb = await createTestDatabase('figures_store');
  pool = openPgPool(pgdb.url, { max: 4 });
  await ensureFiguresSchema(pool);
}, 30_000);

afterAll(async () => {
  wh?.close();
  await pool?.end();
  await pgdb?.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Every row of every table of `a` that is not in `b` and the other way round (EXCEPT ALL), as text. */
async function differences(fileA: string, fileB: string): Promise<string[]> {
  const db = await Warehouse.open(':memory:');
  try {
    await db.run(`ATTACH '${fileA}' AS a (READ_ONLY); ATTACH '${fileB}' AS b (READ_ONLY)`);
    const names = (t: string) =>
      db.all<{ n: string }>(
        `SELECT table_name AS n FROM duckdb_tables() WHERE database_name = '${t}' ORDER BY 1`,
      );
    const a = (await names('a')).map((r) => r.n);
    const b = (await names('b')).map((r) => r.n);
    const out: string[] = [];
    if (a.join() !== b.join()) out.push(`tables differ: ${a.join()} / ${b.join()}`);
    for (const t of a) {
      const diff = await db.all<{ n: number }>(
        `SELECT (SELECT count(*) FROM (SELECT * FROM a."${t}" EXCEPT ALL SELECT * FROM b."${t}")) +
                (SELECT count(*) FROM (SELECT * FROM b."${t}" EXCEPT ALL SELECT * FROM a."${t}")) AS n`,
      );
      if (Number(diff[0]!.n) !== 0) out.push(`${t}: ${diff[0]!.n} rows differ`);
    }
    return out;
  } finally {
    db.close();
  }
}

describe('what is published', () => {
  it('keeps back, by rule, tables that identify people, and rejected rows', () => {
    expect(
      withheldBecause({
        name: 'activity_event',
        columns: ['event_id', 'user_id', 'session_id', 'practice_code'],
      }),
    ).toMatch(/people \(user_id, session_id\)/);
    // The events hold each user's key, not the id (ADR 0050): still a per-person table.
    expect(
      withheldBecause({ name: 'activity_event', columns: ['event_id', 'practice_code', 'user_key'] }),
    ).toMatch(/people \(user_key\)/);
    expect(withheldBecause({ name: 'new_table', columns: ['Email', 'n'] })).toMatch(/people/);
    // Raw booking steps hold journey ids, no person: published for the booking pages (ADR 0026).
    expect(
      withheldBecause({ name: 'booking_event', columns: ['event_id', 'case_id', 'provider_ods'] }),
    ).toBeNull();
    expect(withheldBecause({ name: 'event_reject', columns: ['load_id', 'line', 'reason'] })).toMatch(
      /rejected/,
    );
    expect(
      withheldBecause({ name: 'booking_slots', columns: ['date', 'service_id', 'slots_available'] }),
    ).toBeNull();
    expect(withheldBecause({ name: 'metric_cell', columns: ['metric_key', 'area_key', 'value'] })).toBeNull();
  });

  it('publishes every other table of the migrated warehouse, with its keys, and no secret', async () => {
    const snap = await writeSnapshot(wh, dir, 1, { secretMetaKeys: ['auth_secret'] });
    const all = (
      await wh.all<{ n: string }>(
        'SELECT table_name AS n FROM duckdb_tables() WHERE database_name = current_database() ORDER BY 1',
      )
    ).map((r) => r.n);
    const kept = snap.withheld.map((w) => w.name).sort();
    // The known per-person and sign-in tables are kept back (later migrations may add more: by rule).
    expect(kept).toEqual(
      expect.arrayContaining(
        [
          'activity_event',
          'api_token',
          'app_user',
          'audit_log',
          'event_reject',
          'sign_in_link',
          'user_month',
          'user_12m',
          'user_session',
        ].filter((t) => all.includes(t)),
      ),
    );
    // Checked apart from the rule's code: no published table has a column naming a person or a sign-in.
    const db0 = await Warehouse.open(snap.file, { readOnly: true });
    try {
      const personal = await db0.all(
        `SELECT table_name, column_name FROM duckdb_columns()
          WHERE lower(column_name) IN ('user_id', 'session_id', 'email', 'token_hash', 'session_hash', 'actor_user_id')`,
      );
      expect(personal).toEqual([]);
    } finally {
      db0.close();
    }
    expect([...snap.tables, ...kept].sort()).toEqual(all);
    // The stored peer bands too: pages read them from the published figures.
    expect(snap.tables).toEqual(
      expect.arrayContaining([
        'metric_cell',
        'area',
        'awkward',
        'mi_figure',
        'peer_band',
        'peer_band_metric',
      ]),
    );
    expect(snap.dataVersion).toBe(7);
    const db = await Warehouse.open(snap.file, { readOnly: true });
    try {
      const meta = await db.all<{ key: string; value: string }>(
        'SELECT key, value FROM warehouse_meta ORDER BY 1',
      );
      expect(meta.map((m) => m.key)).not.toContain('auth_secret');
      expect(meta).toContainEqual({ key: 'figures_version', value: '1' });
      // The definition travels: a key is still a key.
      await expect(db.run("INSERT INTO awkward (k) VALUES ('A')")).rejects.toThrow();
      expect(await db.scalar('SELECT count(*) FROM metric_value')).toBe(0);
    } finally {
      db.close();
    }
  });
});

/** Rows per row group of `table` (DuckDB's storage information), in row group order. */
const rowGroups = (db: Warehouse, table: string) =>
  db.all<{ rows: number }>(
    `SELECT sum(count)::INTEGER AS rows FROM pragma_storage_info('${table}')
     WHERE column_name = 'value' AND segment_type <> 'VALIDITY' GROUP BY row_group_id ORDER BY row_group_id`,
  );

/** 50,000 cells: one row group in a warehouse (DuckDB's default is 122,880 rows), four when published. */
const CELLS = `CREATE TABLE cells AS SELECT (i % 7)::SMALLINT AS metric_key, i::INTEGER AS area_key,
  (i * 0.5)::DOUBLE AS value FROM range(50000) t(i) ORDER BY metric_key, area_key`;
const PUBLISHED_ROW_GROUPS = [
  { rows: 16_384 },
  { rows: 16_384 },
  { rows: 16_384 },
  { rows: 50_000 - 3 * 16_384 },
];
/** The cells' count, total and order, to tell a copy from its source. */
const CELLS_FINGERPRINT = `SELECT count(*)::INTEGER AS n, sum(value) AS total,
  bool_and(lag_key IS NULL OR metric_key >= lag_key) AS ordered
  FROM (SELECT *, lag(metric_key) OVER () AS lag_key FROM cells)`;

/**
 * 13+ patients as a build stores them, by period (2 grains x 10 periods x 300 areas): each period's row holds
 * every area's.
 */
const DENOMINATORS = `CREATE TABLE area_den_cell AS SELECT (i % 2)::UTINYINT AS grain,
  DATE '2025-01-06' + CAST(7 * (i // 600) AS INTEGER) AS period_start, ((i // 2) % 300 + 1)::INTEGER AS area_key,
  (i * 0.25)::DOUBLE AS patients_13plus, 1 AS practices, true AS exact, DATE '2025-01-01' AS extract_date
  FROM range(6000) t(i) ORDER BY grain, period_start, area_key`;
/** Whether the stored rows (rowid order) go by grain, area and period, with their count and total. */
const DENOMINATORS_ORDER = `SELECT count(*)::INTEGER AS n, sum(patients_13plus) AS total,
  bool_and(lag_k IS NULL OR k >= lag_k) AS by_area
  FROM (SELECT patients_13plus, k, lag(k) OVER (ORDER BY rowid) AS lag_k
        FROM (SELECT rowid, patients_13plus,
                     grain::BIGINT * 1000000000 + area_key * 100000 + (period_start - DATE '2000-01-01') AS k
              FROM area_den_cell))`;

/** A snapshot of a warehouse holding only the cells, written in a folder of its own. */
async function cellsSnapshot(): Promise<{
  folder: string;
  file: string;
  source: { n: number };
  denominators: { n: number; total: number; by_area: boolean };
}> {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'figures-row-groups-'));
  const src = await Warehouse.open(path.join(folder, 'warehouse.duckdb'));
  try {
    await src.run(CELLS);
    await src.run(DENOMINATORS);
    // A warehouse's meta (publishing to PostgreSQL names the data version) and its events (counted, kept back).
    await src.run(
      "CREATE TABLE warehouse_meta (key VARCHAR PRIMARY KEY, value VARCHAR); INSERT INTO warehouse_meta VALUES ('data_version', '9')",
    );
    await src.run('CREATE TABLE activity_event (event_id VARCHAR)');
    await src.run('CHECKPOINT');
    expect(await rowGroups(src, 'cells')).toEqual([{ rows: 50_000 }]);
    const snap = await writeSnapshot(src, folder, 1);
    const denominators = await src.one<{ n: number; total: number; by_area: boolean }>(DENOMINATORS_ORDER);
    return {
      folder,
      file: snap.file,
      source: (await src.one<{ n: number }>(CELLS_FINGERPRINT))!,
      denominators: denominators!,
    };
  } finally {
    src.close();
  }
}

describe('how a snapshot is stored', () => {
  it('in row groups of 16,384 rows, so that one area’s read scans less of the cube (ADR 0073)', async () => {
    expect(SNAPSHOT_ROW_GROUP_SIZE).toBe(16_384);
    const snap = await cellsSnapshot();
    const out = await Warehouse.open(snap.file, { readOnly: true });
    try {
      expect(await rowGroups(out, 'cells')).toEqual(PUBLISHED_ROW_GROUPS);
      // The same rows in the same order.
      expect(await out.one(CELLS_FINGERPRINT)).toEqual(snap.source);
      expect(snap.source).toMatchObject({ n: 50_000, ordered: true });
    } finally {
      out.close();
      fs.rmSync(snap.folder, { recursive: true, force: true });
    }
  });

  it('13+ patients by area rather than by period, so that one area’s every period is close together (ADR 0076)', async () => {
    const snap = await cellsSnapshot();
    const out = await Warehouse.open(snap.file, { readOnly: true });
    try {
      expect(snap.denominators).toEqual({ n: 6000, total: (5999 * 6000 * 0.25) / 2, by_area: false });
      expect(await out.one(DENOMINATORS_ORDER)).toEqual({ ...snap.denominators, by_area: true });
      // Other tables keep the warehouse's order.
      expect(await out.one(CELLS_FINGERPRINT)).toEqual(snap.source);
    } finally {
      out.close();
      fs.rmSync(snap.folder, { recursive: true, force: true });
    }
  });
});

describe('the store swaps versions under readers', () => {
  it('a reader in flight finishes on its version; the retired file goes once nobody holds it', async () => {
    const v2 = await writeSnapshot(wh, dir, 2);
    await wh.run("UPDATE warehouse_meta SET value = '8' WHERE key = 'data_version'");
    const v3 = await writeSnapshot(wh, dir, 3);
    const store = new FigureStore();
    await expect(store.reader.all('SELECT 1')).rejects.toBeInstanceOf(NoFiguresError);
    const swaps: number[] = [];
    store.onSwap((i) => swaps.push(i.version));
    await store.adopt(2, v2.file);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    // A transaction on version 2 that is still open when version 3 arrives.
    const inFlight = store.reader.transaction(async (tx) => {
      const before = await tx.scalar<string>("SELECT value FROM warehouse_meta WHERE key = 'data_version'");
      await held;
      const after = await tx.scalar<string>("SELECT value FROM warehouse_meta WHERE key = 'data_version'");
      return [before, after];
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(await store.adopt(3, v3.file)).toBe(true);
    expect(await store.adopt(2, v2.file)).toBe(false); // never back
    expect(await store.reader.scalar("SELECT value FROM warehouse_meta WHERE key = 'data_version'")).toBe(
      '8',
    );
    expect(store.openVersions()).toEqual([2, 3]);
    expect(fs.existsSync(v2.file)).toBe(true);
    release();
    expect(await inFlight).toEqual(['7', '7']);
    expect(store.openVersions()).toEqual([3]);
    expect(fs.existsSync(v2.file)).toBe(false);
    expect(swaps).toEqual([2, 3]);
    const side = await store.reader.connect();
    expect(await side.scalar('SELECT 42')).toBe(42);
    await store.close();
    expect(fs.existsSync(v3.file)).toBe(true); // the last version stays for the next start
    expect(listSnapshots(dir).map((s) => s.version)).toEqual([3, 1]);
  });

  it.each([
    [3, 0],
    [1, 1],
  ])(
    'the reader sends a statement to a free connection while another is busy (%i connections; ADR 0079)',
    async (readerConnections, seen) => {
      const own = fs.mkdtempSync(path.join(os.tmpdir(), 'figures-pool-'));
      const store = new FigureStore({ readerConnections });
      try {
        await store.adopt(1, (await writeSnapshot(wh, own, 1)).file);
        let release!: () => void;
        const held = new Promise<void>((r) => (release = r));
        let started!: () => void;
        const busy = new Promise<void>((r) => (started = r));
        // A transaction keeps its connection busy until released, with a temporary table only that
        // connection can see.
        const inFlight = store.reader.transaction(async (tx) => {
          await tx.run('CREATE TEMP TABLE pool_marker AS SELECT 1 AS x');
          started();
          await held;
        });
        await busy;
        const marker = "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'pool_marker'";
        // Meanwhile: on another connection the marker is not there; with one connection it is.
        expect(Number(await store.reader.scalar(marker))).toBe(seen);
        release();
        await inFlight;
        expect(await store.reader.scalar('SELECT 42')).toBe(42);
      } finally {
        await store.close();
        fs.rmSync(own, { recursive: true, force: true });
      }
    },
  );
});

describe('PostgreSQL', () => {
  it('publishes by COPY, moves the pointer, and another instance pulls an identical copy', async () => {
    const snap = listSnapshots(dir)[0]!;
    expect(await readPointer(pool)).toBeNull();
    const r = await publishToPg(pool, snap.file, 1, 'compute-a', { tmpDir: dir, graceMs: 0 });
    expect(r.tables).toBeGreaterThan(20);
    const pointer = (await readPointer(pool))!;
    expect(pointer).toMatchObject({
      version: 1,
      schema: 'figures_v1',
      sourceId: 'compute-a',
      dataVersion: '8',
    });
    // Real tables, queryable in PostgreSQL, with the DuckDB key.
    const pg = await pool.query('SELECT k, s, b FROM figures_v1.awkward ORDER BY k');
    expect(pg.rows).toEqual([
      { k: 'A', s: 'Quote "and", comma', b: true },
      { k: 'B', s: '', b: false },
      { k: 'C', s: null, b: null },
      { k: 'D', s: 'line one\nline two', b: true },
    ]);
    const idx = await pool.query(
      "SELECT indexdef FROM pg_indexes WHERE schemaname = 'figures_v1' AND tablename = 'awkward'",
    );
    expect(idx.rows.map((x: { indexdef: string }) => x.indexdef).join()).toMatch(/\(k\)/);
    const pulled = path.join(dir, 'pulled.duckdb');
    await pullFromPg(pool, pointer, pulled);
    expect(await differences(snap.file, pulled)).toEqual([]);
    // A publish that fails before its commit leaves the pointer where it was; the next one starts afresh.
    await expect(
      publishToPg(pool, snap.file, 2, 'compute-a', {
        tmpDir: dir,
        graceMs: 60_000,
        beforeCommit: () => Promise.reject(new Error('killed')),
      }),
    ).rejects.toThrow('killed');
    expect((await readPointer(pool))!.version).toBe(1);
    await publishToPg(pool, snap.file, 2, 'compute-a', { tmpDir: dir, graceMs: 60_000 });
    expect((await readPointer(pool))!.version).toBe(2);
    // The version replaced is dropped once the grace period has passed.
    expect(await dropReplacedVersions(pool, 60_000)).toEqual([]);
    expect(await dropReplacedVersions(pool, 0)).toEqual([1]);
    const schemas = await pool.query(
      "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'figures_v%' ORDER BY 1",
    );
    expect(schemas.rows.map((x: { nspname: string }) => x.nspname)).toEqual(['figures_v2']);
  }, 30_000);

  it('lets one holder of the refresh lock at a time', async () => {
    let inside = 0;
    let most = 0;
    const attempt = () =>
      withRefreshLock(pool, async () => {
        inside += 1;
        most = Math.max(most, inside);
        await new Promise((r) => setTimeout(r, 150));
        inside -= 1;
        return 'ran';
      });
    const results = await Promise.all([attempt(), attempt(), attempt()]);
    expect(results.filter((r) => r.ran)).toHaveLength(1);
    expect(most).toBe(1);
    expect((await attempt()).ran).toBe(true); // released afterwards
  });

  it('pulls a copy stored in the same row groups and order as a local snapshot (ADR 0073, 0076)', async () => {
    const snap = await cellsSnapshot();
    try {
      await publishToPg(pool, snap.file, 3, 'compute-b', { tmpDir: snap.folder, graceMs: 60_000 });
      const pulled = path.join(snap.folder, 'pulled.duckdb');
      await pullFromPg(pool, (await readPointer(pool))!, pulled);
      const out = await Warehouse.open(pulled, { readOnly: true });
      try {
        expect(await rowGroups(out, 'cells')).toEqual(PUBLISHED_ROW_GROUPS);
        expect(await out.one(CELLS_FINGERPRINT)).toEqual(snap.source);
        // And in the same order (ADR 0076).
        expect(await out.one(DENOMINATORS_ORDER)).toEqual({ ...snap.denominators, by_area: true });
      } finally {
        out.close();
      }
    } finally {
      fs.rmSync(snap.folder, { recursive: true, force: true });
    }
  }, 30_000);
});
