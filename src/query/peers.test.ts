import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AreaLevel } from '../domain/areas.ts';
import type { Grain } from '../domain/metric-definition.ts';
import { buildTestWarehouse, TEST_DEMO_SCALE, type TestWarehouse } from '../../test/support/api-warehouse.ts';
import { bandedRates } from '../domain/page-rates.ts';
import { getPeerBands, getPeers, getPeersMany, resolvePeerMetric } from './peers.ts';
import { getMetricSeries } from './series.ts';
import { getDataStatus } from './status.ts';
import type { DataStatus, Structure } from './types.ts';

let tw: TestWarehouse;
let status: DataStatus;

beforeAll(async () => {
  tw = await buildTestWarehouse();
  status = await getDataStatus(tw.db);
}, 120_000);

afterAll(() => tw?.close());

/** Type-7 quantile (linear interpolation between order statistics), computed independently. */
function quantile(sorted: number[], q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/**
 * Brute force: every peer's figure, from the raw tables with the rule of the ADR written out in JS — the
 * areas of the level, each figure from metric_value (counts) or numerator and 13+ patients (rates).
 */
async function bruteFigures(
  metricId: string,
  level: AreaLevel,
  grain: Grain,
  periodStart: string,
  structure: Structure,
): Promise<Map<string, number>> {
  const { metric, numerator, isRate } = resolvePeerMetric(metricId, tw.catalogue)!;
  const figures = new Map<string, number>();
  if (isRate) {
    const dens = await tw.db.all<{ area_code: string; patients_13plus: number; is_current: boolean }>(
      `SELECT d.area_code, d.patients_13plus, a.is_current FROM area_denominator d
       JOIN area a ON a.area_level = d.area_level AND a.area_code = d.area_code
       WHERE d.grain = $1 AND d.area_level = $2 AND d.period_start = $3::DATE`,
      [grain, level, periodStart],
    );
    for (const d of dens) {
      if (d.area_code === 'UNKNOWN' || !(d.patients_13plus > 0)) continue;
      if (!numerator) {
        figures.set(d.area_code, d.patients_13plus);
        continue;
      }
      const v = await tw.db.one<{ value: number; uncovered: number | null }>(
        `SELECT value, uncovered FROM metric_value WHERE structure = 'current' AND metric_id = $1
           AND grain = $2 AND area_level = $3 AND area_code = $4 AND period_start = $5::DATE`,
        [numerator.id, grain, level, d.area_code, periodStart],
      );
      if (!d.is_current && !v) continue; // a closed area after its last figure
      const num = (v?.value ?? 0) - (v?.uncovered ?? 0);
      figures.set(d.area_code, (num / (d.patients_13plus * TEST_DEMO_SCALE)) * (metric.multiplier ?? 1));
    }
    return figures;
  }
  const stored = await tw.db.all<{ area_code: string; value: number }>(
    `SELECT area_code, value FROM metric_value WHERE structure = $1 AND metric_id = $2 AND grain = $3
       AND area_level = $4 AND period_start = $5::DATE`,
    [structure, metric.id, grain, level, periodStart],
  );
  const areas = await tw.db.all<{ area_code: string; is_current: boolean }>(
    'SELECT area_code, is_current FROM area WHERE area_level = $1',
    [level],
  );
  if (structure === 'current') {
    for (const a of areas) if (a.is_current && a.area_code !== 'UNKNOWN') figures.set(a.area_code, 0);
  }
  for (const s of stored) if (s.area_code !== 'UNKNOWN') figures.set(s.area_code, s.value);
  return figures;
}

const CASES: [string, AreaLevel, Grain, string, Structure][] = [
  ['unique_logins_per_1000', 'practice', 'month', '2026-10-01', 'current'],
  ['unique_logins_per_1000', 'pcn', 'week', '2026-09-14', 'current'],
  ['registered_pct_13plus', 'practice', 'month', '2026-05-01', 'current'],
  ['logins_per_1000', 'pcn', 'month', '2026-03-01', 'current'],
  ['unique_logins_per_1000', 'practice', 'month', '2026-04-01', 'current'], // P00014 open
  ['prescriptions_ordered_per_1000', 'practice', 'month', '2026-04-01', 'current'], // derived rate
  ['patients_13plus', 'sub_icb', 'month', '2026-10-01', 'current'],
  ['logins', 'practice', 'month', '2026-03-01', 'current'], // P00014 still open, closed now
  ['logins', 'practice', 'week', '2026-10-05', 'current'],
  ['logins', 'icb', 'month', '2026-03-01', 'as_recorded'], // QA1 and QA2, closed now
  ['unique_logins', 'sub_icb', 'month', '2026-10-01', 'current'],
  ['unique_logins', 'icb', 'month', '2026-10-01', 'current'],
];

describe('getPeers', () => {
  for (const [metricId, level, grain, period, structure] of CASES) {
    it(`matches a brute force for ${metricId} across ${level}s by ${grain} (${structure})`, async () => {
      const figures = await bruteFigures(metricId, level, grain, period, structure);
      expect(figures.size).toBeGreaterThan(level === 'icb' && structure === 'current' ? 1 : 2);
      const sorted = [...figures.values()].sort((a, b) => a - b);
      const expectedDeciles = Array.from({ length: 11 }, (_, i) => quantile(sorted, i / 10));
      for (const [code, value] of figures) {
        const peers = await getPeers(
          tw.db,
          { metricId, level, code, grain, period, structure },
          tw.catalogue,
        );
        expect(peers.count).toBe(figures.size);
        expect(peers.periodStart).toBe(period);
        expect(peers.value).toBeCloseTo(value, 9);
        expect(peers.rank).toBe(1 + sorted.filter((v) => v > value).length);
        expect(peers.equal).toBe(sorted.filter((v) => v === peers.value).length);
        expect(peers.percentileRank).toBeCloseTo(
          (100 * sorted.filter((v) => v < value).length) / (sorted.length - 1),
          9,
        );
        expect(peers.deciles).toHaveLength(11);
        peers.deciles.forEach((d, i) => expect(d).toBeCloseTo(expectedDeciles[i]!, 9));
      }
    });
  }

  it('gives the same rate as the area’s own rate series', async () => {
    const metric = tw.catalogue.find((m) => m.id === 'unique_logins_per_1000')!;
    const series = await getMetricSeries(
      tw.db,
      status,
      metric,
      { level: 'practice', code: 'P00004', grain: 'month', structure: 'current', includePartial: false },
      tw.catalogue,
    );
    const point = series.find((p) => p.periodStart === '2026-07-01')!;
    const peers = await getPeers(
      tw.db,
      {
        metricId: metric.id,
        level: 'practice',
        code: 'P00004',
        grain: 'month',
        period: '2026-07-19',
        structure: 'current',
      },
      tw.catalogue,
    );
    expect(peers.periodStart).toBe('2026-07-01');
    expect(peers.value).toBeCloseTo(point.value, 9);
  });

  it('leaves out areas without a figure (no 13+ list size) and gives them no rank', async () => {
    const peers = await getPeers(
      tw.db,
      {
        metricId: 'unique_logins_per_1000',
        level: 'practice',
        code: 'P00013',
        grain: 'month',
        period: '2026-10-01',
        structure: 'current',
      },
      tw.catalogue,
    );
    expect(peers.value).toBeNull();
    expect(peers.rank).toBeNull();
    expect(peers.percentileRank).toBeNull();
    expect(peers.count).toBe(12); // 13 open practices, one without a list size
  });

  it('gives for several metrics at once (an area page’s tiles) each position the brute force gives', async () => {
    // Rates (one derived, one of the 13+ patients themselves) and a count, two periods, in one call.
    const asked: [string, string][] = [
      ['unique_logins_per_1000', '2026-10-01'],
      ['logins', '2026-10-01'],
      ['registered_pct_13plus', '2026-05-01'],
      ['prescriptions_ordered_per_1000', '2026-04-01'],
      ['patients_13plus', '2026-10-01'],
      ['logins_per_1000', '2026-10-01'],
    ];
    for (const code of ['P00001', 'P00004', 'P00013']) {
      const many = await getPeersMany(
        tw.db,
        asked.map(([metricId, period]) => ({
          metricId,
          level: 'practice',
          code,
          grain: 'month',
          period,
          structure: 'current',
        })),
        tw.catalogue,
      );
      expect(many).toHaveLength(asked.length);
      for (const [i, [metricId, period]] of asked.entries()) {
        const figures = await bruteFigures(metricId, 'practice', 'month', period, 'current');
        const sorted = [...figures.values()].sort((a, b) => a - b);
        const value = figures.get(code);
        const p = many[i]!;
        expect(p.periodStart).toBe(period);
        expect(p.count).toBe(figures.size);
        if (value === undefined) {
          expect(p.value).toBeNull();
          expect(p.rank).toBeNull();
          continue;
        }
        expect(p.value).toBeCloseTo(value, 9);
        expect(p.rank).toBe(1 + sorted.filter((v) => v > value).length);
        expect(p.equal).toBe(sorted.filter((v) => v === p.value).length);
        expect(p.percentileRank).toBeCloseTo(
          (100 * sorted.filter((v) => v < value).length) / (sorted.length - 1),
          9,
        );
        p.deciles.forEach((d, j) => expect(d).toBeCloseTo(quantile(sorted, j / 10), 9));
      }
    }
  });

  it('refuses metrics it cannot compare', async () => {
    for (const metricId of ['nope', 'downloads_per_1000', 'logins_per_1000x']) {
      await expect(
        getPeers(
          tw.db,
          { metricId, level: 'icb', code: 'QA9', grain: 'month', period: '2026-10-01', structure: 'current' },
          tw.catalogue,
        ),
      ).rejects.toThrow(RangeError);
    }
  });
});

describe('getPeerBands', () => {
  const BANDS: [string, AreaLevel, Grain, Structure][] = [
    ['unique_logins_per_1000', 'practice', 'month', 'current'],
    ['logins', 'practice', 'week', 'current'],
    ['logins', 'icb', 'month', 'as_recorded'],
    ['registered_pct_13plus', 'pcn', 'month', 'current'],
  ];
  for (const [metricId, level, grain, structure] of BANDS) {
    it(`matches a brute force per period for ${metricId} across ${level}s by ${grain} (${structure})`, async () => {
      const bands = await getPeerBands(tw.db, { metricId, level, grain, structure }, tw.catalogue);
      expect(bands.length).toBeGreaterThan(grain === 'week' ? 40 : 9);
      if (grain === 'month') expect(bands.at(-1)!.complete).toBe(false); // November is partial
      for (const band of bands) {
        const figures = await bruteFigures(metricId, level, grain, band.periodStart, structure);
        const sorted = [...figures.values()].sort((a, b) => a - b);
        expect(band.count).toBe(sorted.length);
        expect(band.p10).toBeCloseTo(quantile(sorted, 0.1), 9);
        expect(band.p25).toBeCloseTo(quantile(sorted, 0.25), 9);
        expect(band.p50).toBeCloseTo(quantile(sorted, 0.5), 9);
        expect(band.p75).toBeCloseTo(quantile(sorted, 0.75), 9);
        expect(band.p90).toBeCloseTo(quantile(sorted, 0.9), 9);
      }
    });
  }

  it('reads the bands the build stored: for every rate pages draw, level and period, exactly those computed from the cube', async () => {
    const rates = bandedRates(tw.catalogue);
    expect(rates.map((r) => r.metricId)).toEqual(
      expect.arrayContaining(['unique_logins_per_1000', 'registered_pct_13plus', 'record_views_per_1000']),
    );
    let compared = 0;
    for (const r of rates)
      for (const level of ['region', 'icb', 'sub_icb', 'pcn', 'practice'] as const)
        for (const grain of ['week', 'month'] as const) {
          const req = { metricId: r.metricId, level, grain, structure: 'current' } as const;
          const computed = await getPeerBands(tw.db, { ...req, useStored: false }, tw.catalogue);
          const stored = new Map(
            (
              await tw.db.all<{
                p: string;
                n: number;
                p10: number;
                p25: number;
                p50: number;
                p75: number;
                p90: number;
              }>(
                `SELECT CAST(period_start AS VARCHAR) AS p, n, p10, p25, p50, p75, p90 FROM peer_band
                 WHERE metric_id = $1 AND area_level = $2 AND grain = $3`,
                [r.metricId, level, grain],
              )
            ).map(({ p, ...rest }) => [p, rest]),
          );
          for (const b of computed)
            expect(stored.get(b.periodStart), `${r.metricId} ${level} ${grain} ${b.periodStart}`).toEqual({
              n: b.count,
              p10: b.p10,
              p25: b.p25,
              p50: b.p50,
              p75: b.p75,
              p90: b.p90,
            });
          expect(await getPeerBands(tw.db, req, tw.catalogue)).toEqual(computed);
          compared += computed.length;
        }
    expect(compared).toBeGreaterThan(rates.length * 5 * 40);

    // The page path reads the stored row (a changed one shows), and computes when the build did not store the rate.
    const one = {
      metricId: 'unique_logins_per_1000',
      level: 'icb',
      grain: 'month',
      structure: 'current',
    } as const;
    const [band] = await getPeerBands(tw.db, { ...one, from: '2026-04-01', to: '2026-04-30' }, tw.catalogue);
    const where =
      "metric_id = 'unique_logins_per_1000' AND area_level = 'icb' AND grain = 'month' AND period_start = '2026-04-01'";
    try {
      await tw.db.run(`UPDATE peer_band SET p50 = -1 WHERE ${where}`);
      const read = await getPeerBands(tw.db, { ...one, from: '2026-04-02', to: '2026-04-30' }, tw.catalogue);
      expect(read.map((b) => b.p50)).toEqual([-1]);
      await tw.db.run(
        "UPDATE peer_band_metric SET multiplier = 1 WHERE metric_id = 'unique_logins_per_1000'",
      );
      const recomputed = await getPeerBands(
        tw.db,
        { ...one, from: '2026-04-03', to: '2026-04-30' },
        tw.catalogue,
      );
      expect(recomputed).toEqual([band]);
    } finally {
      await tw.db.run(`UPDATE peer_band SET p50 = $1 WHERE ${where}`, [band!.p50]);
      await tw.db.run(
        "UPDATE peer_band_metric SET multiplier = 1000 WHERE metric_id = 'unique_logins_per_1000'",
      );
    }
  });

  it('keeps to the range asked for', async () => {
    const bands = await getPeerBands(
      tw.db,
      {
        metricId: 'logins',
        level: 'pcn',
        grain: 'month',
        structure: 'current',
        from: '2026-03-15',
        to: '2026-05-02',
      },
      tw.catalogue,
    );
    expect(bands.map((b) => b.periodStart)).toEqual(['2026-03-01', '2026-04-01', '2026-05-01']);
  });
});

describe('getPeerBands after a build', () => {
  it('keeps answers per data version, so a build gives fresh bands', async () => {
    const req = { metricId: 'logins', level: 'practice', grain: 'week', structure: 'current' } as const;
    const before = await getPeerBands(tw.db, req, tw.catalogue);
    const again = await getPeerBands(tw.db, req, tw.catalogue);
    expect(again).toEqual(before);
    again.pop(); // callers get their own array
    expect(await getPeerBands(tw.db, req, tw.catalogue)).toEqual(before);
    await tw.addEvents('2026-11-16'); // one login per open practice, in a new week
    const after = await getPeerBands(tw.db, req, tw.catalogue);
    const last = after.at(-1)!;
    expect(last.periodStart).toBe('2026-11-16');
    expect(last.complete).toBe(false);
    const figures = await bruteFigures('logins', 'practice', 'week', '2026-11-16', 'current');
    expect(last.count).toBe(figures.size);
    expect(last.p50).toBe(1);
  });
});

describe('rate fields kept per data version (ADR 0079)', () => {
  it('reads a level’s rate parts once for all its areas, and afresh after a build', async () => {
    // The kept fields are per warehouse handle: a counting handle starts with none.
    let reads = 0;
    const counting = new Proxy(tw.db, {
      get(target, prop) {
        if (prop === 'all') {
          return (statement: { name?: string }, params?: unknown) => {
            if (statement.name === 'query.peersRateParts') reads += 1;
            return target.all(statement as never, params as never);
          };
        }
        const value = Reflect.get(target, prop) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const ask = (code: string) =>
      getPeers(
        counting,
        {
          metricId: 'logins_per_1000',
          level: 'practice',
          code,
          grain: 'month',
          period: '2026-11-01',
          structure: 'current',
        },
        tw.catalogue,
      );
    const check = async (code: string) => {
      const p = await ask(code);
      const figures = await bruteFigures('logins_per_1000', 'practice', 'month', '2026-11-01', 'current');
      const sorted = [...figures.values()].sort((a, b) => a - b);
      const value = figures.get(code)!;
      expect(p.count).toBe(figures.size);
      expect(p.value).toBeCloseTo(value, 9);
      expect(p.rank).toBe(1 + sorted.filter((v) => v > value).length);
      return p.value!;
    };
    const before = await check('P00001');
    await check('P00004');
    await check('P00007');
    expect(reads).toBe(1);
    await tw.addEvents('2026-11-17'); // one login more per open practice: a new data version
    const after = await check('P00001');
    expect(reads).toBe(2);
    expect(after).toBeGreaterThan(before);
  });
});
