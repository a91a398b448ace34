/**
 * readOnce: a version of the published figures is read once per question, a warehouse that can change every
 * time; a failed read is asked again; the data status built on it hands each caller its own copy.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSnapshot } from '../figures/snapshot.ts';
import { FigureStore } from '../figures/store.ts';
import { getDataStatus } from '../query/status.ts';
import { Warehouse } from './db.ts';
import { migrate } from './migrate.ts';
import { readOnce } from './unchanging.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unchanging-'));
let wh: Warehouse;

const setVersion = (v: string) =>
  wh.run(
    "INSERT INTO warehouse_meta VALUES ('data_version', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    [v],
  );
const versionOf = async (db: Warehouse) =>
  db.scalar<string>("SELECT value FROM warehouse_meta WHERE key = 'data_version'");

beforeAll(async () => {
  wh = await Warehouse.open(path.join(dir, 'warehouse.duckdb'));
  await migrate(wh);
  await setVersion('1');
}, 30_000);

afterAll(() => {
  wh?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('readOnce', () => {
  it('reads a warehouse that can change every time', async () => {
    let reads = 0;
    const ask = () => readOnce(wh, 'version', async () => (reads++, versionOf(wh)));
    expect(await ask()).toBe('1');
    await setVersion('2');
    expect(await ask()).toBe('2');
    expect(reads).toBe(2);
  });

  it('reads a version of the figures once, the next version afresh, and asks again after a failure', async () => {
    await setVersion('3');
    const v3 = await writeSnapshot(wh, dir, 3);
    await setVersion('4');
    const v4 = await writeSnapshot(wh, dir, 4);
    const store = new FigureStore();
    try {
      let reads = 0;
      const ask = () => readOnce(store.reader, 'version', async () => (reads++, versionOf(store.reader)));
      await store.adopt(3, v3.file);
      expect(await Promise.all([ask(), ask()])).toEqual(['3', '3']);
      expect(await ask()).toBe('3');
      expect(reads).toBe(1);
      await store.adopt(4, v4.file);
      expect(await ask()).toBe('4');
      expect(reads).toBe(2);

      let failures = 0;
      const flaky = () =>
        readOnce(store.reader, 'flaky', async () => {
          if (failures++ === 0) throw new Error('first read fails');
          return 'read';
        });
      await expect(flaky()).rejects.toThrow('first read fails');
      expect(await flaky()).toBe('read');
      expect(await flaky()).toBe('read');
      expect(failures).toBe(2);

      // The data status, read once, is a copy per caller.
      const a = await getDataStatus(store.reader);
      expect(a.dataVersion).toBe(4);
      a.dataVersion = 99;
      expect((await getDataStatus(store.reader)).dataVersion).toBe(4);
    } finally {
      await store.close();
    }
  });
});
