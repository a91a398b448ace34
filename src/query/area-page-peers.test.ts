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
  it('draws, behind each chart, the spread of its rate across the practices, for the periods shown (rates first)', async () => {
    const bands = page.peerBands?.logins;
    expect(bands && bands.length).toBeGreaterThan(0);
    const shown = page.series.logins!.map((p) => p.periodStart);
    expect(bands!.map((b) => b.periodStart)).toEqual(shown);
    // The trend is drawn on logins per 1,000 patients aged 13+, and so is the band: each practice's rate
    // from its own rate series (P00003 has no list size, so no rate; closed P00004 while it has logins).
    expect(page.trends?.logins?.metricId).toBe('logins_per_1000');
    const status = await getDataStatus(w.db);
    const rate = w.catalogue.find((m) => m.id === 'logins_per_1000')!;
    const byPractice = new Map<string, Map<string, { value: number; numerator: number }>>();
    for (const code of ['P00001', 'P00002', 'P00003', 'P00004', 'P00005']) {
      const series = await getMetricSeries(
        w.db,
        status,
        rate,
        { level: 'practice', code, grain: 'month', structure: 'current', includePartial: false },
        w.catalogue,
      );
      byPractice.set(
        code,
        new Map(series.map((p) => [p.periodStart, { value: p.value, numerator: p.numerator ?? 0 }])),
      );
    }
    for (const b of bands!) {
      const values: number[] = [];
      for (const [code, series] of byPractice) {
        const point = series.get(b.periodStart);
        if (point && (code !== 'P00004' || point.numerator > 0)) values.push(point.value);
      }
      expect(b.count, b.periodStart).toBe(values.length);
      expect(b.p10).toBeCloseTo(quantile(values, 0.1), 9);
      expect(b.p25).toBeCloseTo(quantile(values, 0.25), 9);
      expect(b.p75).toBeCloseTo(quantile(values, 0.75), 9);
      expect(b.p90).toBeCloseTo(quantile(values, 0.9), 9);
    }
    // The lines beside it: the practice's, its PCN's and England's rates in the same periods.
    const trend = page.trends!.logins!;
    expect(trend.area.map((p) => p.periodStart)).toEqual(shown);
    expect(trend.parent?.area.level).toBe('pcn');
    const england = await getMetricSeries(
      w.db,
      status,
      rate,
      { level: 'england', code: 'E92000001', grain: 'month', structure: 'current', includePartial: false },
      w.catalogue,
    );
    expect(trend.england!.points.map((p) => p.value)).toEqual(
      england.filter((p) => shown.includes(p.periodStart)).map((p) => p.value),
    );
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
    expect(position!.equal).toBe(1 + others.filter((v) => v === position!.value).length);
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
