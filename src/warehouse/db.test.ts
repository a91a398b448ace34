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
