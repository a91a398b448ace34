/**
 * When the area index reads the area table's digest again: on every lookup of a warehouse that can change,
 * once per version of the published figures (which cannot), and afresh after a swap.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { writeSnapshot } from '../figures/snapshot.ts';
import { FigureStore } from '../figures/store.ts';
import { Warehouse } from '../warehouse/db.ts';
import { migrate } from '../warehouse/migrate.ts';
import * as querySql from '../warehouse/sql/query.ts';
import { areaByCode, areaChainRows } from './area-index.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'area-index-'));
let wh: Warehouse;

const rename = (name: string) =>
  wh.run("UPDATE area SET name = $1 WHERE area_level = 'practice' AND area_code = 'A81001'", [name]);
const nameNow = async (db: Warehouse) => (await areaChainRows(db, 'practice', 'A81001')).at(-1)?.name;
/** How many of a handle's scalar reads were the area table's digest. */
const digestReads = (spy: { mock: { calls: unknown[][] } }) =>
  spy.mock.calls.filter(([sql]) => sql === querySql.areaModelSignature).length;

beforeAll(async () => {
  wh = await Warehouse.open(path.join(dir, 'warehouse.duckdb'));
  await migrate(wh);
  await wh.run(
    `INSERT INTO area (area_level, area_code, ons_code, name, parent_level, parent_code, postcode, supplier_name, first_extract, last_extract, is_current)
     VALUES ('icb', 'QA1', 'E54000001', 'An ICB', NULL, NULL, NULL, NULL, NULL, NULL, true),
            ('practice', 'A81001', NULL, 'First name', 'icb', 'QA1', 'TS18 1HU', '', DATE '2026-01-01', DATE '2026-08-01', true)`,
  );
}, 30_000);

afterAll(() => {
  wh?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the area index and its digest', () => {
  it('a warehouse that can change is checked on every lookup, so a change written directly is seen', async () => {
    expect(await nameNow(wh)).toBe('First name');
    await rename('Second name');
    expect(await nameNow(wh)).toBe('Second name');
    expect(wh.unchangingData()).toBeNull();
  });

  it('a read-only version of the figures is checked once, and a swapped-in version is read afresh', async () => {
    await rename('Second name');
    const v2 = await writeSnapshot(wh, dir, 2);
    await rename('Third name');
    const v3 = await writeSnapshot(wh, dir, 3);
    const store = new FigureStore();
    try {
      const spy = vi.spyOn(store.reader, 'scalar');
      await store.adopt(2, v2.file);
      expect(await nameNow(store.reader)).toBe('Second name');
      expect((await areaByCode(store.reader, 'QA1'))?.name).toBe('An ICB');
      expect(await nameNow(store.reader)).toBe('Second name');
      expect(digestReads(spy)).toBe(1);
      await store.adopt(3, v3.file);
      expect(await nameNow(store.reader)).toBe('Third name');
      expect(await nameNow(store.reader)).toBe('Third name');
      expect(digestReads(spy)).toBe(2);
      // Another handle on the same version shares its digest.
      const side = await store.reader.connect();
      const sideSpy = vi.spyOn(side, 'scalar');
      expect(await nameNow(side)).toBe('Third name');
      expect(digestReads(sideSpy)).toBe(0);
    } finally {
      await store.close();
    }
  });

  it('a warehouse opened read-only is one identity for all its connections', async () => {
    const v = await writeSnapshot(wh, dir, 4);
    const ro = await Warehouse.open(v.file, { readOnly: true });
    try {
      const side = await ro.connect();
      expect(ro.unchangingData()).not.toBeNull();
      expect(side.unchangingData()).toBe(ro.unchangingData());
    } finally {
      ro.close();
    }
  });
});
