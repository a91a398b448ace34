import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../domain/clock.ts';
import { ingestEventFile } from '../ingest/events.ts';
import { importFeedFile } from '../ingest/feeds/index.ts';
import { rebuildAreas } from '../ingest/reference/areas.ts';
import { importReferenceFile } from '../ingest/reference/index.ts';
import { pendingBuild } from '../metrics/build.ts';
import { Warehouse } from '../warehouse/db.ts';
import { migrate } from '../warehouse/migrate.ts';
import { completePendingWork } from './bootstrap.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pending-work-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const clock = fixedClock('2026-11-21T12:00:00Z');
const quiet = () => undefined;

const HEADER =
  'event_id,event_time,event_type,session_id,user_id,practice_code,identity_level,channel,record_type';
/** n logins and registrations from `first` on, one every 7 hours, across three practices and Unknown. */
function eventsFile(name: string, prefix: string, first: string, n: number): string {
  const start = Date.parse(`${first}T08:00:00Z`);
  const practices = ['P00001', 'P00002', 'P00003', ''];
  const rows = Array.from({ length: n }, (_, i) => {
    const time = new Date(start + i * 7 * 3_600_000).toISOString();
    const type = i % 5 === 0 ? 'registration' : 'login';
    return `${prefix}${i},${time},${type},s${i},u${i % 37},${practices[i % 4]},P9,ios,`;
  });
  const file = path.join(dir, name);
  fs.writeFileSync(file, [HEADER, ...rows].join('\n') + '\n');
  return file;
}

async function geography(): Promise<Warehouse> {
  const db = await Warehouse.open(':memory:');
  await migrate(db);
  for (const [practice, pcn, sub, icb] of [
    ['P00001', 'U00001', '00A', 'QA1'],
    ['P00002', 'U00001', '00A', 'QA1'],
    ['P00003', 'U00002', '00B', 'QA2'],
  ]) {
    await db.run(
      `INSERT INTO practice_map VALUES (DATE '2026-01-01', $1, 'Practice', 'AB1 2CD', $2, 'PCN', $3, NULL,
        'Sub-ICB', $4, NULL, 'ICB', 'Y56', NULL, 'Region', 'EMIS')`,
      [practice!, pcn!, sub!, icb!],
    );
  }
  await db.run(
    "INSERT INTO list_size VALUES (DATE '2025-12-01', 'practice', 'P00001', 1200, 1000, 'estimated', 'list_size_quinary')",
  );
  await rebuildAreas(db);
  return db;
}

/** Every figure the build stores, by name rather than key. */
async function figures(db: Warehouse): Promise<string[]> {
  const rows = await db.all<{ k: string }>(
    `SELECT concat_ws('|', structure, metric_id, grain, period_start, area_level, area_code, value) AS k FROM metric_value
     UNION ALL SELECT concat_ws('|', grain, period_start, area_level, area_code, patients_13plus) FROM area_denominator
     UNION ALL SELECT concat_ws('|', day, events) FROM data_day
     UNION ALL SELECT concat_ws('|', m.sig, m.month, d.user_id, m.practice_key) FROM user_month m
       JOIN user_dim d ON d.user_key = m.user_id -- integer keys differ between warehouses (ADR 0027)
     ORDER BY 1`,
  );
  return rows.map((r) => r.k);
}
const dataVersion = async (db: Warehouse) =>
  Number(await db.scalar<string>("SELECT value FROM warehouse_meta WHERE key = 'data_version'"));
const builds = async (db: Warehouse) => Number(await db.scalar<number>('SELECT count(*) FROM build_log'));

let db: Warehouse;
let first: string;
let second: string;
let clean: string[];
beforeEach(async () => {
  first = eventsFile('first.csv', 'a', '2026-08-03', 300);
  second = eventsFile('second.csv', 'b', '2026-09-27', 120);
  const reference = await geography();
  try {
    await ingestEventFile(reference, first);
    await ingestEventFile(reference, second);
    await completePendingWork(reference, quiet, clock);
    clean = await figures(reference);
  } finally {
    reference.close();
  }
  db = await geography();
  await ingestEventFile(db, first);
  await completePendingWork(db, quiet, clock);
});
afterEach(() => db.close());

describe('completePendingWork', () => {
  it('builds what a load left unbuilt (a load killed before its build), then nothing more', async () => {
    await ingestEventFile(db, second);
    expect(await pendingBuild(db)).toEqual({
      kind: 'incremental',
      loads: 1,
      range: { from: '2026-09-27', to: '2026-11-01' }, // 119 × 7 hours after 08:00 on 27 September
    });
    const built = await completePendingWork(db, quiet, clock);
    expect(built?.incremental).toBe(true);
    expect(await figures(db)).toEqual(clean);
    expect(await pendingBuild(db)).toEqual({ kind: 'none' });
    const version = await dataVersion(db);
    expect(await completePendingWork(db, quiet, clock)).toBeNull();
    expect(await dataVersion(db)).toBe(version);
  });

  it('removes the events of a load whose commit record was lost, so the file loads again in full', async () => {
    const before = await figures(db);
    await ingestEventFile(db, second);
    // A kill -9 during the commit once kept the events and lost their event_load row (issue 16.3).
    await db.run('DELETE FROM event_load WHERE load_id = (SELECT max(load_id) FROM event_load)');
    const messages: string[] = [];
    expect(await completePendingWork(db, (m) => messages.push(m), clock)).toBeNull();
    expect(messages).toEqual([
      'Removed 120 events of an interrupted load that never committed; load its file again.',
    ]);
    expect(await figures(db)).toEqual(before);
    const again = await ingestEventFile(db, second);
    expect(again).toMatchObject({ status: 'loaded', rowsLoaded: 120, rowsDuplicate: 0, rowsRejected: 0 });
    await completePendingWork(db, quiet, clock);
    expect(await figures(db)).toEqual(clean);
  });

  it('rebuilds nothing after a refused or already-loaded file (issue 16.5)', async () => {
    const version = await dataVersion(db);
    const n = await builds(db);
    // Already loaded: the same events file and the same feed file twice.
    expect((await ingestEventFile(db, first)).status).toBe('already_loaded');
    const downloads = path.join(dir, 'WeeklyDownloads_NHSApp_Counts_20260809.csv');
    fs.writeFileSync(downloads, 'Date,Type,Count\n2026-08-03,Apple,10\n2026-08-03,Google,5\n');
    await importFeedFile(db, 'downloads', downloads);
    await completePendingWork(db, quiet, clock);
    const afterFeed = await dataVersion(db);
    expect(afterFeed).toBe(version + 1);
    await importFeedFile(db, 'downloads', downloads);
    // Refused: a reference file that is not one.
    const bad = path.join(dir, 'gp-reg-pat-prac-map.csv');
    fs.writeFileSync(bad, 'not,a,practice,map\n1,2,3,4\n');
    await expect(importReferenceFile(db, bad)).rejects.toThrow();
    expect(await completePendingWork(db, quiet, clock)).toBeNull();
    expect(await dataVersion(db)).toBe(afterFeed);
    expect(await builds(db)).toBe(n + 1);
  });
});
