/**
 * Each headline tile's change on the same period a year earlier (the same month, or the week 52 weeks
 * before): checked on a real warehouse against counts made by hand from the raw events, for England, an ICB
 * and a practice, by month and by week; through the figure reader as staff and as a visitor under disclosure
 * control; through the API (JSON and CSV) and on the page.
 */
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WarehouseQueries } from '../app/warehouse-queries.ts';
import { loadConfig } from '../config.ts';
import { ANONYMOUS_VIEWER, type Viewer } from '../domain/access.ts';
import type { AreaLevel } from '../domain/areas.ts';
import { fixedClock } from '../domain/clock.ts';
import { roundTo } from '../domain/rounding.ts';
import { FigureAccess } from '../domain/figure-access.ts';
import type { Grain } from '../domain/metric-definition.ts';
import { buildAppPair, type AppPair } from '../../test/support/test-apps.ts';
import {
  buildWarehouse,
  EVENT_HEADER,
  fromCodes,
  rng,
  type BuiltWarehouse,
} from '../../test/support/warehouse-builder.ts';
import { FigureReader, type SeenTile } from './figures.ts';
import { buildTile } from './national-summary.ts';
import { tileView } from '../web/views/metric-panels.ts';

const STAFF: Viewer = { signedIn: true, role: 'viewer', userId: 'u1', via: 'session' };
const CLOCK = fixedClock('2026-12-02T12:00:00Z');

/** practice, ICB: P00001 and P00002 in QA1, P00003 in QA2. */
const PRACTICES: [string, string][] = [
  ['P00001', 'QA1'],
  ['P00002', 'QA1'],
  ['P00003', 'QA2'],
];

interface TestEvent {
  time: string;
  type: string;
  user: string;
  practice: string;
}

let w: BuiltWarehouse;
const events: TestEvent[] = [];

/** The Europe/London date of an instant, by the platform's time-zone data (not the product's code). */
const LONDON = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' });
const londonDay = (iso: string) => LONDON.format(new Date(iso));

/** The start of the period a London day falls in: its month's first day, or its week's Monday. */
function periodOf(day: string, grain: Grain): string {
  if (grain === 'month') return `${day.slice(0, 7)}-01`;
  const t = Date.parse(`${day}T00:00:00Z`);
  const back = (new Date(t).getUTCDay() + 6) % 7;
  return new Date(t - back * 86_400_000).toISOString().slice(0, 10);
}

const icbOf = (practice: string) => PRACTICES.find(([p]) => p === practice)![1];

/** Events of a type in a period, within an area ('england', an ICB code or a practice code). */
function countEvents(type: string, grain: Grain, period: string, area: string): number {
  return events.filter(
    (e) =>
      e.type === type &&
      periodOf(londonDay(e.time), grain) === period &&
      (area === 'england' || e.practice === area || icbOf(e.practice) === area),
  ).length;
}

/** Users logging in during a period, each counted at the practice of their last login in it. */
function countUsers(grain: Grain, period: string, area: string): number {
  const last = new Map<string, TestEvent>();
  for (const e of events) {
    if (e.type !== 'login' || periodOf(londonDay(e.time), grain) !== period) continue;
    const before = last.get(e.user);
    if (!before || e.time >= before.time) last.set(e.user, e);
  }
  return [...last.values()].filter(
    (e) => area === 'england' || e.practice === area || icbOf(e.practice) === area,
  ).length;
}

const pct = (now: number, then: number) => ((now - then) / then) * 100;

/** The disclosure rule written out: 0 stays 0, 1 to 7 are not shown, others go to the nearest 5. */
const disclosed = (v: number) => (v === 0 ? 0 : v < 8 ? null : Math.round(v / 5) * 5);

beforeAll(async () => {
  const r = rng(7);
  const start = Date.parse('2025-10-01T00:00:00Z');
  const span = Date.parse('2026-11-30T23:00:00Z') - start;
  const lines: string[] = [];
  for (let i = 0; i < 9000; i++) {
    const time = new Date(start + Math.floor(r() * span)).toISOString();
    const practice = PRACTICES[Math.floor(r() * r() * PRACTICES.length)]![0];
    // Prescriptions only from June 2026: a year earlier their count is a real 0, not a missing figure.
    const roll = r();
    const type =
      roll < 0.7
        ? 'login'
        : roll < 0.85
          ? 'registration'
          : time >= '2026-06-01'
            ? 'prescription_ordered'
            : 'login';
    const user = `u${Math.floor(r() * 500)}`;
    events.push({ time, type, user, practice });
    lines.push([`e${i}`, time, type, `s${i}`, user, practice, 'P9', 'ios', ''].join(','));
  }
  w = await buildWarehouse({
    practices: PRACTICES.map(([p, icb], i) =>
      fromCodes('2025-01-01', [
        p,
        `LS${i} 1AA`,
        `U0000${i + 1}`,
        icb === 'QA1' ? '00A' : '00B',
        icb,
        icb === 'QA1' ? 'Y56' : 'Y58',
      ]),
    ),
    listSizes13plus: { P00001: 4000, P00002: 3000, P00003: 2000 },
    events: { header: `${EVENT_HEADER},p9_route`, lines },
    clock: CLOCK,
  });
}, 120_000);

afterAll(() => w?.close());

function reader(viewer: Viewer, disclosure: boolean): FigureReader {
  return new FigureReader(new FigureAccess(viewer, { catalogue: w.catalogue, disclosure }), {
    catalogue: w.catalogue,
    pages: new WarehouseQueries(w.db, w.catalogue),
    db: w.db,
  });
}

async function tiles(
  viewer: Viewer,
  disclosure: boolean,
  level: AreaLevel,
  code: string,
  grain: Grain,
): Promise<Map<string, SeenTile>> {
  const read = await reader(viewer, disclosure).summary({ level, code, grain, includePartial: false });
  return new Map(read!.tiles.map((t) => [t.metricId, t]));
}

describe('the change on the same period a year earlier', () => {
  const cases: [AreaLevel, string, string, Grain, string, string][] = [
    // level, code, area for the counts, grain, latest complete period, a year earlier
    ['england', 'E92000001', 'england', 'month', '2026-11-01', '2025-11-01'],
    ['england', 'E92000001', 'england', 'week', '2026-11-23', '2025-11-24'],
    ['icb', 'QA1', 'QA1', 'month', '2026-11-01', '2025-11-01'],
    ['practice', 'P00003', 'P00003', 'week', '2026-11-23', '2025-11-24'],
  ];

  for (const [level, code, area, grain, latest, yearBefore] of cases) {
    it(`compares ${level} ${code} by ${grain} with the same ${grain} a year earlier`, async () => {
      const t = await tiles(STAFF, false, level, code, grain);
      const logins = t.get('logins')!;
      expect(logins.latest?.periodStart).toBe(latest);
      expect(logins.yearEarlier?.periodStart).toBe(yearBefore);
      // 364 days: a Monday stays a Monday.
      if (grain === 'week') expect(new Date(`${yearBefore}T00:00:00Z`).getUTCDay()).toBe(1);
      const now = countEvents('login', grain, latest, area);
      const then = countEvents('login', grain, yearBefore, area);
      expect(then).toBeGreaterThan(0);
      expect(logins.latest?.value).toBe(now);
      expect(logins.yearEarlier?.value).toBe(then);
      expect(logins.changeOnYearPct).toBeCloseTo(pct(now, then), 9);

      const users = t.get('unique_logins')!;
      const usersNow = countUsers(grain, latest, area);
      const usersThen = countUsers(grain, yearBefore, area);
      expect(users.yearEarlier?.value).toBe(usersThen);
      expect(users.changeOnYearPct).toBeCloseTo(pct(usersNow, usersThen), 9);
    });
  }

  it('gives a real 0 a year earlier, with no percentage taken from it', async () => {
    const t = await tiles(STAFF, false, 'england', 'E92000001', 'month');
    const prescriptions = t.get('prescriptions_ordered')!;
    expect(countEvents('prescription_ordered', 'month', '2025-11-01', 'england')).toBe(0);
    expect(prescriptions.latest?.value).toBe(
      countEvents('prescription_ordered', 'month', '2026-11-01', 'england'),
    );
    expect(prescriptions.yearEarlier).toMatchObject({ periodStart: '2025-11-01', value: 0 });
    expect(prescriptions.changeOnYearPct).toBeNull();
  });

  it('has no year-earlier figure where the series has none (no data is not zero)', () => {
    const month = (periodStart: string, value: number) => ({ periodStart, value, complete: true });
    const logins = w.catalogue.find((m) => m.id === 'logins')!;
    // A gap where November 2025 would be: the year-earlier point is looked up by its period, not position.
    const gap = [
      month('2025-10-01', 5),
      month('2025-12-01', 7),
      month('2026-10-01', 9),
      month('2026-11-01', 12),
    ];
    const tile = buildTile(logins, gap, 'month');
    expect(tile.yearEarlier).toBeNull();
    expect(tile.changeOnYearPct).toBeNull();
    expect(tileView(tile, 'month').yearChange).toBeNull();
    const found = buildTile(logins, [month('2025-11-01', 10), ...gap.slice(1)], 'month');
    expect(found.yearEarlier).toEqual(month('2025-11-01', 10));
    expect(found.changeOnYearPct).toBeCloseTo(20, 9);
    expect(tileView(found, 'month').yearChange).toMatchObject({
      direction: 'up',
      text: '20.0% on November 2025',
    });
  });

  it('gives visitors under disclosure control the disclosed year-earlier count and a change from disclosed counts', async () => {
    const t = await tiles(ANONYMOUS_VIEWER, true, 'icb', 'QA2', 'month');
    const logins = t.get('logins')!;
    const now = disclosed(countEvents('login', 'month', '2026-11-01', 'QA2'));
    const then = disclosed(countEvents('login', 'month', '2025-11-01', 'QA2'));
    expect(logins.latest?.value).toBe(now);
    expect(logins.yearEarlier?.value).toBe(then);
    expect(now).not.toBeNull();
    expect(then).not.toBeNull();
    expect(logins.changeOnYearPct).toBeCloseTo(pct(now!, then!), 9);
    // The test can tell the disclosed change from the exact one.
    const exact = pct(
      countEvents('login', 'month', '2026-11-01', 'QA2'),
      countEvents('login', 'month', '2025-11-01', 'QA2'),
    );
    expect(logins.changeOnYearPct).not.toBeCloseTo(exact, 6);
  });
});

describe('the year-earlier change in the API and on the page', () => {
  let apps: AppPair;

  beforeAll(async () => {
    apps = await buildAppPair({
      db: w.db,
      config: loadConfig({}),
      clock: CLOCK,
      queries: new WarehouseQueries(w.db, w.catalogue),
      catalogue: w.catalogue,
    });
  });

  afterAll(() => apps?.close());

  it('answers /api/v1/summary with the year-earlier figure and the change on it, as JSON and CSV', async () => {
    const res = await apps.user.inject('/api/v1/summary?level=practice&code=P00001&grain=month');
    expect(res.statusCode).toBe(200);
    const logins = res.json().data.find((t: { metricId: string }) => t.metricId === 'logins');
    const now = countEvents('login', 'month', '2026-11-01', 'P00001');
    const then = countEvents('login', 'month', '2025-11-01', 'P00001');
    expect(logins.yearEarlier).toMatchObject({ periodStart: '2025-11-01', value: then, complete: true });
    expect(logins.changeOnYearPct).toBe(roundTo(pct(now, then), 1));

    const csv = await apps.user.inject('/api/v1/summary?level=practice&code=P00001&grain=month&format=csv');
    const rows = parse(csv.body, { columns: true }) as Record<string, string>[];
    const row = rows.find((r) => r.metricId === 'logins')!;
    expect(row.yearEarlierPeriodStart).toBe('2025-11-01');
    expect(Number(row.yearEarlierValue)).toBe(then);
    expect(Number(row.changeOnYearPct)).toBeCloseTo(pct(now, then), 1);
  });

  it('shows the change on the same month a year earlier on the tiles, for visitors too', async () => {
    const res = await apps.anon.inject('/areas/icb/QA1');
    expect(res.statusCode).toBe(200);
    const tile = res.body.slice(res.body.indexOf('id="tile-logins"'));
    const year = tile.slice(tile.indexOf('app-tile__change--year'), tile.indexOf('</li>'));
    const now = countEvents('login', 'month', '2026-11-01', 'QA1');
    const then = countEvents('login', 'month', '2025-11-01', 'QA1');
    const words = now > then ? 'Up' : 'Down';
    const change = Math.abs(pct(now, then)).toFixed(1);
    expect(year).toContain(`${words} </span>${change}% on November 2025`);
    // The chart's plain-English summary says it too.
    const chart = res.body.slice(res.body.indexOf('id="metric-chart-logins"'));
    expect(chart).toContain(
      `That is ${change}% ${now > then ? 'higher' : 'lower'} than in November 2025 (${then}).`,
    );
  });
});
