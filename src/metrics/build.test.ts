import { listValue } from '@duckdb/node-api';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock, type Clock } from '../domain/clock.ts';
import type { MetricDefinition } from '../domain/metric-definition.ts';
import { rebuildAreas } from '../ingest/reference/areas.ts';
import { ingestEventFile } from '../ingest/events.ts';
import { importFeedFile } from '../ingest/feeds/index.ts';
import { Warehouse } from '../warehouse/db.ts';
import { migrate } from '../warehouse/migrate.ts';
import { seededRandom } from '../demo/booking-journeys.ts';
import { RELEASES, type ReleaseRow } from '../../test/support/two-releases.ts';
import { buildableMetrics, buildMetrics, recentFrom } from './build.ts';
import { latestEventDate } from '../domain/canonical-event.ts';
import { loadCatalogue } from './catalogue.ts';
import { isKind } from '../domain/metric-kind.ts';
import { getMetricSeries } from '../query/series.ts';
import { getDataStatus } from '../query/status.ts';
import { getBreakdown } from '../query/breakdown.ts';
import { getBuildHistory } from '../query/build-history.ts';
import { getJumpOffBreakdown } from '../query/jump-offs.ts';

const CLI = path.resolve(import.meta.dirname, '../../bin/nhs-app-analytics.js');

/** Practice 13+ list sizes (one release, in force for every period); P00003, P00005 and Unknown have none. */
const LIST_SIZES_13PLUS: Record<string, number> = { P00001: 1000, P00002: 500, P00004: 300 };
const PRACTICE_CODES = ['P00001', 'P00002', 'P00003', 'P00004', 'P00005', 'ZZZ999', ''];
const TYPES = ['login', 'registration', 'prescription_ordered', 'record_viewed', 'appointment_booked'];

interface Ev {
  id: string;
  time: string;
  type: string;
  user: string;
  practice: string;
  level: string;
  recordType: string;
  /** P9 registrations: how the user was verified (NHS login route). */
  route?: string;
  provider?: string;
  service?: string;
}
const P9_ROUTES = ['IDVM', 'PYI', 'POL', 'PYI', 'IDVM'];
const PROVIDERS = ['Patients Know Best', 'Accurx Limited', 'eConsult Health Ltd'];
const SERVICES = ['messages', 'medical'];

function randomEvents(seed: number, n: number): Ev[] {
  const r = seededRandom(seed);
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
      // From the index, not the generator, so the other fields' random stream is unchanged.
      ...(type === 'registration' && level === 'P9' ? { route: P9_ROUTES[i % P9_ROUTES.length]! } : {}),
    });
  }
  return events;
}

/** The events with ids `${prefix}${i}`, every `every`-th made a jump-off to a provider and service. */
function withJumpOffs(events: Ev[], prefix: string, every: number): Ev[] {
  return events.map((e, i) =>
    i % every === 0
      ? {
          ...e,
          id: `${prefix}${i}`,
          type: 'jump_off',
          recordType: '',
          provider: PROVIDERS[i % 3]!,
          service: SERVICES[i % 2]!,
        }
      : { ...e, id: `${prefix}${i}` },
  );
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

function ancestorsAsRecorded(practice: string, date: string): ReleaseRow | null {
  const releases = Object.keys(RELEASES).sort();
  const holding = releases.filter((r) => RELEASES[r]!.some((row) => row[0] === practice));
  if (holding.length === 0) return null;
  const inForce = holding.filter((r) => r <= date).pop() ?? holding[0]!;
  return RELEASES[inForce]!.find((row) => row[0] === practice)!;
}
/** Whether a practice is open at a period start: listed in the practice-map release in force then. */
function openAt(practice: string, periodStart: string): boolean {
  const releases = Object.keys(RELEASES).sort();
  const inForce = releases.filter((r) => r <= periodStart).pop() ?? releases[0]!;
  return RELEASES[inForce]!.some((row) => row[0] === practice);
}
/** Whether a practice's figures count in rates at a period: open then, with a 13+ list size. */
function coveredAt(practice: string, periodStart: string): boolean {
  return practice in LIST_SIZES_13PLUS && openAt(practice, periodStart);
}
function ancestorsCurrent(practice: string): ReleaseRow | null {
  const releases = Object.keys(RELEASES).sort().reverse();
  for (const r of releases) {
    const row = RELEASES[r]!.find((x) => x[0] === practice);
    if (row) return row;
  }
  return null;
}

type Selector = {
  id: string;
  types: string[];
  level?: string;
  recordType?: string;
  route?: string;
  kind: string;
};

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
        // Rates leave out practices with no 13+ list size or closed at the period start (and Unknown):
        // today's structure only.
        if (structure === 'current' && !coveredAt(practice, start)) {
          out.set(`uncovered|${key}`, (out.get(`uncovered|${key}`) ?? 0) + 1);
        }
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
        (!m.recordType || e.recordType === m.recordType) &&
        (!m.route || e.route === m.route),
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
async function geographyWarehouse(): Promise<Warehouse> {
  const db = await Warehouse.open(':memory:');
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
  for (const [practice, patients] of Object.entries(LIST_SIZES_13PLUS)) {
    await db.run(
      "INSERT INTO list_size VALUES (DATE '2025-12-01', 'practice', $1, $2 + 200, $2, 'estimated', 'list_size_quinary')",
      [practice, patients],
    );
  }
  await rebuildAreas(db);
  return db;
}

function writeEvents(name: string, events: Ev[]): string {
  const file = path.join(dir, name);
  const lines = events.map((e) =>
    [
      e.id,
      e.time,
      e.type,
      `s-${e.user}`,
      e.user,
      e.practice,
      e.level,
      'ios',
      e.recordType,
      e.provider ?? '',
      e.service ?? '',
      e.route ?? '',
    ].join(','),
  );
  fs.writeFileSync(
    file,
    [
      'event_id,event_time,event_type,session_id,user_id,practice_code,identity_level,channel,record_type,provider,service,p9_route',
      ...lines,
    ].join('\n'),
  );
  return file;
}

async function dump(db: Warehouse): Promise<string[]> {
  const cube = await db.all<{ k: string }>(
    `SELECT concat_ws('|', structure, metric_id, grain, period_start, area_level, area_code, value, coalesce(uncovered, -1)) AS k
     FROM metric_value ORDER BY k`,
  );
  const dens = await db.all<{ k: string }>(
    `SELECT concat_ws('|', grain, period_start, area_level, area_code, patients_13plus, practices) AS k FROM area_denominator ORDER BY k`,
  );
  const days = await db.all<{ k: string }>(
    `SELECT concat_ws('|', day, events) AS k FROM data_day ORDER BY k`,
  );
  const jumpOffs = await db.all<{ k: string }>(
    `SELECT concat_ws('|', structure, metric_id, grain, period_start, area_level, area_code, provider, service, value) AS k
     FROM jump_off_value ORDER BY k`,
  );
  const userMonths = await db.all<{ k: string }>(
    // user_month holds integer user keys, assigned per warehouse in load order: compare by user id (ADR 0027).
    `SELECT concat_ws('|', m.sig, m.month, d.user_id, m.practice_key, m.attr_date) AS k
     FROM user_month m JOIN user_dim d ON d.user_key = m.user_id ORDER BY k`,
  );
  // Stored peer bands (step peer-bands): an incremental build recomputes those of the periods it touches.
  const bands = await db.all<{ k: string }>(
    `SELECT concat_ws('|', metric_id, area_level, grain, period_start, n, p10, p25, p50, p75, p90) AS k
     FROM peer_band ORDER BY k`,
  );
  return [...cube, ...dens, ...days, ...jumpOffs, ...userMonths, ...bands].map((r) => r.k);
}

/** Keys stored more than once in any table the build writes (the cube has no primary keys, for speed). */
async function duplicateKeys(db: Warehouse): Promise<string[]> {
  const tables: [string, string][] = [
    ['metric_cell', 'structure, metric_key, grain, period_start, area_key'],
    ['jump_off_cell', 'structure, metric_key, dim_key, grain, period_start, area_key'],
    ['area_den_cell', 'grain, period_start, area_key'],
    ['data_day', 'day'],
    ['user_month', 'sig, month, user_id'],
  ];
  const out: string[] = [];
  for (const [table, key] of tables) {
    const n = (await db.scalar<number>(
      `SELECT count(*) FROM (SELECT ${key} FROM ${table} GROUP BY ALL HAVING count(*) > 1)`,
    ))!;
    if (n > 0) out.push(`${table}: ${n} keys stored twice`);
  }
  return out;
}

beforeAll(async () => {
  db = await geographyWarehouse();
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
      [
        e.id,
        e.time,
        e.type,
        `s-${e.user}`,
        e.user,
        e.practice,
        e.level,
        'ios',
        e.recordType,
        e.route ?? '',
      ].join(','),
    );
    fs.writeFileSync(
      file,
      [
        'event_id,event_time,event_type,session_id,user_id,practice_code,identity_level,channel,record_type,p9_route',
        ...lines,
      ].join('\n'),
    );
    const loaded = await ingestEventFile(db, file);
    expect(loaded.rowsRejected).toBe(0);
    await buildMetrics(db, catalogue, fixedClock('2026-11-21T12:00:00Z'));

    const countMetrics: Selector[] = buildableMetrics(catalogue)
      .filter(
        (m) =>
          m.source === 'events' && m.events !== undefined && m.events.types.every((t) => TYPES.includes(t)),
      )
      .map((m) => ({
        id: m.id,
        types: m.events!.types,
        level: m.events!.where?.identity_level,
        recordType: m.events!.where?.record_type,
        route: m.events!.where?.p9_route,
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
        'registrations_non_pol',
        'unique_logins',
        'unique_logins_12m',
        'users_ordering_prescriptions',
      ]),
    );
    const expected = bruteForce(events, countMetrics);
    const rows = await db.all<{ k: string; value: number; uncovered: number | null }>(
      `SELECT concat_ws('|', structure, metric_id, grain, strftime(period_start, '%Y-%m-%d'), area_level, area_code) AS k,
              value, uncovered
       FROM metric_value WHERE list_contains($1, metric_id)`,
      [listValue(countMetrics.map((m) => m.id))],
    );
    const actual = new Map(rows.map((r) => [r.k, r.value]));
    for (const r of rows) if (r.uncovered) actual.set(`uncovered|${r.k}`, r.uncovered);
    const diffs: string[] = [];
    for (const [k, v] of expected)
      if (actual.get(k) !== v) diffs.push(`${k}: expected ${v}, got ${actual.get(k)}`);
    for (const [k, v] of actual) if (!expected.has(k)) diffs.push(`${k}: unexpected ${v}`);
    expect(diffs.slice(0, 10)).toEqual([]);
    expect(actual.size).toBe(expected.size);
  });

  it('`build --explain` lists the steps the build ran, in order; the build log records each one timed', async () => {
    // The steps the build above ran, from its build log (not from the list in build.ts).
    const build = (await db.one<{ build_id: number; ms: number }>(
      'SELECT build_id, epoch_ms(finished_at) - epoch_ms(started_at) AS ms FROM build_log ORDER BY build_id DESC LIMIT 1',
    ))!;
    const ran = await db.all<{ step: string; millis: number }>(
      'SELECT step, CAST(millis AS DOUBLE) AS millis FROM build_step WHERE build_id = $1 ORDER BY step_no',
      [build.build_id],
    );
    // What the command prints, from the real CLI (it needs no warehouse).
    const out = spawnSync(process.execPath, [CLI, 'build', '--explain'], { encoding: 'utf8' });
    expect(out.status, out.stderr).toBe(0);
    const explained = [...out.stdout.matchAll(/^\s*\d+\. (\S+)$/gm)].map((m) => m[1]);
    expect(out.stdout).toMatch(/reads: +\S/);
    expect(out.stdout).toMatch(/writes: +\S/);
    expect(ran.length).toBeGreaterThan(10);
    expect(explained).toEqual(ran.map((r) => r.step));
    // Every step timed; together no longer than the build (started_at is finished_at less the duration).
    for (const r of ran) expect(r.millis).toBeGreaterThanOrEqual(0);
    const total = ran.reduce((sum, r) => sum + r.millis, 0);
    expect(total).toBeGreaterThan(0);
    expect(total).toBeLessThanOrEqual(Number(build.ms) + 1);
  });

  it.each([
    ['registrations_cumulative', 'registrations'],
    ['registrations_non_pol_cumulative', 'registrations_non_pol'],
  ])('keeps running totals (%s) consistent with the counts they accumulate', async (cumulative, base) => {
    const rows = await db.all<{
      grain: string;
      period_start: string;
      value: number;
      base: number | null;
      uncovered: number;
      base_uncovered: number | null;
    }>(
      `SELECT c.grain, c.period_start, c.value, b.value AS base, c.uncovered, b.uncovered AS base_uncovered
       FROM metric_value c LEFT JOIN metric_value b
         ON b.metric_id = $2 AND b.structure = c.structure AND b.grain = c.grain
        AND b.area_level = c.area_level AND b.area_code = c.area_code AND b.period_start = c.period_start
       WHERE c.metric_id = $1 AND c.structure = 'current' AND c.area_level = 'england'
       ORDER BY c.grain, c.period_start`,
      [cumulative, base],
    );
    expect(rows.length).toBeGreaterThan(0);
    // Each practice's running total (Unknown included), to find the part held by practices not covered.
    const practiceRows = await db.all<{ grain: string; period_start: string; code: string; value: number }>(
      `SELECT grain, CAST(period_start AS VARCHAR) AS period_start, area_code AS code, value FROM metric_value
       WHERE metric_id = $1 AND structure = 'current' AND area_level = 'practice'`,
      [cumulative],
    );
    let running = 0;
    let grain = '';
    let sawUncovered = false;
    for (const r of rows) {
      if (r.grain !== grain) [grain, running] = [r.grain, 0];
      running += r.base ?? 0;
      expect(r.value).toBe(running);
      // The uncovered part: running totals of practices without a 13+ list size, or closed, at the period.
      const start = String(r.period_start).slice(0, 10);
      const uncovered = practiceRows
        .filter((p) => p.grain === r.grain && p.period_start === start && !coveredAt(p.code, start))
        .reduce((sum, p) => sum + p.value, 0);
      expect(r.uncovered).toBe(uncovered);
      if (uncovered > 0) sawUncovered = true;
    }
    expect(sawUncovered).toBe(true);
  });

  it('stores the percentage of registrations to date that are non-Patient Online, from the two running totals', async () => {
    const rows = await db.all<{ k: string; pct: number | null; non_pol: number | null; all: number }>(
      `SELECT concat_ws('|', a.structure, a.grain, a.period_start, a.area_level, a.area_code) AS k,
              p.value AS pct, n.value AS non_pol, a.value AS all
       FROM metric_value a
       LEFT JOIN metric_value n
         ON n.metric_id = 'registrations_non_pol_cumulative' AND n.structure = a.structure AND n.grain = a.grain
        AND n.period_start = a.period_start AND n.area_level = a.area_level AND n.area_code = a.area_code
       LEFT JOIN metric_value p
         ON p.metric_id = 'registrations_non_pol_cumulative_pct' AND p.structure = a.structure
        AND p.grain = a.grain AND p.period_start = a.period_start AND p.area_level = a.area_level
        AND p.area_code = a.area_code
       WHERE a.metric_id = 'registrations_cumulative' AND a.value > 0`,
    );
    expect(rows.length).toBeGreaterThan(100);
    const wrong = rows.filter(
      (r) => r.pct === null || Math.abs(r.pct - ((r.non_pol ?? 0) / r.all) * 100) > 1e-9,
    );
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(rows.some((r) => r.pct! > 0 && r.pct! < 100)).toBe(true);
    // No percentage where there is no running total of registrations.
    expect(
      await db.scalar<number>(
        "SELECT count(*) FROM metric_value WHERE metric_id = 'registrations_non_pol_cumulative_pct'",
      ),
    ).toBe(rows.length);
    // Served like any stored figure, by the series reader.
    const status = await getDataStatus(db);
    const catalogue = loadCatalogue();
    const pct = catalogue.find((m) => m.id === 'registrations_non_pol_cumulative_pct')!;
    const series = await getMetricSeries(
      db,
      status,
      pct,
      { level: 'england', code: 'E92000001', grain: 'month', structure: 'current', includePartial: true },
      catalogue,
    );
    const england = new Map(
      rows
        .filter((r) => r.k.startsWith('current|month|') && r.k.includes('|england|'))
        .map((r) => [r.k.split('|')[2], r.pct]),
    );
    expect(series.length).toBe(england.size);
    for (const p of series) expect(p.value).toBe(england.get(p.periodStart));
    expect(series[0]!.numerator).toBeUndefined();
  });

  it("rolls 13+ list sizes up today's structure as rate denominators", async () => {
    const rows = await db.all<{
      area_level: string;
      area_code: string;
      patients_13plus: number;
      practices: number;
    }>(
      `SELECT DISTINCT area_level, area_code, patients_13plus, practices FROM area_denominator
       WHERE grain = 'month' ORDER BY area_level, area_code, patients_13plus`,
    );
    // P00001 + P00002 sit in PCN U00001 (1,500); P00004 sits under U00003 on today's structure until it
    // closes (gone from the August release): from then on it is in no denominator.
    expect(rows).toEqual([
      { area_level: 'england', area_code: 'E92000001', patients_13plus: 1500, practices: 2 },
      { area_level: 'england', area_code: 'E92000001', patients_13plus: 1800, practices: 3 },
      { area_level: 'icb', area_code: 'QA3', patients_13plus: 300, practices: 1 },
      { area_level: 'icb', area_code: 'QA9', patients_13plus: 1500, practices: 2 },
      { area_level: 'pcn', area_code: 'U00001', patients_13plus: 1500, practices: 2 },
      { area_level: 'pcn', area_code: 'U00003', patients_13plus: 300, practices: 1 },
      { area_level: 'practice', area_code: 'P00001', patients_13plus: 1000, practices: 1 },
      { area_level: 'practice', area_code: 'P00002', patients_13plus: 500, practices: 1 },
      { area_level: 'practice', area_code: 'P00004', patients_13plus: 300, practices: 1 },
      { area_level: 'region', area_code: 'Y56', patients_13plus: 1500, practices: 2 },
      { area_level: 'region', area_code: 'Y58', patients_13plus: 300, practices: 1 },
      { area_level: 'sub_icb', area_code: '00A', patients_13plus: 1500, practices: 2 },
      { area_level: 'sub_icb', area_code: '00C', patients_13plus: 300, practices: 1 },
    ]);
  });

  it('serves rates over practices with a list size only, with their coverage', async () => {
    const catalogue = loadCatalogue();
    const status = await getDataStatus(db);
    const get = (id: string) => catalogue.find((m) => m.id === id)!;
    const req = { grain: 'month' as const, includePartial: true, structure: 'current' as const };
    const england = await getMetricSeries(
      db,
      status,
      get('logins_per_1000'),
      { ...req, level: 'england', code: 'E92000001' },
      catalogue,
    );
    const byPractice = async (code: string) =>
      getMetricSeries(db, status, get('logins'), { ...req, level: 'practice', code }, catalogue);
    const [p1, p2, p3, p4, p5] = await Promise.all(
      ['P00001', 'P00002', 'P00003', 'P00004', 'P00005'].map(byPractice),
    );
    const all = await getMetricSeries(
      db,
      status,
      get('logins'),
      { ...req, level: 'england', code: 'E92000001' },
      catalogue,
    );
    expect(england.length).toBeGreaterThan(5);
    expect(england.map((p) => p.periodStart)).toEqual(all.map((p) => p.periodStart));
    england.forEach((point, i) => {
      // The practices with a list size, P00004 until it closes.
      const p4Open = openAt('P00004', point.periodStart);
      const covered = p1![i]!.value + p2![i]!.value + (p4Open ? p4![i]!.value : 0);
      const patients = p4Open ? 1800 : 1500;
      expect(point.numerator).toBe(covered);
      expect(point.denominator).toBe(patients);
      expect(point.value).toBeCloseTo((covered / patients) * 1000, 9);
      if (all[i]!.value === 0) expect(point.coverage).toBeNull();
      else expect(point.coverage).toBeCloseTo(covered / all[i]!.value, 9);
      // plus Unknown
      expect(all[i]!.value - covered).toBeGreaterThanOrEqual(
        p3![i]!.value + p5![i]!.value + (p4Open ? 0 : p4![i]!.value),
      );
    });
    const pct = await getMetricSeries(
      db,
      status,
      get('registered_pct_13plus'),
      { ...req, level: 'pcn', code: 'U00001' },
      catalogue,
    );
    const cum = async (code: string) =>
      getMetricSeries(
        db,
        status,
        get('registrations_cumulative'),
        { ...req, level: 'practice', code },
        catalogue,
      );
    const [c1, c2] = await Promise.all([cum('P00001'), cum('P00002')]);
    pct.forEach((point, i) => {
      expect(point.numerator).toBe(c1![i]!.value + c2![i]!.value);
      expect(point.value).toBeCloseTo(((c1![i]!.value + c2![i]!.value) / 1500) * 100, 9);
    });
    const patients = await getMetricSeries(
      db,
      status,
      get('patients_13plus'),
      { ...req, level: 'icb', code: 'QA9' },
      catalogue,
    );
    expect(new Set(patients.map((p) => p.value))).toEqual(new Set([1500]));
  });

  it.each([
    ['the last weeks only', false],
    ['the last weeks and late events from earlier months', true],
  ])('an incremental build for %s gives exactly the figures of a full rebuild', async (_name, withLate) => {
    const catalogue = loadCatalogue();
    const clock = fixedClock('2026-11-21T12:00:00Z');
    const events = randomEvents(7, 2500).map((e, i) => ({ ...e, id: `n${i}` }));
    const withJumpOffs = events.map((e, i) =>
      i % 11 === 0
        ? { ...e, type: 'jump_off', recordType: '', provider: PROVIDERS[i % 3]!, service: SERVICES[i % 2]! }
        : e,
    );
    events.splice(0, events.length, ...withJumpOffs);
    const cut = '2026-09-14T00:00:00Z';
    // The new delivery: the weeks after the cut plus a few late events from earlier months.
    const late = (e: Ev, i: number) => withLate && i % 97 === 0 && e.time >= '2026-05-01';
    const first = events.filter((e, i) => e.time < cut && !late(e, i));
    const second = events.filter((e, i) => e.time >= cut || late(e, i));
    const incremental = await geographyWarehouse();
    const full = await geographyWarehouse();
    try {
      await ingestEventFile(incremental, writeEvents('first.csv', first));
      await buildMetrics(incremental, catalogue, clock);
      const loaded = await ingestEventFile(incremental, writeEvents('second.csv', second));
      const result = await buildMetrics(incremental, catalogue, clock, {
        from: loaded.firstEventDate!,
        to: loaded.lastEventDate!,
      });
      expect(result.incremental).toBe(true);
      const history = await getBuildHistory(incremental, 10);
      expect(history.map((h) => h.kind)).toEqual(['incremental', 'full']);
      expect(history[0]).toMatchObject({
        dataVersion: result.dataVersion,
        rowsWritten: result.rows,
        eventsTotal: await incremental.scalar<number>('SELECT count(*) FROM activity_event'),
      });
      // It recomputed from the month or week holding the first new event, not from the start.
      const firstNew = loaded.firstEventDate!;
      expect(history[0]!.firstPeriod! <= firstNew).toBe(true);
      expect(history[0]!.firstPeriod! > history[1]!.firstPeriod!).toBe(true);
      expect(history[0]!.startedAt <= history[0]!.finishedAt).toBe(true);
      await ingestEventFile(full, writeEvents('all.csv', events));
      await buildMetrics(full, catalogue, clock);
      const [a, b] = [await dump(incremental), await dump(full)];
      expect(a.length).toBe(b.length);
      expect(a.filter((x, i) => x !== b[i]).slice(0, 5)).toEqual([]);
    } finally {
      incremental.close();
      full.close();
    }
  });

  // Step peer-bands in an incremental build: a rate recomputes the periods from the window's start only, unless
  // how it was computed changed (then all of it); rates no longer drawn are dropped.
  it('an incremental build recomputes peer bands from the window only, a changed rate whole, and drops rates not drawn', async () => {
    const catalogue = loadCatalogue();
    const clock = fixedClock('2026-11-21T12:00:00Z');
    const events = randomEvents(5, 1500).map((e, i) => ({ ...e, id: `b${i}` }));
    const cut = '2026-09-14T00:00:00Z';
    const bands = async (db: Warehouse, where: string) =>
      (
        await db.all<{ k: string }>(
          `SELECT concat_ws('|', metric_id, area_level, grain, period_start, n, p10, p25, p50, p75, p90) AS k
           FROM peer_band WHERE ${where} ORDER BY k`,
        )
      ).map((r) => r.k);
    const incremental = await geographyWarehouse();
    const full = await geographyWarehouse();
    try {
      await ingestEventFile(full, writeEvents('bands-all.csv', events));
      await buildMetrics(full, catalogue, clock);
      await ingestEventFile(
        incremental,
        writeEvents(
          'bands-a.csv',
          events.filter((e) => e.time < cut),
        ),
      );
      await buildMetrics(incremental, catalogue, clock);
      // As if logins_per_1000 had been stored with another multiplier, and a rate no longer drawn were stored.
      await incremental.run("UPDATE peer_band_metric SET multiplier = 7 WHERE metric_id = 'logins_per_1000'");
      await incremental.run("UPDATE peer_band SET p50 = -1 WHERE period_start < '2026-06-01'");
      await incremental.run(
        "INSERT INTO peer_band VALUES ('retired_rate', 'pcn', 'month', '2026-01-01', 1, 1, 1, 1, 1, 1)",
      );
      await incremental.run("INSERT INTO peer_band_metric VALUES ('retired_rate', 'logins', 1, 1)");
      const loaded = await ingestEventFile(
        incremental,
        writeEvents(
          'bands-b.csv',
          events.filter((e) => e.time >= cut),
        ),
      );
      await buildMetrics(incremental, catalogue, clock, {
        from: loaded.firstEventDate!,
        to: loaded.lastEventDate!,
      });
      // The changed rate: every period recomputed, as a full build stores it.
      const changed = "metric_id = 'logins_per_1000'";
      expect((await bands(full, changed)).length).toBeGreaterThan(0);
      expect(await bands(incremental, changed)).toEqual(await bands(full, changed));
      // The others: the periods before the window are left as they were (here marked), the rest recomputed.
      const early = "metric_id <> 'logins_per_1000' AND period_start < '2026-06-01'";
      expect((await bands(incremental, early)).length).toBeGreaterThan(0);
      expect(
        await incremental.scalar<number>(`SELECT count(*) FROM peer_band WHERE ${early} AND p50 <> -1`),
      ).toBe(0);
      const recent = "metric_id <> 'logins_per_1000' AND period_start >= '2026-08-31'";
      expect((await bands(full, recent)).length).toBeGreaterThan(0);
      expect(await bands(incremental, recent)).toEqual(await bands(full, recent));
      expect(await bands(incremental, "metric_id = 'retired_rate'")).toEqual([]);
      const held = (db: Warehouse) =>
        db.all(
          'SELECT metric_id, numerator_id, multiplier, patient_scale FROM peer_band_metric ORDER BY ALL',
        );
      expect(await held(incremental)).toEqual(await held(full));
    } finally {
      incremental.close();
      full.close();
    }
  });

  // Issue 16.1: a delivery whose first event falls in a week that began in the previous month (e.g. Friday
  // 2 October 2026, week of Monday 28 September) made the incremental build insert September's running totals
  // and patients of all ages a second time. Cut the same events on every day of that week and of the week
  // across the structure change (Saturday 1 August), and compare every stored figure with a full rebuild.
  it('an incremental build starting on any weekday across a month end equals a full rebuild, with no duplicate keys', async () => {
    const catalogue = loadCatalogue();
    const clock = fixedClock('2026-11-21T12:00:00Z');
    const events = withJumpOffs(randomEvents(11, 1200), 'm', 13);
    const cutDays = [
      ...['2026-09-28', '2026-09-29', '2026-09-30', '2026-10-01', '2026-10-02', '2026-10-03', '2026-10-04'],
      ...['2026-07-31', '2026-08-01'],
      // Within the last month: the stored rolling 12-month state (at September) is used as it is (ADR 0034).
      '2026-10-20',
    ];
    // Three logins on each cut day, so every delivery starts exactly there.
    cutDays.forEach((day, d) => {
      for (let k = 0; k < 3; k++) {
        events.push({
          id: `c${d}-${k}`,
          time: `${day}T11:0${k}:00Z`,
          type: 'login',
          user: `u${d + k}`,
          practice: PRACTICE_CODES[k]!,
          level: 'P9',
          recordType: '',
        });
      }
    });
    await expectIncrementalLikeFull(catalogue, clock, events, cutDays, 'cut', { startsOnCut: true });
  });

  // A delivery of Wednesday 14 to Friday 16 October 2026 (a late one: later days were loaded before it) changes
  // the week of 12 October and the month of October, nothing else of them: the other weeks of October keep
  // their stored counts and users (a build once rewrote every week of the month, a quarter of a new week's
  // cells), and every stored figure is what a full rebuild of all the events gives.
  it('an incremental build rewrites the weeks of its dates and their month, not the month’s other weeks', async () => {
    const catalogue = loadCatalogue();
    const clock = fixedClock('2026-11-21T12:00:00Z');
    const events = withJumpOffs(randomEvents(17, 1500), 'w', 11);
    // Logins and jump-offs on every day of October, so that each of its weeks has stored cells.
    for (let day = 1; day <= 31; day++) {
      events.push({
        id: `oct${day}`,
        time: `2026-10-${String(day).padStart(2, '0')}T10:00:00Z`,
        type: day % 2 ? 'login' : 'jump_off',
        user: `d${day % 7}`,
        practice: PRACTICE_CODES[day % 3]!,
        level: 'P9',
        recordType: '',
        ...(day % 2 ? {} : { provider: PROVIDERS[day % 3]!, service: SERVICES[day % 2]! }),
      });
    }
    const late = (e: Ev) => londonDate(e.time) >= '2026-10-14' && londonDate(e.time) <= '2026-10-16';
    expect(events.filter(late).length).toBeGreaterThan(0);
    const fromEvents = catalogue
      .filter((m) => m.events && (isKind(m, 'count') || isKind(m, 'unique_users')))
      .map((m) => m.id);
    const others = "grain = 0 AND period_start IN ('2026-10-05', '2026-10-19', '2026-10-26')";
    const full = await geographyWarehouse();
    const incremental = await geographyWarehouse();
    const marked = await geographyWarehouse();
    try {
      await ingestEventFile(full, writeEvents('weeks-all.csv', events));
      await buildMetrics(full, catalogue, clock);
      for (const wh of [incremental, marked]) {
        await ingestEventFile(
          wh,
          writeEvents(
            'weeks-a.csv',
            events.filter((e) => !late(e)),
          ),
        );
        await buildMetrics(wh, catalogue, clock);
      }
      // The other weeks' counts and users marked (negated, less one) where a rewrite would replace them.
      await marked.run(
        `UPDATE metric_cell SET value = -value - 1 WHERE ${others}
         AND metric_key IN (SELECT metric_key FROM metric_dim WHERE list_contains($1, metric_id))`,
        [listValue(fromEvents)],
      );
      await marked.run(`UPDATE jump_off_cell SET value = -value - 1 WHERE ${others}`);
      // (Ratios of the marked figures, recomputed from them, are not counted.)
      const count = async (table: string) =>
        Number(
          await marked.scalar<number>(
            `SELECT count(*) FROM ${table} WHERE ${others} AND value < 0
             AND metric_key IN (SELECT metric_key FROM metric_dim WHERE list_contains($1, metric_id))`,
            [listValue([...fromEvents, 'jump_off_clicks'])],
          ),
        );
      const [cells, jumpOffs] = [await count('metric_cell'), await count('jump_off_cell')];
      expect(cells).toBeGreaterThan(100);
      expect(jumpOffs).toBeGreaterThan(10);
      for (const wh of [incremental, marked]) {
        const loaded = await ingestEventFile(wh, writeEvents('weeks-b.csv', events.filter(late)));
        expect([loaded.firstEventDate, loaded.lastEventDate]).toEqual(['2026-10-14', '2026-10-16']);
        await buildMetrics(wh, catalogue, clock, { from: loaded.firstEventDate!, to: loaded.lastEventDate! });
      }
      expect([await count('metric_cell'), await count('jump_off_cell')]).toEqual([cells, jumpOffs]);
      // Their week and month were rewritten: none of their cells is marked.
      expect(
        await marked.scalar<number>(
          "SELECT count(*) FROM metric_cell WHERE value < 0 AND period_start IN ('2026-10-01', '2026-10-12')",
        ),
      ).toBe(0);
      expect(await duplicateKeys(incremental)).toEqual([]);
      const [got, expected] = [await dump(incremental), await dump(full)];
      expect(got.length).toBe(expected.length);
      expect(got.filter((x, i) => x !== expected[i]).slice(0, 3)).toEqual([]);
    } finally {
      full.close();
      incremental.close();
      marked.close();
    }
  });

  // Running totals are recomputed from the week and month of the first changed date, opening from the stored
  // totals of the period before, even when the window (which starts on the first of the month) reaches back
  // to the first loaded day: here the data start on Wednesday 2 September and later loads in that month.
  it('an incremental build in the month of the first loaded day gives the running totals of a full rebuild', async () => {
    const catalogue = loadCatalogue();
    const clock = fixedClock('2026-11-21T12:00:00Z');
    const events = randomEvents(13, 1500)
      .filter((e) => londonDate(e.time) >= '2026-09-02')
      .map((e, i) => ({ ...e, id: `f${i}` }));
    for (let k = 0; k < 3; k++) {
      events.push({
        id: `f-first-${k}`,
        time: `2026-09-02T1${k}:00:00Z`,
        type: k === 0 ? 'login' : 'registration',
        user: `first${k}`,
        practice: PRACTICE_CODES[k]!,
        level: 'P9',
        recordType: '',
      });
    }
    await expectIncrementalLikeFull(
      catalogue,
      clock,
      events,
      ['2026-09-03', '2026-09-09', '2026-09-16'],
      'first',
    );
  });

  // Issue 16.2: events are now rejected at ingest outside 2018..tomorrow, but a warehouse may already hold one
  // (loaded before the check, here through a clock set in 2062): the build must stay within the plausible span.
  it('never builds periods outside the plausible span, whatever far-dated events are stored', async () => {
    const catalogue = loadCatalogue();
    const clock = fixedClock('2026-11-21T12:00:00Z');
    const events = randomEvents(5, 300).map((e, i) => ({ ...e, id: `f${i}` }));
    const far = { ...events[0]!, id: 'far', time: '2062-11-05T10:00:00Z' };
    const poisoned = await geographyWarehouse();
    const clean = await geographyWarehouse();
    try {
      await ingestEventFile(poisoned, writeEvents('far-a.csv', [...events, far]), {
        now: new Date('2062-12-01T00:00:00Z'),
      });
      expect(
        await poisoned.scalar<number>("SELECT count(*) FROM activity_event WHERE event_id = 'far'"),
      ).toBe(1);
      await buildMetrics(poisoned, catalogue, clock);
      const latest = await poisoned.scalar<string>(
        'SELECT CAST(max(period_start) AS VARCHAR) FROM metric_cell',
      );
      expect(latest! <= '2026-12-31').toBe(true);
      // An incremental build for the stray date recomputes nothing beyond the span either.
      await buildMetrics(poisoned, catalogue, clock, { from: '2062-11-05', to: '2062-11-05' });
      await ingestEventFile(clean, writeEvents('far-b.csv', events));
      await buildMetrics(clean, catalogue, clock);
      const [a, b] = [await dump(poisoned), await dump(clean)];
      expect(a.filter((x) => !b.includes(x)).slice(0, 3)).toEqual([]);
      expect(a.length).toBe(b.length);
    } finally {
      poisoned.close();
      clean.close();
    }
  });

  // Issue 16.7: estimated (fractional) list sizes summed as doubles gave 1623146.9999999993 in one build and
  // 1623147.0000000007 in another. The same list sizes stored in another order must give the same cells, bit for bit.
  it('rolls fractional list sizes up to the same denominators whatever order they are stored in', async () => {
    const catalogue = loadCatalogue();
    const clock = fixedClock('2026-11-21T12:00:00Z');
    const sizes = Array.from(
      { length: 3000 },
      (_, i) => [`Q${String(i).padStart(5, '0')}`, 1000 + i / 3 + 0.1 * (i % 7)] as const,
    );
    const build = async (order: readonly (readonly [string, number])[]) => {
      const w = await geographyWarehouse();
      try {
        await w.run('DELETE FROM list_size');
        await w.run('DELETE FROM practice_map');
        // One append, not 3,000 inserts (15 s of the test on a slow machine).
        await w.append(
          'practice_map',
          sizes.map(([code]) => [
            '2026-01-01',
            code,
            'Practice',
            'AB1 2CD',
            'U00001',
            'PCN',
            '00A',
            null,
            'Sub-ICB',
            'QA1',
            null,
            'ICB',
            'Y56',
            null,
            'Region',
            'EMIS',
          ]),
        );
        await w.append(
          'list_size',
          order.map(([code, n]) => [
            '2025-12-01',
            'practice',
            code,
            Math.round(n * 1.2),
            n,
            'estimated',
            'list_size_quinary',
          ]),
        );
        await rebuildAreas(w);
        await ingestEventFile(
          w,
          writeEvents(
            `order-${order[0]![0]}.csv`,
            randomEvents(3, 50).map((e) => ({ ...e, practice: 'Q00001' })),
          ),
        );
        await buildMetrics(w, catalogue, clock);
        return await w.all<{ k: string }>(
          "SELECT concat_ws('|', grain, period_start, area_level, area_code, CAST(patients_13plus AS VARCHAR)) AS k FROM area_denominator WHERE area_level <> 'practice' ORDER BY k",
        );
      } finally {
        w.close();
      }
    };
    const forward = await build(sizes);
    const backward = await build([...sizes].reverse());
    expect(forward.length).toBeGreaterThan(0);
    expect(backward.filter((x, i) => x.k !== forward[i]!.k).slice(0, 3)).toEqual([]);
  });

  it('builds feed metrics from the NHS files: practice snapshot, partners, downloads and POMI', async () => {
    const feeds = await geographyWarehouse();
    try {
      const snapshotHeader =
        'Date,OdsCode,P5NewAppUsers,AcceptedTermsAndConditions,P9VerifiedNHSAppUsers,Logins,RecordViews,Prescriptions,NomPharmacy,AppointmentsBooked,AppointmentsCancelled,ODRegistrations,ODWithdrawals,ODUpdates,ODLookups,RecordViewsDCR,RecordViewsSCR';
      const days = [
        '2026-03-23',
        '2026-03-24',
        '2026-03-25',
        '2026-03-26',
        '2026-03-27',
        '2026-03-28',
        '2026-03-29',
      ];
      const rows: string[] = [];
      days.forEach((d, i) => {
        rows.push(`${d},P00001,1,2,3,${10 + i},5,6,0,1,0,0,0,0,0,2,3`);
        rows.push(`${d},P00003,0,1,1,${20 + i},1,1,0,0,0,0,0,0,0,0,1`);
        rows.push(`${d},Z99999,0,0,0,1,0,0,0,0,0,0,0,0,0,0,0`); // not a practice we know: Unknown
      });
      const snapshot = path.join(dir, 'nhs_app_table_snapshot_2026_03_29.csv');
      fs.writeFileSync(snapshot, [snapshotHeader, ...rows].join('\n') + '\n');
      await importFeedFile(feeds, 'practice-snapshot', snapshot);
      const partners = path.join(dir, 'WeeklyIntegratedPartners_NHSApp_Counts_20260329.csv');
      fs.writeFileSync(
        partners,
        [
          'Date,OdsCode,Provider,JumpOff,Clicks',
          ...days.map((d) => `${d},P00002,Patients Know Best,messagesCie,4`),
        ].join('\n') + '\n',
      );
      await importFeedFile(feeds, 'integrated-partners', partners);
      const downloads = path.join(dir, 'WeeklyDownloads_NHSApp_Counts_20260329.csv');
      fs.writeFileSync(
        downloads,
        ['Date,Type,Count', ...days.flatMap((d) => [`${d},Apple,100`, `${d},Google,50`])].join('\n') + '\n',
      );
      await importFeedFile(feeds, 'downloads', downloads);
      const pomi = path.join(dir, 'pomi.csv');
      fs.writeFileSync(
        pomi,
        [
          'Report_Period_End,Region_Code,Subregion_Code,CCG_Code,Practice_Code,System_Supplier,Field,Value,Effective_Snapshot_Date,DataSourceFileForThisSnapshot_Version,Report_Period_Length,Unique_ID,AuditKey',
          '2026-03-31,Y56,QA1,00A,P00001,EMIS,Total_Pat_Enbld,700,2026-03-31,1,Monthly,1,1',
          '2026-03-31,Y56,QA1,00A,P00002,EMIS,Total_Pat_Enbld,300,2026-03-31,1,Monthly,2,1',
          '2026-03-31,Y56,QA1,00A,P00001,EMIS,patient_list_size,1000,2026-03-31,1,Monthly,3,1',
          '2026-03-31,Y56,QA1,00A,P00002,EMIS,patient_list_size,600,2026-03-31,1,Monthly,4,1',
          '2026-03-31,Y56,QA2,00B,P00003,TPP,Total_Pat_Enbld,100,2026-03-31,1,Monthly,5,1',
          '2026-03-31,Y56,QA2,00B,P00003,TPP,patient_list_size,400,2026-03-31,1,Monthly,6,1',
          // Only a list size: no patients enabled reported, so no percentage for this practice.
          '2026-03-31,Y58,QA3,00C,P00005,TPP,patient_list_size,500,2026-03-31,1,Monthly,7,1',
        ].join('\n') + '\n',
      );
      await importFeedFile(feeds, 'pomi', pomi);
      await buildMetrics(feeds, loadCatalogue(), fixedClock('2026-11-21T12:00:00Z'));
      const value = async (metric: string, grain: string, period: string, level: string, code: string) =>
        feeds.scalar<number>(
          `SELECT value FROM metric_value WHERE structure = 'current' AND metric_id = $1 AND grain = $2
             AND period_start = $3 AND area_level = $4 AND area_code = $5`,
          [metric, grain, period, level, code],
        );
      // Week of 23 March 2026 (the clocks went forward on its Sunday; feed dates are London dates already).
      expect(await value('snapshot_logins', 'week', '2026-03-23', 'practice', 'P00001')).toBe(7 * 10 + 21);
      expect(await value('snapshot_logins', 'week', '2026-03-23', 'england', 'E92000001')).toBe(91 + 161 + 7);
      expect(await value('snapshot_logins', 'week', '2026-03-23', 'region', 'UNKNOWN')).toBe(7);
      expect(await value('snapshot_record_views_scr', 'month', '2026-03-01', 'pcn', 'U00001')).toBe(21);
      expect(await value('partner_jump_off_clicks', 'week', '2026-03-23', 'icb', 'QA9')).toBe(28);
      expect(await value('downloads_apple', 'week', '2026-03-23', 'england', 'E92000001')).toBe(700);
      expect(await value('downloads', 'week', '2026-03-23', 'england', 'E92000001')).toBe(1050);
      expect(await value('pomi_patients_enabled', 'month', '2026-03-01', 'sub_icb', '00A')).toBe(1000);
      // % registered for Patient Online = Σ Total_Pat_Enbld ÷ Σ patient_list_size over the area's practices.
      const pct = (level: string, code: string) =>
        value('pomi_patients_enabled_pct', 'month', '2026-03-01', level, code);
      expect(await pct('practice', 'P00001')).toBeCloseTo(70, 12);
      expect(await pct('pcn', 'U00001')).toBeCloseTo((1000 / 1600) * 100, 12);
      expect(await pct('sub_icb', '00A')).toBeCloseTo((1000 / 1600) * 100, 12);
      expect(await pct('icb', 'QA9')).toBeCloseTo((1100 / 2000) * 100, 12);
      expect(await pct('region', 'Y56')).toBeCloseTo(55, 12);
      expect(await pct('practice', 'P00005')).toBeUndefined();
      expect(await pct('region', 'Y58')).toBeUndefined();
      expect(await pct('england', 'E92000001')).toBeCloseTo((1100 / 2500) * 100, 12);
      // Monthly only; the weekly grain has no figures.
      expect(
        await feeds.scalar<number>(
          `SELECT count(*) FROM metric_value WHERE metric_id = 'pomi_patients_enabled_pct' AND grain = 'week'`,
        ),
      ).toBe(0);
      // The loaded days come from the feed when there are no events.
      expect(await feeds.scalar<number>('SELECT count(*) FROM data_day')).toBe(7);
    } finally {
      feeds.close();
    }
  });

  it('breaks an area down into its children, whose figures and shares add up to it', async () => {
    const status = await getDataStatus(db);
    const catalogue = loadCatalogue();
    const logins = catalogue.find((m) => m.id === 'unique_logins')!;
    const england = await getMetricSeries(db, status, logins, {
      level: 'england',
      code: 'E92000001',
      grain: 'month',
      structure: 'current',
      includePartial: true,
    });
    const month = england[england.length - 2]!;
    const regions = await getBreakdown(db, {
      metricId: 'unique_logins',
      level: 'england',
      code: 'E92000001',
      grain: 'month',
      periodStart: month.periodStart,
      structure: 'current',
    });
    expect(regions!.childLevel).toBe('region');
    expect(regions!.rows.map((r) => r.code).sort()).toEqual(['UNKNOWN', 'Y56', 'Y58']);
    expect(regions!.rows.reduce((sum, r) => sum + (r.value ?? 0), 0)).toBe(month.value);
    expect(regions!.rows.reduce((sum, r) => sum + r.shareOfParent!, 0)).toBeCloseTo(1, 12);
  });

  it('breaks jump-off clicks down by provider and service, from events and from the partners feed', async () => {
    const jw = await geographyWarehouse();
    try {
      const events: Ev[] = randomEvents(99, 1200).map((e, i) => ({
        ...e,
        id: `j${i}`,
        type: 'jump_off',
        recordType: '',
        provider: PROVIDERS[i % 3]!,
        service: SERVICES[(i >> 1) % 2]!,
      }));
      await ingestEventFile(jw, writeEvents('jump-offs.csv', events));
      const partners = path.join(dir, 'WeeklyIntegratedPartners_NHSApp_Counts_20260329.csv');
      fs.writeFileSync(
        partners,
        [
          'Date,OdsCode,Provider,JumpOff,Clicks',
          '2026-03-23,P00001,Patients Know Best,messagesCie,4',
          '2026-03-24,P00001,Patients Know Best,messages,3',
          '2026-03-24,P00003,Accurx Limited,medical,5',
          '2026-03-25,Z99999,Accurx Limited,medical,2',
          '2026-03-26,P00002,Patients Know Best,testResults,1',
          '2026-03-27,P00002,Patients Know Best,testResults,1',
          '2026-03-29,P00004,eConsult Health Ltd,onlineConsultation,6',
        ].join('\n') + '\n',
      );
      await importFeedFile(jw, 'integrated-partners', partners);
      await buildMetrics(jw, loadCatalogue(), fixedClock('2026-11-21T12:00:00Z'));

      // Brute force over the events: per month, England and each region on today's structure.
      const expected = new Map<string, number>();
      for (const e of events) {
        const month = monthStart(londonDate(e.time));
        const region = ancestorsCurrent(e.practice)?.[4] ?? 'UNKNOWN';
        for (const area of ['england|E92000001', `region|${region}`]) {
          const k = [month, area, e.provider, e.service].join('|');
          expected.set(k, (expected.get(k) ?? 0) + 1);
        }
      }
      const rows = await jw.all<{ k: string; value: number }>(
        `SELECT concat_ws('|', strftime(period_start, '%Y-%m-%d'), area_level, area_code, provider, service) AS k, value
         FROM jump_off_value WHERE metric_id = 'jump_off_clicks' AND structure = 'current' AND grain = 'month'
           AND area_level IN ('england', 'region')`,
      );
      expect(new Map(rows.map((r) => [r.k, r.value]))).toEqual(expected);
      // Per area and period, providers and services add up to the metric itself, at every level and grain.
      const mismatches = await jw.all(
        `SELECT j.metric_id, j.structure, j.grain, j.period_start, j.area_level, j.area_code, j.total, v.value
         FROM (SELECT metric_id, structure, grain, period_start, area_level, area_code, sum(value) AS total
               FROM jump_off_value GROUP BY ALL) j
         FULL JOIN (SELECT * FROM metric_value WHERE metric_id IN ('jump_off_clicks', 'partner_jump_off_clicks')) v
           USING (metric_id, structure, grain, period_start, area_level, area_code)
         WHERE j.total IS DISTINCT FROM v.value`,
      );
      expect(mismatches).toEqual([]);
      // The feed: Cie variants count with the plain service; unknown practices under Unknown.
      const week = await getJumpOffBreakdown(jw, {
        metricId: 'partner_jump_off_clicks',
        level: 'england',
        code: 'E92000001',
        grain: 'week',
        periodStart: '2026-03-23',
        structure: 'current',
      });
      expect(week.map((r) => [r.provider, r.service, r.value])).toEqual([
        ['Accurx Limited', 'medical', 7],
        ['Patients Know Best', 'messages', 7],
        ['eConsult Health Ltd', 'onlineConsultation', 6],
        ['Patients Know Best', 'testResults', 2],
      ]);
      expect(week.reduce((sum, r) => sum + r.share!, 0)).toBeCloseTo(1, 12);
      const unknownRegion = await getJumpOffBreakdown(jw, {
        metricId: 'partner_jump_off_clicks',
        level: 'region',
        code: 'UNKNOWN',
        grain: 'week',
        periodStart: '2026-03-23',
        structure: 'current',
      });
      expect(unknownRegion).toEqual([{ provider: 'Accurx Limited', service: 'medical', value: 2, share: 1 }]);
    } finally {
      jw.close();
    }
  });

  it('counts GP registered patients of all ages per area from the list size in force', async () => {
    // The test list sizes: patients_all = 13+ + 200 (P00001 1,200, P00002 700, P00004 500), one release;
    // P00004 closes in August (not in that practice-map release), so England loses its 500 from then on.
    const value = (structure: string, level: string, code: string) =>
      db.all<{ value: number }>(
        `SELECT DISTINCT value FROM metric_value WHERE metric_id = 'patients_all' AND structure = $1
           AND area_level = $2 AND area_code = $3 ORDER BY value`,
        [structure, level, code],
      );
    expect(await value('current', 'pcn', 'U00001')).toEqual([{ value: 1900 }]);
    expect(await value('current', 'england', 'E92000001')).toEqual([{ value: 1900 }, { value: 2400 }]);
    expect(await value('current', 'practice', 'P00003')).toEqual([]);
    // As recorded, P00004's ICB QA3 holds it all along; QA1 (P00001, P00002) until the August merger.
    expect(await value('as_recorded', 'icb', 'QA1')).toEqual([{ value: 1900 }]);
    const periods = await db.all<{ grain: string; n: number; first: string; last: string }>(
      `SELECT grain, count(*) AS n, min(period_start)::VARCHAR AS first, max(period_start)::VARCHAR AS last
       FROM metric_value WHERE metric_id = 'patients_all' AND structure = 'current' AND area_level = 'england'
       GROUP BY grain ORDER BY grain`,
    );
    const loaded = await db.one<{ first: string; last: string }>(
      'SELECT min(day)::VARCHAR AS first, max(day)::VARCHAR AS last FROM data_day',
    );
    // Every month from the first loaded day to the last.
    expect(periods[0]).toMatchObject({ grain: 'month', first: `${loaded!.first.slice(0, 7)}-01` });
    expect(periods[0]!.last).toBe(`${loaded!.last.slice(0, 7)}-01`);
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
    // The failed build left no trace in the build log: only the first (full) build is there.
    const history = await getBuildHistory(db, 5);
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({
      buildId: 1,
      kind: 'full',
      dataVersion: Number(version),
      eventsTotal: await db.scalar<number>('SELECT count(*) FROM activity_event'),
      firstPeriod: await db.scalar<string>(
        "SELECT strftime(min(period_start), '%Y-%m-%d') FROM metric_value",
      ),
    });
    expect(history[0]!.rowsWritten).toBeGreaterThan(0);
    expect(history[0]!.finishedAt).toBe('2026-11-21T12:00:00.000Z');
  });

  it("stores a full build's cube in one sorted run: the history, then the recent periods, each by metric, grain, structure, area and period (ADR 0052, 0053)", async () => {
    await buildMetrics(db, loadCatalogue(), fixedClock('2026-11-21T12:00:00Z'));
    // The build's cut: recentFrom of the last plausible day (tomorrow in London, from the later clock).
    const cut = recentFrom(latestEventDate(new Date()));
    const rows = await db.all<{ k: string }>(
      `SELECT concat_ws('|', CAST(period_start >= $1::DATE AS INTEGER), lpad(CAST(metric_key AS VARCHAR), 5, '0'),
                        grain, structure, lpad(CAST(area_key AS VARCHAR), 9, '0'), period_start) AS k
       FROM metric_cell ORDER BY rowid`,
      [cut],
    );
    const keys = rows.map((r) => r.k);
    expect(keys.length).toBeGreaterThan(1000);
    expect(keys).toEqual([...keys].sort());
  });

  it('leaves nothing behind when a full build fails part-way: the stored figures, state and log stay, and no temporary copy hides a table (ADR 0053)', async () => {
    const tables = ['metric_cell', 'user_month', 'data_day', 'area_den_cell', 'peer_band', 'jump_off_cell'];
    const snapshot = async () =>
      Promise.all(
        tables.map(async (t) =>
          db.scalar<string>(`SELECT count(*) || ':' || coalesce(bit_xor(hash(x)), 0) FROM ${t} x`),
        ),
      );
    const before = await snapshot();
    const version = await db.scalar<string>("SELECT value FROM warehouse_meta WHERE key = 'data_version'");
    const builds = await db.scalar<number>('SELECT count(*) FROM build_log');
    // list_size is first read by the list-sizes step, after unique users and event counts are computed.
    await db.run('ALTER TABLE list_size RENAME TO list_size_gone');
    try {
      await expect(buildMetrics(db, loadCatalogue(), fixedClock('2026-11-21T12:00:00Z'))).rejects.toThrow(
        /list_size/,
      );
    } finally {
      await db.run('ALTER TABLE list_size_gone RENAME TO list_size');
    }
    expect(await db.all('SELECT table_name FROM duckdb_tables() WHERE temporary')).toEqual([]);
    expect(await snapshot()).toEqual(before);
    expect(await db.scalar<string>("SELECT value FROM warehouse_meta WHERE key = 'data_version'")).toBe(
      version,
    );
    expect(await db.scalar<number>('SELECT count(*) FROM build_log')).toBe(builds);
    // The next build runs as usual.
    await buildMetrics(db, loadCatalogue(), fixedClock('2026-11-21T12:00:00Z'));
    expect(await snapshot()).toEqual(before);
  });
});

/**
 * Loads the events into one warehouse and builds it in full, then for each cut day into a fresh one in two
 * deliveries (before the day, then from it, the second built incrementally), and expects every stored figure
 * of the incremental warehouse equal to the full one's, with no duplicate keys.
 */
async function expectIncrementalLikeFull(
  catalogue: MetricDefinition[],
  clock: Clock,
  events: Ev[],
  cutDays: string[],
  name: string,
  opts: { startsOnCut?: boolean } = {},
): Promise<void> {
  const full = await geographyWarehouse();
  let expected: string[];
  try {
    await ingestEventFile(full, writeEvents(`${name}-all.csv`, events));
    await buildMetrics(full, catalogue, clock);
    expected = await dump(full);
  } finally {
    full.close();
  }
  for (const day of cutDays) {
    const incremental = await geographyWarehouse();
    try {
      const first = events.filter((e) => londonDate(e.time) < day);
      const second = events.filter((e) => londonDate(e.time) >= day);
      await ingestEventFile(incremental, writeEvents(`${name}-${day}-a.csv`, first));
      await buildMetrics(incremental, catalogue, clock);
      const loaded = await ingestEventFile(incremental, writeEvents(`${name}-${day}-b.csv`, second));
      if (opts.startsOnCut) expect(loaded.firstEventDate, day).toBe(day);
      await buildMetrics(incremental, catalogue, clock, {
        from: loaded.firstEventDate!,
        to: loaded.lastEventDate!,
      });
      expect(await duplicateKeys(incremental), `duplicate keys after a load from ${day}`).toEqual([]);
      const got = await dump(incremental);
      expect(got.length, `stored rows after a load from ${day}`).toBe(expected.length);
      expect(
        got.filter((x, i) => x !== expected[i]).slice(0, 3),
        `figures differing from a full rebuild after a load from ${day}`,
      ).toEqual([]);
    } finally {
      incremental.close();
    }
  }
}
