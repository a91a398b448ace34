/**
 * Denominators follow the practices open at each period start (issue 11 item 6, ADR 0024): an area's patients
 * aged 13+ (and of all ages) are the sum over its practices listed in the practice-map release in force at the
 * period start, each with its figure from the list-size release in force then. Checked against a brute-force
 * sum for every area and period of a small warehouse with practices closing, opening and changing ICB, on
 * today's structure and as recorded.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../domain/clock.ts';
import { ingestEventFile } from '../ingest/events.ts';
import { rebuildAreas } from '../ingest/reference/areas.ts';
import { Warehouse } from '../warehouse/db.ts';
import { migrate } from '../warehouse/migrate.ts';
import { buildMetrics } from './build.ts';
import { loadCatalogue } from './catalogue.ts';

type Row = [practice: string, pcn: string, subIcb: string, icb: string, region: string];
/**
 * Three practice-map releases. January and May: the old structure (ICBs QB1, QB2). August: QB1 and QB2 merge
 * into QB9 and a new ICB QB3 appears. A00004 closes in May, A00007 in August; A00005 opens in May, A00006 in August; A00002
 * moves PCN in August.
 */
const MAPS: Record<string, Row[]> = {
  '2026-01-01': [
    ['A00001', 'N1', 'S1', 'QB1', 'Y56'],
    ['A00002', 'N1', 'S1', 'QB1', 'Y56'],
    ['A00003', 'N2', 'S2', 'QB2', 'Y56'],
    ['A00004', 'N3', 'S3', 'QB2', 'Y56'],
    ['A00007', 'N2', 'S2', 'QB2', 'Y56'],
  ],
  '2026-05-01': [
    ['A00001', 'N1', 'S1', 'QB1', 'Y56'],
    ['A00002', 'N1', 'S1', 'QB1', 'Y56'],
    ['A00003', 'N2', 'S2', 'QB2', 'Y56'],
    ['A00005', 'N3', 'S3', 'QB2', 'Y56'],
    ['A00007', 'N2', 'S2', 'QB2', 'Y56'],
  ],
  '2026-08-01': [
    ['A00001', 'N1', 'S1', 'QB9', 'Y56'],
    ['A00002', 'N2', 'S1', 'QB9', 'Y56'],
    ['A00003', 'N2', 'S2', 'QB9', 'Y56'],
    ['A00005', 'N3', 'S3', 'QB9', 'Y56'],
    ['A00006', 'N4', 'S4', 'QB3', 'Y58'],
  ],
};
/**
 * Practice 13+ list sizes per release. The June release still lists A00004, closed in May (a stale row must not
 * bring it back), and A00007, which closes in August; A00006 has no list size until October.
 */
const LISTS: Record<string, Record<string, number>> = {
  '2025-12-01': { A00001: 1000, A00002: 500, A00003: 700.4, A00004: 300, A00007: 250 },
  '2026-06-01': { A00001: 1010, A00002: 505, A00003: 690, A00004: 290, A00005: 400, A00007: 260 },
  '2026-10-01': { A00001: 1020, A00002: 510, A00003: 700, A00005: 410, A00006: 150 },
};
const allAges = (n: number) => Math.round(n) + 100;

const inForce = (releases: string[], date: string) =>
  [...releases]
    .sort()
    .filter((r) => r <= date)
    .pop() ?? [...releases].sort()[0]!;

/** Today's ancestors: PCN and sub-ICB from the practice's last row; the sub-ICB's latest ICB, its region. */
function currentAncestors(practice: string): string[] {
  const releases = Object.keys(MAPS).sort().reverse();
  const row = releases.map((r) => MAPS[r]!.find((x) => x[0] === practice)).find(Boolean)!;
  const icb = releases.map((r) => MAPS[r]!.find((x) => x[2] === row[2])).find(Boolean)![3];
  const region = releases.map((r) => MAPS[r]!.find((x) => x[3] === icb)).find(Boolean)![4];
  return [row[0], row[1], row[2], icb, region];
}

const LEVELS = ['practice', 'pcn', 'sub_icb', 'icb', 'region', 'england'];

/** Brute force: per grain|period|level|code, the sum over open practices with a figure, and their number. */
function expected(periods: [string, string][], figure: (n: number) => number, structure: string) {
  const out = new Map<string, { sum: number; practices: number }>();
  for (const [grain, start] of periods) {
    const map = MAPS[inForce(Object.keys(MAPS), start)]!;
    const list = LISTS[inForce(Object.keys(LISTS), start)]!;
    for (const row of map) {
      const n = list[row[0]];
      if (n === undefined) continue;
      const chain = structure === 'current' ? currentAncestors(row[0]) : [...row];
      const codes = [...chain, 'E92000001'];
      LEVELS.forEach((level, i) => {
        if (structure !== 'current' && level === 'practice') return;
        const key = `${grain}|${start}|${level}|${codes[i]}`;
        const cur = out.get(key) ?? { sum: 0, practices: 0 };
        out.set(key, { sum: cur.sum + figure(n), practices: cur.practices + 1 });
      });
    }
  }
  return out;
}

function mondays(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 7 * 86_400_000) {
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}

let db: Warehouse;
let dir: string;
// One login a week at A00001 from the week of 5 January to that of 9 November 2026: periods to build.
const WEEKS = mondays('2026-01-05', '2026-11-09');
const PERIODS: [string, string][] = [
  ...WEEKS.map((w): [string, string] => ['week', w]),
  ...Array.from({ length: 11 }, (_, i): [string, string] => [
    'month',
    `2026-${String(i + 1).padStart(2, '0')}-01`,
  ]),
];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'denominators-'));
  db = await Warehouse.open(':memory:');
  await migrate(db);
  for (const [extract, rows] of Object.entries(MAPS)) {
    for (const [practice, pcn, sub, icb, region] of rows) {
      await db.run(
        `INSERT INTO practice_map VALUES ($1::DATE, $2, 'Practice ' || $2, 'AB1 2CD', $3, 'PCN ' || $3, $4, NULL,
          'Sub-ICB ' || $4, $5, NULL, 'ICB ' || $5, $6, NULL, 'Region ' || $6, 'EMIS')`,
        [extract, practice, pcn, sub, icb, region],
      );
    }
  }
  for (const [extract, sizes] of Object.entries(LISTS)) {
    for (const [practice, n] of Object.entries(sizes)) {
      await db.run(
        "INSERT INTO list_size VALUES ($1::DATE, 'practice', $2, $3, $4, 'estimated', 'list_size_quinary')",
        [extract, practice, allAges(n), n],
      );
    }
  }
  await rebuildAreas(db);
  const lines = WEEKS.map((w, i) => `e${i},${w}T12:00:00Z,login,s${i},u${i % 7},A00001,P9,ios`);
  // Logins at A00004 before and after it closes (late data from a closed practice is still its own).
  lines.push(
    'c1,2026-04-15T12:00:00Z,login,c1,u90,A00004,P9,ios',
    'c2,2026-06-15T12:00:00Z,login,c2,u91,A00004,P9,ios',
  );
  const file = path.join(dir, 'events.csv');
  fs.writeFileSync(
    file,
    ['event_id,event_time,event_type,session_id,user_id,practice_code,identity_level,channel', ...lines].join(
      '\n',
    ),
  );
  await ingestEventFile(db, file, { demo: false });
  await buildMetrics(db, loadCatalogue(), fixedClock('2026-11-21T12:00:00Z'));
}, 60_000);

afterAll(() => {
  db?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function compare(
  actual: Map<string, { sum: number; practices?: number }>,
  want: Map<string, { sum: number; practices: number }>,
): string[] {
  const diffs: string[] = [];
  for (const [k, v] of want) {
    const a = actual.get(k);
    if (!a) diffs.push(`${k}: missing, expected ${v.sum}`);
    else if (Math.abs(a.sum - v.sum) > 1e-6 || (a.practices !== undefined && a.practices !== v.practices))
      diffs.push(`${k}: expected ${v.sum} over ${v.practices}, got ${a.sum} over ${a.practices}`);
  }
  for (const [k, a] of actual) if (!want.has(k)) diffs.push(`${k}: unexpected ${a.sum}`);
  return diffs;
}

describe('denominators over the practices open at each period start', () => {
  it("patients aged 13+ of every area and period (today's structure) equal the brute-force sum", async () => {
    const rows = await db.all<{ k: string; patients_13plus: number; practices: number }>(
      `SELECT concat_ws('|', grain, strftime(period_start, '%Y-%m-%d'), area_level, area_code) AS k,
              patients_13plus, practices
       FROM area_denominator WHERE period_start <= DATE '2026-11-09'`,
    );
    const actual = new Map(
      rows.map((r) => [r.k, { sum: r.patients_13plus, practices: Number(r.practices) }]),
    );
    const want = expected(PERIODS, (n) => n, 'current');
    expect(compare(actual, want).slice(0, 10)).toEqual([]);
    // The cases the data were made for, spelt out.
    const at = (grain: string, start: string, level: string, code: string) =>
      actual.get(`${grain}|${start}|${level}|${code}`)?.sum;
    // April: A00004 open (January map), December list sizes: QB1+QB2 under QB9 today = 1000+500+700.4+300+250.
    expect(at('month', '2026-04-01', 'icb', 'QB9')).toBeCloseTo(2750.4, 6);
    // July: A00004 gone from the May map though the June list still gives it 290; A00005 opened (400).
    expect(at('month', '2026-07-01', 'icb', 'QB9')).toBeCloseTo(1010 + 505 + 690 + 400 + 260, 6);
    // August: A00007 closed; A00006 opened but has no list size until October.
    expect(at('month', '2026-08-01', 'icb', 'QB9')).toBeCloseTo(1010 + 505 + 690 + 400, 6);
    expect(at('month', '2026-08-01', 'icb', 'QB3')).toBeUndefined();
    expect(at('month', '2026-10-01', 'icb', 'QB3')).toBe(150);
    // A closed practice has no denominator of its own after it closes.
    expect(at('month', '2026-04-01', 'practice', 'A00004')).toBe(300);
    expect(at('month', '2026-05-01', 'practice', 'A00004')).toBeUndefined();
    // The week of 27 July starts under the May map (A00007 open); the week of 3 August under the August one.
    expect(at('week', '2026-07-27', 'practice', 'A00007')).toBe(260);
    expect(at('week', '2026-08-03', 'practice', 'A00007')).toBeUndefined();
  });

  it('patients of all ages of every area and period equal the brute-force sum, on both structures', async () => {
    for (const structure of ['current', 'as_recorded']) {
      const rows = await db.all<{ k: string; value: number }>(
        `SELECT concat_ws('|', grain, strftime(period_start, '%Y-%m-%d'), area_level, area_code) AS k, value
         FROM metric_value
         WHERE metric_id = 'patients_all' AND structure = $1 AND period_start <= DATE '2026-11-09'`,
        [structure],
      );
      const actual = new Map(rows.map((r) => [r.k, { sum: r.value }]));
      const want = expected(PERIODS, allAges, structure);
      expect(compare(actual, want).slice(0, 10), structure).toEqual([]);
    }
    // As recorded, the old ICBs hold their practices until the August release, the merged one from then.
    const asRecorded = await db.all<{ code: string; value: number }>(
      `SELECT area_code AS code, value FROM metric_value WHERE metric_id = 'patients_all'
       AND structure = 'as_recorded' AND grain = 'month' AND period_start = DATE '2026-07-01' AND area_level = 'icb'
       ORDER BY code`,
    );
    expect(asRecorded).toEqual([
      { code: 'QB1', value: 1110 + 605 },
      { code: 'QB2', value: 790 + 500 + 360 },
    ]);
  });

  it('leaves a closed practice out of the rate coverage: its figures after it closes are uncovered', async () => {
    const logins = (month: string) =>
      db.one<{ value: number; uncovered: number }>(
        `SELECT value, uncovered FROM metric_value WHERE metric_id = 'logins' AND structure = 'current'
         AND grain = 'month' AND period_start = $1::DATE AND area_level = 'england'`,
        [month],
      );
    // April: A00004 open, with a list size: both logins (A00001's and A00004's) are in the rate.
    expect(await logins('2026-04-01')).toEqual({ value: 5, uncovered: 0 });
    // June: A00004 has closed, so its login is left out of the rate, like its patients.
    expect(await logins('2026-06-01')).toEqual({ value: 6, uncovered: 1 });
  });
});
