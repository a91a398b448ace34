import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Warehouse } from './db.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'db-test-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Spill files in DuckDB's temporary folder for `file`. */
const spillFiles = (file: string) =>
  fs.existsSync(`${file}.tmp`)
    ? fs.readdirSync(`${file}.tmp`).filter((n) => n.startsWith('duckdb_temp'))
    : [];

describe('Warehouse spill files', () => {
  // Issue 16.2: a runaway build killed mid-way left 22 GB of spill files on disk for good.
  it('removes the spill left by a command killed with SIGKILL when the warehouse is next opened', async () => {
    const file = path.join(dir, 'killed.duckdb');
    // A process sorting more than its memory limit spills, and is killed while it does.
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { DuckDBInstance } from '@duckdb/node-api';
         const i = await DuckDBInstance.create(${JSON.stringify(file)}, { memory_limit: '40MB', threads: '1', temp_directory: ${JSON.stringify(`${file}.tmp`)} });
         const c = await i.connect();
         await c.run("CREATE TABLE t AS SELECT md5(range::VARCHAR) AS b FROM range(20000000) ORDER BY b");`,
      ],
      { cwd: process.cwd(), stdio: 'ignore' },
    );
    const deadline = Date.now() + 60_000;
    while (spillFiles(file).length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(spillFiles(file).length).toBeGreaterThan(0);
    const db = await Warehouse.open(file);
    try {
      expect(spillFiles(file)).toEqual([]);
    } finally {
      db.close();
    }
  });

  it('removes its own spill when closed, and leaves other files in the folder alone', async () => {
    const file = path.join(dir, 'closed.duckdb');
    const db = await Warehouse.open(file);
    fs.mkdirSync(`${file}.tmp`, { recursive: true });
    fs.writeFileSync(path.join(`${file}.tmp`, 'notes.txt'), 'not DuckDB’s');
    // DuckDB keeps its spill file open until the database closes; stands in for one here.
    fs.writeFileSync(path.join(`${file}.tmp`, 'duckdb_temp_storage_DEFAULT-0.tmp'), 'spilled');
    db.close();
    expect(spillFiles(file)).toEqual([]);
    expect(fs.readdirSync(`${file}.tmp`)).toEqual(['notes.txt']);
  });
});

describe('Warehouse.closeWhenIdle', () => {
  // A server stopping while requests still compute: DuckDB aborts or hangs when closed under a statement.
  it('lets running statements finish, refuses new ones, then closes', async () => {
    const db = await Warehouse.open(path.join(dir, 'idle.duckdb'));
    const other = await db.connect();
    const slow = 'SELECT count(*) AS n FROM range(30000000) a WHERE hash(a.range) % 7 = 0';
    const running = [db.scalar<number>(slow), other.scalar<number>(slow)];
    const closing = db.closeWhenIdle();
    await expect(db.all('SELECT 1')).rejects.toThrow('the warehouse is closed');
    await expect(other.all('SELECT 1')).rejects.toThrow('the warehouse is closed');
    const [a, b] = await Promise.all(running);
    expect(a).toBeGreaterThan(4_000_000);
    expect(b).toBe(a);
    await closing;
    expect(db.isClosed).toBe(true);
    expect(other.isClosed).toBe(true);
  });

  it('closes a connection once its own statements end, leaving the warehouse open', async () => {
    const db = await Warehouse.open(path.join(dir, 'idle-connection.duckdb'));
    try {
      const other = await db.connect();
      const running = other.scalar<number>('SELECT count(*) FROM range(10000000)');
      await other.closeWhenIdle();
      expect(await running).toBe(10_000_000);
      expect(other.isClosed).toBe(true);
      expect(await db.scalar<number>('SELECT 42')).toBe(42);
    } finally {
      db.close();
    }
  });
});

describe('Warehouse memory', () => {
  it("sets DuckDB's limit to its share of the configured one, leaving room for what DuckDB does not count", async () => {
    const db = await Warehouse.open(':memory:', { memoryLimit: '1GB' });
    try {
      const setting = (await db.scalar<string>("SELECT current_setting('memory_limit')"))!;
      // DuckDB reports its limit rounded, e.g. "667.5 MiB" for 0.7 × 1e9 bytes (667 MiB asked for).
      const m = /^([\d.]+)\s*(MiB|GiB)$/.exec(setting);
      expect(m, setting).not.toBeNull();
      const bytes = Number(m![1]) * (m![2] === 'GiB' ? 2 ** 30 : 2 ** 20);
      expect(bytes / 1e9).toBeGreaterThan(0.69);
      expect(bytes / 1e9).toBeLessThan(0.71);
    } finally {
      db.close();
    }
  });
});
