import { listValue } from '@duckdb/node-api';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../domain/clock.ts';
import { rebuildAreas } from '../ingest/reference/areas.ts';
import { ingestEventFile } from '../ingest/events.ts';
import { Warehouse } from '../warehouse/db.ts';
import { migrate } from '../warehouse/migrate.ts';
import { buildableMetrics, buildMetrics } from './build.ts';
import { loadCatalogue } from './catalogue.ts';

// A small geography in two releases: ICBs I1 and I2 merge into I9 in August; P4 closes; P5 opens.
type Row = [practice: string, pcn: string, subIcb: string, icb: string, region: string];
const RELEASES: Record<string, Row[]> = {
  '2026-01-01': [
    ['P00001', 'U00001', '00A', 'QA1', 'Y56'],
    ['P00002', 'U00001', '00A', 'QA1', 'Y56'],
    ['P00003', 'U00002', '00B', 'QA2', 'Y56'],
    ['P00004', 'U00003', '00C', 'QA3', 'Y58'],
  ],
  '2026-08-01': [
    ['P00001', 'U00001', '00A', 'QA9', 'Y56'],
    ['P00002', 'U00001', '00A', 'QA9', 'Y56'],
    ['P00003', 'U00002', '00B', 'QA9', 'Y56'],
    ['P00005', 'U00003', '00C', 'QA3', 'Y58'],
  ],
};
const PRACTICE_CODES = ['P00001', 'P00002', 'P00003', 'P00004', 'P00005', 'ZZZ999', ''];
const TYPES = ['login', 'registration', 'prescription_ordered', 'record_viewed', 'appointment_booked'];

/** Deterministic pseudo-random numbers (mulberry32), so a failure can be replayed. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Ev {
  id: string;
  time: string;
  type: string;
  user: string;
  practice: string;
  level: string;
  recordType: string;
}

function randomEvents(seed: number, n: number): Ev[] {
  const r = rng(seed);
  const start = Date.parse('2025-12-20T00:00:00Z');
  const span = Date.parse('2026-10-31T00:00:00Z') - start;
  // Instants near the BST changes and near midnight are over-represented on purpose.
  const edges = [
    '2026-03-29T00:59:59Z',
    '2026-03-29T01:00:00Z',
    '2026-10-25T00:30:00Z',
    '2026-10-25T01:30:00Z',
    '2026-07-31T23:30:00Z',
    '2026-08-01T00:30:00Z',
    '2026-05-31T23:59:59Z',
    '2026-06-30T22:59:59Z',
    '2026-06-30T23:00:00Z',
  ];
  const events: Ev[] = [];
  for (let i = 0; i < n; i++) {
    // A tenth of events come from occasional users spread over two years, so rolling 12-month windows
    // see gaps longer than a month and users dropping out of the window.
    const occasional = r() < 0.1;
    const time = occasional
      ? new Date(
          Date.parse('2024-09-01T00:00:00Z') +
            Math.floor(r() * (start + span - Date.parse('2024-09-01T00:00:00Z'))),
        ).toISOString()
      : r() < 0.15
        ? edges[Math.floor(r() * edges.length)]!
        : new Date(start + Math.floor(r() * span)).toISOString();
    const type = TYPES[Math.floor(r() * TYPES.length)]!;
    const level = type === 'registration' ? (r() < 0.7 ? 'P9' : 'P5') : r() < 0.9 ? 'P9' : 'P5';
    events.push({
      id: `e${Math.floor(r() * n * 0.95)}`, // some ids repeat: a duplicate must count once
      time,
      type,
      user: occasional ? `o${Math.floor(r() * 60)}` : `u${Math.floor(r() * 40)}`,
      practice: PRACTICE_CODES[Math.floor(r() * PRACTICE_CODES.length)]!,
      level,
      recordType: type === 'record_viewed' ? (r() < 0.5 ? 'summary' : 'detailed_coded') : '',
    });
  }
  return events;
}

// ---- The brute force, written without SQL ----
const londonDay = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/London',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});
function londonDate(iso: string): string {
  return londonDay.format(new Date(iso));
}
function weekStart(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  const dow = (d.getUTCDay() + 6) % 7; // Monday = 0
  return new Date(d.getTime() - dow * 86_400_000).toISOString().slice(0, 10);
}
const monthStart = (date: string) => `${date.slice(0, 7)}-01`;

function ancestorsAsRecorded(practice: string, date: string): Row | null {
  const releases = Object.keys(RELEASES).sort();
  const holding = releases.filter((r) => RELEASES[r]!.some((row) => row[0] === practice));
  if (holding.length === 0) return null;
  const inForce = holding.filter((r) => r <= date).pop() ?? holding[0]!;
  return RELEASES[inForce]!.find((row) => row[0] === practice)!;
}
function ancestorsCurrent(practice: string): Row | null {
  const releases = Object.keys(RELEASES).sort().reverse();
  for (const r of releases) {
    const row = RELEASES[r]!.find((x) => x[0] === practice);
    if (row) return row;
  }
  return null;
}

type Selector = { id: string; types: string[]; level?: string; recordType?: string; kind: string };

function addMonths(monthStartDate: string, n: number): string {
  const [y, m] = monthStartDate.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m - 1 + n, 1)).toISOString().slice(0, 10);
}

function bruteForce(events: Ev[], metrics: Selector[]) {
  const seen = new Set<string>();
  const unique = events.filter((e) => (seen.has(e.id) ? false : (seen.add(e.id), true))); // first occurrence wins
  const out = new Map<string, number>();
  const count = (metricId: string, grain: string, start: string, practiceCode: string, date: string) => {
    for (const structure of ['current', 'as_recorded'] as const) {
      const row =
        structure === 'current' ? ancestorsCurrent(practiceCode) : ancestorsAsRecorded(practiceCode, date);
      const [practice, pcn, sub, icb, region] = row ?? [
        'UNKNOWN',
        'UNKNOWN',
        'UNKNOWN',
        'UNKNOWN',
        'UNKNOWN',
      ];
      const levels: [string, string][] = [
        ['pcn', pcn],
        ['sub_icb', sub],
        ['icb', icb],
        ['region', region],
        ['england', 'E92000001'],
      ];
      if (structure === 'current') levels.unshift(['practice', practice]);
      for (const [level, code] of levels) {
        const key = [structure, metricId, grain, start, level, code].join('|');
        out.set(key, (out.get(key) ?? 0) + 1);
      }
    }
  };
  const later = (a: Ev, b: Ev) => a.time > b.time || (a.time === b.time && a.id > b.id);
  const lastMonth = unique
    .map((e) => monthStart(londonDate(e.time)))
    .sort()
    .pop()!;
  for (const m of metrics) {
    const matching = unique.filter(
      (e) =>
        m.types.includes(e.type) &&
        (!m.level || e.level === m.level) &&
        (!m.recordType || e.recordType === m.recordType),
    );
    if (m.kind === 'count') {
      for (const e of matching) {
        const date = londonDate(e.time);
        count(m.id, 'week', weekStart(date), e.practice, date);
        count(m.id, 'month', monthStart(date), e.practice, date);
      }
      continue;
    }
    // Unique users: in each period the user's last qualifying event decides where they count.
    const last = new Map<string, Ev>();
    for (const e of matching) {
      const date = londonDate(e.time);
      const periods =
        m.kind === 'unique'
          ? [
              ['week', weekStart(date)],
              ['month', monthStart(date)],
            ]
          : Array.from({ length: 12 }, (_, i) => ['month', addMonths(monthStart(date), i)]).filter(
              ([, p]) => p! <= lastMonth,
            );
      for (const [grain, start] of periods) {
        const key = `${grain}|${start}|${e.user}`;
        const prev = last.get(key);
        if (!prev || later(e, prev)) last.set(key, e);
      }
    }
    for (const [key, e] of last) {
      const [grain, start] = key.split('|') as [string, string];
      count(m.id, grain, start, e.practice, londonDate(e.time));
    }
  }
  return out;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'build-test-'));
let db: Warehouse;
beforeAll(async () => {
  db = await Warehouse.open(':memory:');
  await migrate(db);
  for (const [extract, rows] of Object.entries(RELEASES)) {
    for (const [practice, pcn, sub, icb, region] of rows) {
      await db.run(
        `INSERT INTO practice_map VALUES ($1::DATE, $2, 'Practice ' || $2, 'AB1 2CD', $3, 'PCN ' || $3, $4, NULL,
          'Sub-ICB ' || $4, $5, NULL, 'ICB ' || $5, $6, NULL, 'Region ' || $6, 'EMIS')`,
        [extract, practice, pcn, sub, icb, region],
      );
    }
  }
  await rebuildAreas(db);
});
afterAll(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('buildMetrics', () => {
  it('matches a brute-force count for every count and unique-user metric, grain, period, level and structure', async () => {
    const catalogue = loadCatalogue();
    const events = randomEvents(42, 3000);
    const file = path.join(dir, 'events.csv');
    const lines = events.map((e) =>
      [e.id, e.time, e.type, `s-${e.user}`, e.user, e.practice, e.level, 'ios', e.recordType].join(','),
    );
    fs.writeFileSync(
      file,
      [
        'event_id,event_time,event_type,session_id,user_id,practice_code,identity_level,channel,record_type',
        ...lines,
      ].join('\n'),
    );
    const loaded = await ingestEventFile(db, file);
    expect(loaded.rowsRejected).toBe(0);
    await buildMetrics(db, catalogue, fixedClock('2026-11-21T12:00:00Z'));

    const countMetrics: Selector[] = buildableMetrics(catalogue)
      .filter((m) => m.aggregation !== 'cumulative' && m.events!.types.every((t) => TYPES.includes(t)))
      .map((m) => ({
        id: m.id,
        types: m.events!.types,
        level: m.events!.where?.identity_level,
        recordType: m.events!.where?.record_type,
        kind:
          m.aggregation === 'event_count'
            ? 'count'
            : m.window === 'rolling_12_months'
              ? 'unique_12m'
              : 'unique',
      }));
    expect(countMetrics.map((m) => m.id)).toEqual(
      expect.arrayContaining([
        'logins',
        'registrations',
        'registrations_p9',
        'unique_logins',
        'unique_logins_12m',
        'users_ordering_prescriptions',
      ]),
    );
    const expected = bruteForce(events, countMetrics);
    const rows = await db.all<{ k: string; value: number }>(
      `SELECT concat_ws('|', structure, metric_id, grain, strftime(period_start, '%Y-%m-%d'), area_level, area_code) AS k, value
       FROM metric_value WHERE list_contains($1, metric_id)`,
      [listValue(countMetrics.map((m) => m.id))],
    );
    const actual = new Map(rows.map((r) => [r.k, r.value]));
    const diffs: string[] = [];
    for (const [k, v] of expected)
      if (actual.get(k) !== v) diffs.push(`${k}: expected ${v}, got ${actual.get(k)}`);
    for (const [k, v] of actual) if (!expected.has(k)) diffs.push(`${k}: unexpected ${v}`);
    expect(diffs.slice(0, 10)).toEqual([]);
    expect(actual.size).toBe(expected.size);
  });

  it('keeps running totals consistent with the counts they accumulate', async () => {
    const rows = await db.all<{ grain: string; period_start: string; value: number; base: number | null }>(
      `SELECT c.grain, c.period_start, c.value, b.value AS base
       FROM metric_value c LEFT JOIN metric_value b
         ON b.metric_id = 'registrations' AND b.structure = c.structure AND b.grain = c.grain
        AND b.area_level = c.area_level AND b.area_code = c.area_code AND b.period_start = c.period_start
       WHERE c.metric_id = 'registrations_cumulative' AND c.structure = 'current' AND c.area_level = 'england'
       ORDER BY c.grain, c.period_start`,
    );
    expect(rows.length).toBeGreaterThan(0);
    let running = 0;
    let grain = '';
    for (const r of rows) {
      if (r.grain !== grain) [grain, running] = [r.grain, 0];
      running += r.base ?? 0;
      expect(r.value).toBe(running);
    }
  });

  it('is atomic: a failing build leaves the previous figures', async () => {
    const before = await db.scalar<number>('SELECT count(*) FROM metric_value');
    const version = await db.scalar<string>("SELECT value FROM warehouse_meta WHERE key = 'data_version'");
    const broken = loadCatalogue().map((m) =>
      m.id === 'registrations_cumulative' ? { ...m, of: 'no_such_metric' } : m,
    );
    // A cumulative of a missing base is skipped by buildableMetrics; force a failure instead with a bad table.
    await db.run('ALTER TABLE data_day RENAME TO data_day_gone');
    await expect(buildMetrics(db, broken, fixedClock('2026-11-21T12:00:00Z'))).rejects.toThrow();
    await db.run('ALTER TABLE data_day_gone RENAME TO data_day');
    expect(await db.scalar<number>('SELECT count(*) FROM metric_value')).toBe(before);
    expect(await db.scalar<string>("SELECT value FROM warehouse_meta WHERE key = 'data_version'")).toBe(
      version,
    );
  });
});
