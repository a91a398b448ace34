import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricDefinition } from '../domain/metric-definition.ts';
import {
  getEnglandMapValue,
  getMapValues,
  mapPeriods,
  MAP_LEVELS,
  metricAvailableAt,
  type MapLevel,
} from './map-values.ts';
import {
  ancestors,
  LIST_SIZES_13PLUS,
  londonMonth,
  mapTestWarehouse,
  PLACES,
  type MapTestWarehouse,
} from '../../test/support/map-warehouse.ts';
import { getMetricSeries } from './series.ts';
import { getDataStatus } from './status.ts';
import type { DataStatus } from './types.ts';

let w: MapTestWarehouse;
let status: DataStatus;
const metric = (id: string): MetricDefinition => w.catalogue.find((m) => m.id === id)!;

beforeAll(async () => {
  w = await mapTestWarehouse();
  status = await getDataStatus(w.db);
});

afterAll(() => w?.close());

const MONTHS = ['2026-06', '2026-07', '2026-08', '2026-09', '2026-10'];
const AREAS: Record<MapLevel, string[]> = {
  region: ['Y56', 'Y58', 'Y63'],
  icb: ['QHM', 'QJK', 'QZZ9', 'Z9B2Z'],
  sub_icb: ['15N', '16C', '93C', 'ZZ9'],
};

/** Practices of an area. */
function practicesOf(level: MapLevel, code: string): string[] {
  return PLACES.map((p) => p.practice).filter((p) => ancestors(p)![level] === code);
}

/** Brute force: logins of an area in a London month, straight from the raw events. */
function bruteLogins(level: MapLevel, code: string, month: string): number {
  const practices = new Set(practicesOf(level, code));
  return w.events.filter(
    (e) => e.type === 'login' && practices.has(e.practice) && londonMonth(e.time) === month,
  ).length;
}

/**
 * Brute force: users logging in per 1,000 patients aged 13+. Each user counts once in the month, at the
 * practice of their last login; only practices with a list size count, in both parts.
 */
function bruteUsersRate(level: MapLevel, code: string, month: string) {
  const last = new Map<string, { time: string; practice: string }>();
  for (const e of w.events) {
    if (e.type !== 'login' || londonMonth(e.time) !== month) continue;
    const prev = last.get(e.user);
    if (!prev || e.time > prev.time) last.set(e.user, { time: e.time, practice: e.practice });
  }
  const practices = practicesOf(level, code);
  const withList = practices.filter((p) => LIST_SIZES_13PLUS[p] !== undefined);
  const patients = withList.reduce((s, p) => s + LIST_SIZES_13PLUS[p]!, 0);
  const users = [...last.values()].filter((u) => practices.includes(u.practice)).length;
  const counted = [...last.values()].filter((u) => withList.includes(u.practice)).length;
  if (patients === 0) return null;
  return {
    value: (counted / patients) * 1000,
    numerator: counted,
    denominator: patients,
    coverage: users > 0 ? counted / users : null,
  };
}

/** Brute force: % of patients 13+ registered = registrations up to the end of the month over patients. */
function bruteRegisteredPct(level: MapLevel, code: string, month: string) {
  const practices = practicesOf(level, code);
  const withList = practices.filter((p) => LIST_SIZES_13PLUS[p] !== undefined);
  const patients = withList.reduce((s, p) => s + LIST_SIZES_13PLUS[p]!, 0);
  const upTo = w.events.filter((e) => e.type === 'registration' && londonMonth(e.time) <= month);
  const all = upTo.filter((e) => practices.includes(e.practice)).length;
  const counted = upTo.filter((e) => withList.includes(e.practice)).length;
  if (patients === 0) return null;
  return { value: (counted / patients) * 100, coverage: all > 0 ? counted / all : null };
}

describe('getMapValues', () => {
  it('lists every open area of the level, Unknown left out, whatever their figures', async () => {
    for (const level of MAP_LEVELS) {
      const got = await getMapValues(w.db, w.catalogue, status, {
        metric: metric('logins'),
        level,
        grain: 'month',
        periodStart: '2026-10-01',
      });
      expect(got.rows.map((r) => r.code).sort()).toEqual(AREAS[level]);
      expect(got.hasFigures).toBe(true);
    }
  });

  it('counts equal a brute-force count of the raw events for every level and month (zeros where no activity)', async () => {
    let zeros = 0;
    for (const level of MAP_LEVELS) {
      for (const month of MONTHS) {
        const got = await getMapValues(w.db, w.catalogue, status, {
          metric: metric('logins'),
          level,
          grain: 'month',
          periodStart: `${month}-01`,
        });
        for (const row of got.rows) {
          const expected = bruteLogins(level, row.code, month);
          expect(row.value, `${level} ${row.code} ${month}`).toBe(expected);
          if (expected === 0) zeros++;
        }
      }
    }
    expect(zeros).toBeGreaterThan(0); // ZZ9 / QZZ9 before October: 0, not "no data"
  });

  it('users per 1,000 patients 13+: value, numerator, denominator and coverage equal a brute force; no list size → null', async () => {
    for (const level of MAP_LEVELS) {
      for (const month of ['2026-09', '2026-10']) {
        const got = await getMapValues(w.db, w.catalogue, status, {
          metric: metric('unique_logins_per_1000'),
          level,
          grain: 'month',
          periodStart: `${month}-01`,
        });
        for (const row of got.rows) {
          const expected = bruteUsersRate(level, row.code, month);
          if (expected === null) {
            expect(row.value, `${level} ${row.code}`).toBeNull();
            continue;
          }
          expect(row.value!).toBeCloseTo(expected.value, 9);
          expect(row.numerator).toBe(expected.numerator);
          expect(row.denominator).toBe(expected.denominator);
          if (expected.coverage === null) expect(row.coverage).toBeNull();
          else expect(row.coverage!).toBeCloseTo(expected.coverage, 12);
        }
        // London's only practice has no list size.
        expect(
          got.rows.find((r) => r.code === (level === 'region' ? 'Y56' : level === 'icb' ? 'Z9B2Z' : '93C'))!
            .value,
        ).toBeNull();
      }
    }
  });

  it('a rate of a running total (% of patients 13+ registered) equals registrations to date over patients', async () => {
    for (const level of MAP_LEVELS) {
      for (const month of ['2026-06', '2026-10']) {
        const got = await getMapValues(w.db, w.catalogue, status, {
          metric: metric('registered_pct_13plus'),
          level,
          grain: 'month',
          periodStart: `${month}-01`,
        });
        for (const row of got.rows) {
          const expected = bruteRegisteredPct(level, row.code, month);
          if (expected === null) expect(row.value).toBeNull();
          else {
            expect(row.value!).toBeCloseTo(expected.value, 9);
            if (expected.coverage !== null) expect(row.coverage!).toBeCloseTo(expected.coverage, 12);
          }
        }
      }
    }
  });

  it('agrees with each area’s series for every metric the map offers (weeks too)', async () => {
    const periods = mapPeriods(metric('logins'), w.catalogue, 'week', status);
    const week = periods[periods.length - 2]!;
    for (const id of [
      'logins',
      'unique_logins',
      'unique_logins_per_1000',
      'registrations_cumulative',
      'patients_13plus',
    ]) {
      for (const [grain, periodStart] of [
        ['month', '2026-08-01'],
        ['week', week],
      ] as const) {
        const m = metric(id);
        const got = await getMapValues(w.db, w.catalogue, status, {
          metric: m,
          level: 'icb',
          grain,
          periodStart,
        });
        for (const row of got.rows) {
          const series = await getMetricSeries(
            w.db,
            status,
            m,
            { level: 'icb', code: row.code, grain, structure: 'current', includePartial: false },
            w.catalogue,
          );
          const point = series.find((p) => p.periodStart === periodStart);
          if (row.value === null) expect(point, `${id} ${row.code}`).toBeUndefined();
          else expect(row.value, `${id} ${row.code} ${grain}`).toBeCloseTo(point!.value, 9);
        }
      }
    }
  });

  it('a metric with no figures at all in the period (a feed never loaded) gives "no data", not zeros', async () => {
    const got = await getMapValues(w.db, w.catalogue, status, {
      metric: metric('snapshot_logins'),
      level: 'icb',
      grain: 'month',
      periodStart: '2026-10-01',
    });
    expect(got.hasFigures).toBe(false);
    expect(got.rows.length).toBe(4);
    expect(got.rows.every((r) => r.value === null)).toBe(true);
  });
});

describe('getEnglandMapValue and each area’s region', () => {
  it('England’s rate: users at practices with a list size over all their 13+ patients (brute force), and the sum of the regions’ parts', async () => {
    for (const month of ['2026-09', '2026-10']) {
      const req = {
        metric: metric('unique_logins_per_1000'),
        grain: 'month' as const,
        periodStart: `${month}-01`,
      };
      const england = (await getEnglandMapValue(w.db, w.catalogue, status, req))!;
      // Each user once, at the practice of their last login in the month (Unknown practices included).
      const last = new Map<string, { time: string; practice: string }>();
      for (const e of w.events) {
        if (e.type !== 'login' || londonMonth(e.time) !== month) continue;
        const prev = last.get(e.user);
        if (!prev || e.time > prev.time) last.set(e.user, { time: e.time, practice: e.practice });
      }
      const counted = [...last.values()].filter((u) => LIST_SIZES_13PLUS[u.practice] !== undefined).length;
      const patients = Object.values(LIST_SIZES_13PLUS).reduce((a, b) => a + b, 0);
      expect(england.numerator).toBe(counted);
      expect(england.denominator).toBe(patients);
      expect(england.value!).toBeCloseTo((counted / patients) * 1000, 9);
      const regions = await getMapValues(w.db, w.catalogue, status, { ...req, level: 'region' });
      const num = regions.rows.reduce((a, r) => a + (r.numerator ?? 0), 0);
      const den = regions.rows.reduce((a, r) => a + (r.denominator ?? 0), 0);
      expect(england.value!).toBeCloseTo((num / den) * 1000, 9);
    }
  });

  it('England’s count is every login of the month, Unknown practices included', async () => {
    const england = await getEnglandMapValue(w.db, w.catalogue, status, {
      metric: metric('logins'),
      grain: 'month',
      periodStart: '2026-10-01',
    });
    const logins = w.events.filter((e) => e.type === 'login' && londonMonth(e.time) === '2026-10').length;
    expect(england!.value).toBe(logins);
  });

  it('gives each area its region (itself for a region)', async () => {
    for (const level of MAP_LEVELS) {
      const got = await getMapValues(w.db, w.catalogue, status, {
        metric: metric('logins'),
        level,
        grain: 'month',
        periodStart: '2026-10-01',
      });
      for (const row of got.rows) {
        const place = PLACES.find((p) => ancestors(p.practice)![level] === row.code)!;
        expect(row.regionCode, `${level} ${row.code}`).toBe(place.region[0]);
        expect(row.regionName).toBe(place.region[2]);
      }
    }
  });
});

describe('mapPeriods and metricAvailableAt', () => {
  it('complete periods only; a rolling 12-month figure needs its whole window loaded', () => {
    expect(mapPeriods(metric('logins'), w.catalogue, 'month', status)).toEqual(MONTHS.map((m) => `${m}-01`));
    expect(mapPeriods(metric('unique_logins_12m'), w.catalogue, 'month', status)).toEqual([]);
    expect(mapPeriods(metric('unique_logins_12m'), w.catalogue, 'week', status)).toEqual([]);
    const weeks = mapPeriods(metric('unique_logins_per_1000'), w.catalogue, 'week', status);
    expect(weeks[0]).toBe('2026-06-01');
    expect(weeks[weeks.length - 1]).toBe('2026-11-09');
  });

  it('England-only metrics are not offered for regions', () => {
    expect(metricAvailableAt(metric('downloads'), 'region')).toBe(false);
    expect(metricAvailableAt(metric('logins'), 'sub_icb')).toBe(true);
  });
});
