import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AreaLevel } from '../domain/areas.ts';
import type { Grain, MetricDefinition } from '../domain/metric-definition.ts';
import { buildSmallWarehouse, type SmallWarehouse } from '../../test/support/small-warehouse.ts';
import fc from 'fast-check';
import {
  dataTableByArea,
  getDataTable,
  metricAvailability,
  selectionPeriods,
  planPage,
  selectionPairs,
  type DataTableRequest,
} from './data-table.ts';
import { getMetricSeries } from './series.ts';
import { getDataStatus } from './status.ts';
import type { DataStatus } from './types.ts';

let w: SmallWarehouse;
let status: DataStatus;

beforeAll(async () => {
  w = await buildSmallWarehouse();
  status = await getDataStatus(w.db);
});

afterAll(() => w?.close());

const metric = (id: string): MetricDefinition => w.catalogue.find((m) => m.id === id)!;

async function all(req: DataTableRequest) {
  return getDataTable(w.db, status, w.catalogue, req, { limit: 100_000, offset: 0 });
}

describe('getDataTable', () => {
  it('counts logins per ICB and month exactly as a direct count over the raw events', async () => {
    const req: DataTableRequest = {
      level: 'icb',
      area: null,
      metrics: [metric('logins')],
      grain: 'month',
      includePartial: true,
    };
    const { rows, total } = await all(req);
    expect(rows.length).toBe(total);
    // Independent: events by London month, mapped to today's ICB through the latest practice map, with
    // closed practices in the ICB of their last release; anything else is Unknown.
    const direct = await w.db.all<{ month: string; icb: string; n: number }>(
      `WITH last_map AS (
         SELECT practice_code, arg_max(icb_code, extract_date) AS icb FROM practice_map GROUP BY practice_code
       ), current_icb AS (
         -- A closed practice hangs under its PCN's current ICB when the PCN still exists.
         SELECT l.practice_code,
                coalesce((SELECT any_value(m.icb_code) FROM practice_map m
                          WHERE m.extract_date = (SELECT max(extract_date) FROM practice_map)
                            AND m.pcn_code = (SELECT arg_max(pcn_code, extract_date) FROM practice_map x
                                              WHERE x.practice_code = l.practice_code)), l.icb) AS icb
         FROM last_map l
       )
       SELECT strftime(date_trunc('month', e.event_date), '%Y-%m-%d') AS month,
              coalesce(c.icb, 'UNKNOWN') AS icb, count(*)::INTEGER AS n
       FROM activity_event e LEFT JOIN current_icb c ON c.practice_code = e.practice_code
       WHERE e.event_type = 'login'
       GROUP BY ALL`,
    );
    const expected = new Map(direct.map((d) => [`${d.month}|${d.icb}`, d.n]));
    const icbs = new Set(rows.map((r) => r.areaCode));
    expect([...icbs].sort()).toEqual(['QA3', 'QA9', 'UNKNOWN']);
    let compared = 0;
    for (const r of rows) {
      expect(r.value, `${r.periodStart} ${r.areaCode}`).toBe(
        expected.get(`${r.periodStart}|${r.areaCode}`) ?? 0,
      );
      compared += r.value ?? 0;
    }
    expect(compared).toBe(direct.reduce((s, d) => s + d.n, 0));
    expect(rows.some((r) => !r.complete)).toBe(true); // November is partial
  });

  it('gives the same values, rates and coverage as the series behind the charts, for every area', async () => {
    const ids = [
      'logins',
      'unique_logins',
      'registrations_cumulative',
      'unique_logins_per_1000',
      'registered_pct_13plus',
      'patients_13plus',
    ];
    for (const grain of ['month', 'week'] as Grain[]) {
      for (const level of ['england', 'region', 'icb', 'pcn', 'practice'] as AreaLevel[]) {
        const { rows } = await all({
          level,
          area: null,
          metrics: ids.map(metric),
          grain,
          includePartial: false,
        });
        const areas = [...new Set(rows.map((r) => r.areaCode))];
        expect(areas.length).toBeGreaterThan(0);
        for (const code of areas) {
          for (const id of ids) {
            const series = await getMetricSeries(
              w.db,
              status,
              metric(id),
              { level, code, grain, structure: 'current', includePartial: false },
              w.catalogue,
            );
            const mine = rows.filter((r) => r.areaCode === code && r.metricId === id);
            const byPeriod = new Map(series.map((p) => [p.periodStart, p]));
            for (const r of mine) {
              const p = byPeriod.get(r.periodStart);
              if (!p) {
                // The series leaves out periods without a 13+ list size: the table shows no value.
                expect(r.value, `${grain} ${level} ${code} ${id} ${r.periodStart}`).toBeNull();
                continue;
              }
              expect(r.value, `${grain} ${level} ${code} ${id} ${r.periodStart}`).toBeCloseTo(p.value, 9);
              expect(r.complete).toBe(p.complete);
              if (p.coverage !== undefined) {
                expect(r.numerator).toBeCloseTo(p.numerator!, 9);
                expect(r.denominator).toBeCloseTo(p.denominator!, 9);
                if (p.coverage === null) expect(r.coverage).toBeNull();
                else expect(r.coverage).toBeCloseTo(p.coverage, 9);
              }
            }
            expect(mine.filter((r) => r.value !== null).length).toBe(series.length);
          }
        }
      }
    }
  });

  it('pages through the whole selection in order, and a region’s practices include its closed ones', async () => {
    const req: DataTableRequest = {
      level: 'practice',
      area: { level: 'region', code: 'Y58' },
      metrics: [metric('logins'), metric('unique_logins')],
      grain: 'week',
      includePartial: false,
      from: '2026-03-01',
      to: '2026-05-31',
    };
    const whole = await all(req);
    expect([...new Set(whole.rows.map((r) => r.areaCode))].sort()).toEqual(['P00004', 'P00005']);
    const weeks = [...new Set(whole.rows.map((r) => r.periodStart))];
    expect(weeks[0]).toBe('2026-02-23'); // the week containing 1 March
    expect(weeks[weeks.length - 1]).toBe('2026-05-25');
    expect(whole.total).toBe(2 * 2 * weeks.length);
    const paged = [];
    for (let offset = 0; offset < whole.total; offset += 7) {
      const page = await getDataTable(w.db, status, w.catalogue, req, { limit: 7, offset });
      expect(page.total).toBe(whole.total);
      paged.push(...page.rows);
    }
    expect(paged).toEqual(whole.rows);
    // Period, then area name, then metric in the order asked.
    expect(whole.rows.slice(0, 4).map((r) => `${r.areaCode} ${r.metricId}`)).toEqual([
      'P00004 logins',
      'P00004 unique_logins',
      'P00005 logins',
      'P00005 unique_logins',
    ]);
  });

  it('selects one area at its own level, and the sub-ICBs within an ICB', async () => {
    const one = await all({
      level: 'practice',
      area: { level: 'practice', code: 'P00003' },
      metrics: [metric('logins')],
      grain: 'month',
      includePartial: false,
    });
    expect(new Set(one.rows.map((r) => r.areaCode))).toEqual(new Set(['P00003']));
    const subs = await all({
      level: 'sub_icb',
      area: { level: 'icb', code: 'QA9' },
      metrics: [metric('logins')],
      grain: 'month',
      includePartial: false,
    });
    expect([...new Set(subs.rows.map((r) => r.areaCode))].sort()).toEqual(['00A', '00B']);
  });

  it('knows which metrics a level and grain offer, and the periods of a rolling 12-month metric', () => {
    expect(metricAvailability(metric('downloads'), 'icb', 'month')).toMatch(/lowest geography is England/);
    expect(metricAvailability(metric('unique_logins_12m'), 'icb', 'week')).toMatch(/no weekly figures/);
    expect(metricAvailability(metric('logins'), 'practice', 'week')).toBeNull();
    const pairs = selectionPairs(
      status,
      { metrics: [metric('unique_logins_12m')], grain: 'month', includePartial: false },
      w.catalogue,
    );
    // January to November 2026 loaded: no complete 12-month window yet.
    expect(pairs).toEqual([]);
  });

  it('returns nothing past the end of the selection', async () => {
    const page = await getDataTable(
      w.db,
      status,
      w.catalogue,
      { level: 'region', area: null, metrics: [metric('logins')], grain: 'month', includePartial: false },
      { limit: 10, offset: 10_000 },
    );
    expect(page.rows).toEqual([]);
    expect(page.total).toBeGreaterThan(0);
  });
});

describe('dataTableByArea (the wide CSV, ADR 0032)', () => {
  it('gives every row of the selection once, an area at a time in the table’s order, however small the chunks', async () => {
    const req: DataTableRequest = {
      level: 'practice',
      area: null,
      // A count, a rate and a rolling 12-month metric: different periods per metric.
      metrics: [metric('logins'), metric('unique_logins_per_1000'), metric('registered_pct_13plus')],
      grain: 'month',
      includePartial: true,
    };
    const { rows } = await all(req);
    const areaOrder = [...new Set(rows.map((r) => r.areaCode))];
    const key = (r: { areaCode: string; metricId: string; periodStart: string }) =>
      `${r.areaCode}|${r.metricId}|${r.periodStart}`;
    for (const chunkRows of [1, 7, 100_000]) {
      const groups: (typeof rows)[] = [];
      for await (const g of dataTableByArea(w.db, status, w.catalogue, req, chunkRows)) groups.push(g);
      expect(groups.map((g) => g[0]!.areaCode)).toEqual(areaOrder);
      for (const g of groups) expect(new Set(g.map((r) => r.areaCode)).size).toBe(1);
      const flat = groups.flat();
      expect(flat).toHaveLength(rows.length);
      const byKey = new Map(rows.map((r) => [key(r), r]));
      for (const r of flat) expect(r).toEqual(byKey.get(key(r)));
    }
    // The periods of the selection: of any metric, earliest first, each once.
    const periods = selectionPeriods(status, req, w.catalogue).map((p) => p.periodStart);
    expect(periods).toEqual([...new Set(rows.map((r) => r.periodStart))].sort());
  });
});

describe('planPage', () => {
  it('picks exactly the rows a sort of the whole grid would put on the page, whatever the metrics’ periods', () => {
    const months = ['2026-01-01', '2026-02-01', '2026-03-01', '2026-04-01', '2026-05-01'];
    fc.assert(
      fc.property(
        // For each of up to three metrics, which months it has (a rolling window starts later).
        fc.array(fc.subarray(months, { minLength: 0 }), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 0, max: 140 }),
        fc.integer({ min: 1, max: 60 }),
        (perMetric, areas, offset, limit) => {
          const pairs = perMetric.flatMap((ms, order) =>
            ms.map((periodStart) => ({
              metric: { id: `m${order}` } as MetricDefinition,
              valueMetric: `m${order}`,
              kind: 'stored' as const,
              periodStart,
              complete: true,
              order,
            })),
          );
          // Brute force: every (pair, area) sorted by period, area, metric; then the page's slice.
          const grid = pairs
            .flatMap((p) => Array.from({ length: areas }, (_, a) => ({ p, a })))
            .sort((x, y) =>
              x.p.periodStart !== y.p.periodStart
                ? x.p.periodStart < y.p.periodStart
                  ? -1
                  : 1
                : x.a - y.a || x.p.order - y.p.order,
            );
          const expected = grid
            .slice(offset, offset + limit)
            .map((g) => `${g.p.periodStart}|m${g.p.order}|${g.a}`);
          const plan = planPage(pairs, areas, { limit, offset });
          if (expected.length === 0) {
            expect(plan).toBeNull();
            return;
          }
          const got: [number, string][] = [];
          for (const p of plan!.pairs) {
            for (let a = plan!.areaLo; a <= plan!.areaHi; a++) {
              const index = p.base + a * p.k + p.mi;
              if (index >= plan!.firstRow && index <= plan!.lastRow)
                got.push([index, `${p.periodStart}|${p.metric.id}|${a}`]);
            }
          }
          got.sort((x, y) => x[0] - y[0]);
          expect(got.map((g) => g[1])).toEqual(expected);
          expect(got.map((g) => g[0])).toEqual(expected.map((_, i) => offset + i));
        },
      ),
      { numRuns: 300 },
    );
  });
});
