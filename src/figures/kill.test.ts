/**
 * Issue 10: kill -9 during a publish never leaves a half-published version. A child process publishes the
 * figures again and again (test/support/figures-publish-loop.ts) and is killed with SIGKILL at several
 * points (at least one of them inside a write); afterwards every snapshot file under a published name is whole, leftovers are cleaned at the next
 * start, and with PostgreSQL the pointer names a whole version and the next publish succeeds.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/pg-test-db.ts';
import { Warehouse } from '../warehouse/db.ts';
import { migrate } from '../warehouse/migrate.ts';
import { openPgPool } from '../warehouse/pg.ts';
import { ensureFiguresSchema, publishToPg, readPointer } from './pg.ts';
import { figuresDir, listSnapshots, removeStaleTemporaries } from './snapshot.ts';
import { FigureStore } from './store.ts';

const LOOP = path.resolve(import.meta.dirname, '../../test/support/figures-publish-loop.ts');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'figures-kill-'));
const warehouseFile = path.join(root, 'warehouse.duckdb');
const ROWS = 30_000;
let pgdb: TestDatabase;

beforeAll(async () => {
  const db = await Warehouse.open(warehouseFile);
  await migrate(db);
  await db.run(
    `INSERT INTO metric_cell SELECT 0, (i % 50)::SMALLINT, 1, DATE '2026-01-05' + (i // 5000)::INTEGER * 7, i % 5000, i * 0.5, NULL
       FROM range(${ROWS}) t(i)`,
  );
  await db.run("INSERT INTO warehouse_meta VALUES ('data_version', '3')");
  db.close();
  pgdb = await createTestDatabase('figures_kill');
}, 30_000);

afterAll(async () => {
  await pgdb?.drop();
  fs.rmSync(root, { recursive: true, force: true });
});

/** Runs the publish loop until it has committed `after` versions, then kills it `delayMs` later. */
async function publishThenKill(env: Record<string, string>, after: number, delayMs: number): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', LOOP], {
    env: { ...process.env, WAREHOUSE: warehouseFile, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise((r) => child.once('exit', r));
  const deadline = Date.now() + 60_000;
  while ((out.match(/published/g) ?? []).length < after && Date.now() < deadline && child.exitCode === null) {
    await new Promise((r) => setTimeout(r, 20));
  }
  await new Promise((r) => setTimeout(r, delayMs));
  child.kill('SIGKILL');
  await exited;
  expect(out).toMatch(/published/);
  return out;
}

async function cellCount(file: string): Promise<number> {
  const db = await Warehouse.open(file, { readOnly: true });
  try {
    return Number(await db.scalar('SELECT count(*) FROM metric_cell'));
  } finally {
    db.close();
  }
}

describe('kill -9 during a publish', () => {
  it('snapshot files: every published name is whole; leftovers go at the next start', async () => {
    const dataDir = path.join(root, 'embedded');
    let leftovers = 0;
    for (const delay of [5, 150]) {
      await publishThenKill({ DATA_DIR: dataDir }, 1, delay);
      // A temporary file left behind: the kill came in the middle of a write.
      leftovers += fs.readdirSync(figuresDir(dataDir)).filter((f) => f.includes('.tmp')).length;
    }
    expect(leftovers).toBeGreaterThan(0);
    const snapshots = listSnapshots(dataDir);
    expect(snapshots.length).toBeGreaterThanOrEqual(2);
    for (const s of snapshots) expect(await cellCount(s.file)).toBe(ROWS);
    removeStaleTemporaries(dataDir);
    expect(fs.readdirSync(figuresDir(dataDir)).filter((f) => f.includes('.tmp'))).toEqual([]);
    const store = new FigureStore();
    await store.adopt(snapshots[0]!.version, snapshots[0]!.file);
    expect(await store.reader.scalar('SELECT count(*) FROM metric_cell')).toBe(ROWS);
    await store.close();
  }, 90_000);

  it('PostgreSQL: the pointer names a whole version; the next publish succeeds', async () => {
    const dataDir = path.join(root, 'shared');
    const pool = openPgPool(pgdb.url, { max: 2 });
    try {
      await ensureFiguresSchema(pool);
      for (const delay of [30]) {
        await publishThenKill({ DATA_DIR: dataDir, DATABASE_URL: pgdb.url }, 1, delay);
        const pointer = (await readPointer(pool))!;
        const tables = await pool.query(`SELECT count(*)::int AS n FROM ${pointer.schema}._tables`);
        const expected = await pool.query(
          "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = $1 AND table_name NOT LIKE '\\_%'",
          [pointer.schema],
        );
        expect(tables.rows[0].n).toBe(expected.rows[0].n);
        const cells = await pool.query(`SELECT count(*)::int AS n FROM ${pointer.schema}.metric_cell`);
        expect(cells.rows[0].n).toBe(ROWS);
      }
      const next = ((await readPointer(pool))!.version ?? 0) + 1;
      fs.copyFileSync(listSnapshots(dataDir)[0]!.file, path.join(root, 'copy.duckdb'));
      await publishToPg(pool, path.join(root, 'copy.duckdb'), next, 'after-kill', {
        tmpDir: root,
        graceMs: 0,
      });
      expect((await readPointer(pool))!.version).toBe(next);
    } finally {
      await pool.end();
    }
  }, 90_000);
});
