/**
 * The cube's keys as the area reads look them up (ADR 0075): from a published snapshot, all read once and
 * kept; from a warehouse that can change, asked for each time, so that a key the next build adds is found.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSnapshot } from '../figures/snapshot.ts';
import { Warehouse } from '../warehouse/db.ts';
import { migrate } from '../warehouse/migrate.ts';
import { areaKeyOf, metricKeysOf } from './cube-keys.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cube-keys-'));
let wh: Warehouse;
let published: Warehouse;

beforeAll(async () => {
  wh = await Warehouse.open(path.join(dir, 'warehouse.duckdb'));
  await migrate(wh);
  await wh.run(
    `INSERT INTO area_dim VALUES (7, 'practice', 'A81001'), (8, 'pcn', 'U12345'), (9, 'icb', 'QHM')`,
  );
  await wh.run(`INSERT INTO metric_dim VALUES (3, 'logins'), (5, 'unique_logins'), (11, 'registrations')`);
  const snap = await writeSnapshot(wh, dir, 1);
  published = await Warehouse.open(snap.file, { readOnly: true });
}, 60_000);

afterAll(() => {
  published?.close();
  wh?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe.each([
  ['a warehouse', () => wh],
  ['published figures', () => published],
])('from %s', (_name, db) => {
  it('gives an area its key, and none to an area the cube has no figures for', async () => {
    expect(await areaKeyOf(db(), 'practice', 'A81001')).toBe(7);
    expect(await areaKeyOf(db(), 'icb', 'QHM')).toBe(9);
    // The same code at another level is another area.
    expect(await areaKeyOf(db(), 'icb', 'A81001')).toBeNull();
    expect(await areaKeyOf(db(), 'practice', 'Z99999')).toBeNull();
  });

  it("gives the metrics the cube has their keys, each key its metric's id", async () => {
    const idOf = await metricKeysOf(db(), ['registrations', 'logins', 'not_a_metric']);
    expect([...idOf].sort((a, b) => a[0] - b[0])).toEqual([
      [3, 'logins'],
      [11, 'registrations'],
    ]);
    expect((await metricKeysOf(db(), [])).size).toBe(0);
  });
});

describe('keeping the keys', () => {
  it('asks a warehouse again each time, so that keys added by a build are found', async () => {
    expect(await areaKeyOf(wh, 'practice', 'B82002')).toBeNull();
    expect((await metricKeysOf(wh, ['record_views'])).size).toBe(0);
    await wh.run(`INSERT INTO area_dim VALUES (12, 'practice', 'B82002')`);
    await wh.run(`INSERT INTO metric_dim VALUES (13, 'record_views')`);
    expect(await areaKeyOf(wh, 'practice', 'B82002')).toBe(12);
    expect([...(await metricKeysOf(wh, ['record_views']))]).toEqual([[13, 'record_views']]);
    // Published figures are a version that cannot change: the warehouse's new keys are not in it.
    expect(await areaKeyOf(published, 'practice', 'B82002')).toBeNull();
  });
});
