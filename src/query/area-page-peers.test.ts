/**
 * Peer position on area pages: the band of areas of the same level behind each chart and the percentile
 * rank in each tile, checked against counts straight from the events and rates from the series.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getAreaPage } from './area-page.ts';
import { buildSmallWarehouse, type SmallWarehouse } from '../../test/support/small-warehouse.ts';
import { getMetricSeries } from './series.ts';
import { getDataStatus } from './status.ts';
import type { AreaPage } from './types.ts';

let w: SmallWarehouse;
let page: AreaPage;

/** Linear interpolation between order statistics (R type 7, DuckDB quantile_cont). */
function quantile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  const h = (s.length - 1) * q;
  const lo = Math.floor(h);
  return s[lo]! + (h - lo) * ((s[Math.min(lo + 1, s.length - 1)] ?? s[lo]!) - s[lo]!);
}

beforeAll(async () => {
  w = await buildSmallWarehouse();
  page = (await getAreaPage(w.db, w.catalogue, {
    level: 'practice',
    code: 'P00001',
    grain: 'month',
    includePartial: false,
  }))!;
});

afterAll(() => w?.close());

describe('area page peers', () => {
  it('draws, behind each chart, the spread of the figure across the practices, for the periods shown', async () => {
    const bands = page.peerBands?.logins;
    expect(bands && bands.length).toBeGreaterThan(0);
    const shown = page.series.logins!.map((p) => p.periodStart);
    expect(bands!.map((b) => b.periodStart)).toEqual(shown);
    // Logins per practice and month, from the events: every current practice (0 without logins) and a
    // closed practice in the months it had logins.
    const rows = await w.db.all<{ month: string; practice: string; n: number }>(
      `SELECT strftime(date_trunc('month', event_date), '%Y-%m-%d') AS month, practice_code AS practice,
              count(*)::INTEGER AS n
       FROM activity_event
       WHERE event_type = 'login' AND practice_code IN ('P00001', 'P00002', 'P00003', 'P00004', 'P00005')
       GROUP BY ALL`,
    );
    for (const b of bands!) {
      const of = (p: string) => rows.find((r) => r.month === b.periodStart && r.practice === p)?.n ?? 0;
      const values = ['P00001', 'P00002', 'P00003', 'P00005'].map(of);
      if (of('P00004') > 0) values.push(of('P00004'));
      expect(b.count, b.periodStart).toBe(values.length);
      expect(b.p10).toBeCloseTo(quantile(values, 0.1), 9);
      expect(b.p25).toBeCloseTo(quantile(values, 0.25), 9);
      expect(b.p75).toBeCloseTo(quantile(values, 0.75), 9);
      expect(b.p90).toBeCloseTo(quantile(values, 0.9), 9);
    }
  });

  it('ranks the practice in its latest month on the rate its tile compares', async () => {
    const position = page.peerPositions?.logins;
    const tile = page.tiles.find((t) => t.metricId === 'logins')!;
    expect(position?.metricId).toBe(tile.comparison!.metricId);
    expect(position?.periodStart).toBe(tile.latest!.periodStart);
    // Every practice with a 13+ list size has a rate (P00003 has none); P00004 closed in June.
    const status = await getDataStatus(w.db);
    const rate = w.catalogue.find((m) => m.id === 'logins_per_1000')!;
    const values = new Map<string, number>();
    for (const code of ['P00001', 'P00002', 'P00003', 'P00004', 'P00005']) {
      const series = await getMetricSeries(
        w.db,
        status,
        rate,
        { level: 'practice', code, grain: 'month', structure: 'current', includePartial: false },
        w.catalogue,
      );
      const point = series.find((p) => p.periodStart === position!.periodStart);
      // A closed practice is a peer only while it has a figure.
      if (point && (code !== 'P00004' || (point.numerator ?? 0) > 0)) values.set(code, point.value);
    }
    const own = values.get('P00001')!;
    expect(position!.value).toBeCloseTo(own, 9);
    expect(position!.count).toBe(values.size);
    const others = [...values.entries()].filter(([c]) => c !== 'P00001').map(([, v]) => v);
    expect(position!.percentileRank).toBeCloseTo(
      (others.filter((v) => v < own).length / others.length) * 100,
      9,
    );
    expect(position!.rank).toBe(others.filter((v) => v > own).length + 1);
  });

  it('has no peers for England or a closed ICB (figures as recorded)', async () => {
    const closed = await getAreaPage(w.db, w.catalogue, {
      level: 'icb',
      code: 'QA1',
      grain: 'month',
      includePartial: false,
    });
    expect(closed?.structure).toBe('as_recorded');
    expect(closed?.peerBands).toBeUndefined();
    const icb = await getAreaPage(w.db, w.catalogue, {
      level: 'icb',
      code: 'QA9',
      grain: 'month',
      includePartial: false,
    });
    expect(Object.keys(icb!.peerBands ?? {})).toContain('registered_pct_13plus');
  });
});
