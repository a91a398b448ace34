import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { comparisonOf, type MetricDefinition } from './metric-definition.ts';
import { roundFigure, roundTo } from './rounding.ts';
import {
  byarInterval,
  compareWithBenchmark,
  confidenceOf,
  peerField,
  quantiles,
  standing,
  standingIn,
  wilsonInterval,
  Z_95,
  Z_998,
} from './statistics.ts';

describe('Wilson score interval', () => {
  // Newcombe RG (1998), "Two-sided confidence intervals for the single proportion: comparison of seven
  // methods", Statistics in Medicine 17:857–872, Table I, method 3 (score method without continuity
  // correction), 95% limits to 4 decimals.
  it.each([
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
    [0, 20, 0, 0.1611],
    [1, 29, 0.0061, 0.1718],
  ])('%i of %i: %f to %f (Newcombe 1998, Table I)', (x, n, lo, hi) => {
    const ci = wilsonInterval(x, n, Z_95)!;
    expect(ci.lower).toBeCloseTo(lo, 4);
    expect(ci.upper).toBeCloseTo(hi, 4);
  });

  it('99.8% limits are wider; hand computation of 81/263 at z = 3.090232', () => {
    // (2x + z² ∓ z√(z² + 4x(1 − p))) / 2(n + z²) with x = 81, n = 263, z² = 9.549534:
    // centre 171.549534, spread 3.090232 × √(9.549534 + 224.053232) = 47.2237, denominator 545.099068.
    const ci = wilsonInterval(81, 263, Z_998)!;
    expect(ci.lower).toBeCloseTo((171.549534 - 47.2237) / 545.099068, 4);
    expect(ci.upper).toBeCloseTo((171.549534 + 47.2237) / 545.099068, 4);
    const ci95 = wilsonInterval(81, 263, Z_95)!;
    expect(ci.lower).toBeLessThan(ci95.lower);
    expect(ci.upper).toBeGreaterThan(ci95.upper);
  });

  it('all successes gives an upper limit of 1; impossible parts give no interval', () => {
    expect(wilsonInterval(29, 29, Z_95)!.upper).toBe(1);
    expect(wilsonInterval(30, 29, Z_95)).toBeNull();
    expect(wilsonInterval(1, 0, Z_95)).toBeNull();
    expect(wilsonInterval(-1, 10, Z_95)).toBeNull();
    expect(wilsonInterval(Number.NaN, 10, Z_95)).toBeNull();
  });
});

describe("Byar's interval", () => {
  // Exact (Garwood) Poisson limits, chi-square quantiles χ²(α/2, 2O)/2 and χ²(1 − α/2, 2O + 2)/2, which
  // Byar's method approximates closely for counts of 10 and more (scipy.stats.chi2.ppf; also in Breslow &
  // Day (1987) Appendix II tables). Byar's limits agree with them to within 0.3% at 95%, and 2% at 99.8%
  // for small counts.
  it.each([
    [10, Z_95, 4.7954, 18.3904, 0.003],
    [100, Z_95, 81.364, 121.6268, 0.001],
    [1234, Z_95, 1166.1017, 1304.8204, 0.001],
    [10, Z_998, 2.9605, 24.134, 0.02],
    [100, Z_998, 71.9214, 134.9243, 0.001],
  ])('O = %i, z = %f: close to the exact Poisson limits %f to %f', (o, z, lo, hi, tolerance) => {
    const ci = byarInterval(o, z)!;
    expect(Math.abs(ci.lower - lo) / lo).toBeLessThan(tolerance);
    expect(Math.abs(ci.upper - hi) / hi).toBeLessThan(tolerance);
  });

  it("matches Byar's formula worked by hand for O = 10 at 95%", () => {
    // lower = 10 × (1 − 1/90 − 1.959964/(3√10))³ = 10 × (1 − 0.011111 − 0.206599)³ = 10 × 0.782290³
    // upper = 11 × (1 − 1/99 + 1.959964/(3√11))³ = 11 × (1 − 0.010101 + 0.196983)³ = 11 × 1.186882³
    const ci = byarInterval(10, Z_95)!;
    expect(ci.lower).toBeCloseTo(10 * 0.78229 ** 3, 3);
    expect(ci.upper).toBeCloseTo(11 * 1.186882 ** 3, 3);
  });

  it('a count of 0 has lower limit 0 and upper limit (1 − 1/9 + z/3)³; lower limits never go below 0', () => {
    const zero = byarInterval(0, Z_95)!;
    expect(zero.lower).toBe(0);
    // (8/9 + 1.959964/3)³ = (0.888889 + 0.653321)³ = 1.542210³ = 3.66801
    expect(zero.upper).toBeCloseTo(3.66801, 4);
    // At 99.8% Byar's lower formula for O = 1 is negative (1 × (1 − 1/9 − 3.090232/3)³ < 0): clamped.
    expect(byarInterval(1, Z_998)!.lower).toBe(0);
    expect(byarInterval(-1, Z_95)).toBeNull();
  });
});

describe('confidenceOf', () => {
  it('a rate per 1,000: the count interval over the denominator × 1,000', () => {
    // 100 logins among 2,000 patients: 50 per 1,000; exact-Poisson-close limits 81.36/2000×1000 = 40.68
    // and 121.63/2000×1000 = 60.81.
    const c = confidenceOf('rate-per-1000', 100, 2000, 1000)!;
    expect(c.lowerCi95).toBeCloseTo(40.68, 1);
    expect(c.upperCi95).toBeCloseTo(60.81, 1);
    expect(c.lowerCi998).toBeLessThan(c.lowerCi95);
    expect(c.upperCi998).toBeGreaterThan(c.upperCi95);
  });

  it('a percentage: Wilson × 100 (81 of 263 → 25.53% to 36.62%, Newcombe 1998)', () => {
    const c = confidenceOf('proportion', 81, 263, 100)!;
    expect(c.lowerCi95).toBeCloseTo(25.53, 2);
    expect(c.upperCi95).toBeCloseTo(36.62, 2);
  });

  it('no interval without a denominator or a method', () => {
    expect(confidenceOf('none', 1, 2, 100)).toBeNull();
    expect(confidenceOf('rate-per-1000', 5, 0, 1000)).toBeNull();
    expect(confidenceOf('rate-per-1000', null, 10, 1000)).toBeNull();
    expect(confidenceOf('proportion', 5, undefined, 100)).toBeNull();
  });
});

describe('compareWithBenchmark (Fingertips: the area interval against the benchmark value)', () => {
  const ci = { lower: 40, upper: 60 };
  it.each([
    [35, 'higher_is_better', 'better'],
    [65, 'higher_is_better', 'worse'],
    [35, 'lower_is_better', 'worse'],
    [65, 'lower_is_better', 'better'],
    [35, 'neutral', 'higher'],
    [65, 'neutral', 'lower'],
    [50, 'higher_is_better', 'similar'],
    [40, 'higher_is_better', 'similar'],
    [60, 'neutral', 'similar'],
  ] as const)('benchmark %f, %s → %s', (benchmark, polarity, verdict) => {
    expect(compareWithBenchmark(ci, benchmark, polarity)).toBe(verdict);
  });

  it('not compared without an interval or a benchmark', () => {
    expect(compareWithBenchmark(null, 50, 'higher_is_better')).toBe('not-compared');
    expect(compareWithBenchmark(ci, null, 'higher_is_better')).toBe('not-compared');
    expect(compareWithBenchmark(ci, Number.NaN, 'neutral')).toBe('not-compared');
  });
});

describe('comparisonOf (from the catalogue)', () => {
  const m = (p: Partial<MetricDefinition>) =>
    ({ aggregation: 'ratio', denominator: 'patients_13plus', unit: 'per_1000', ...p }) as MetricDefinition;
  it('rates over patients 13+: per 1,000 by Byar, percentages by Wilson; everything else none', () => {
    expect(comparisonOf(m({}))).toBe('rate-per-1000');
    expect(comparisonOf(m({ unit: 'percent' }))).toBe('proportion');
    expect(comparisonOf(m({ denominator: 'pomi_list_size', unit: 'percent' }))).toBe('none');
    expect(comparisonOf(m({ aggregation: 'event_count', denominator: undefined, unit: 'events' }))).toBe(
      'none',
    );
  });
});

describe('rounding at the edge', () => {
  it('removes float noise and rounds halves away from zero', () => {
    expect(roundTo(13.712400000000002, 1)).toBe(13.7);
    expect(String(roundTo(0.1 + 0.2, 1))).toBe('0.3');
    expect(roundTo(1.005, 2)).toBe(1.01);
    expect(roundTo(2.5, 0)).toBe(3);
    expect(roundTo(-2.5, 0)).toBe(-3);
    expect(Object.is(roundTo(-0.04, 1), 0)).toBe(true);
    expect(roundTo(Number.NaN, 1)).toBeNaN();
  });

  it('by unit: counts whole, rates and percentages to 1 decimal, null stays null', () => {
    expect(roundFigure(1234.6, 'patients')).toBe(1235);
    expect(roundFigure(412.449, 'per_1000')).toBe(412.4);
    expect(roundFigure(67.25, 'percent')).toBe(67.3);
    expect(roundFigure(null, 'events')).toBeNull();
  });
});

describe('quantiles and standing (pure, over fetched figures)', () => {
  it('interpolates linearly between the nearest ranks (type 7)', () => {
    // Sorted 1, 2, 4, 10: position (n - 1) × p.
    const q = quantiles([4, 1, 10, 2], [0, 0.5, 0.9, 1]);
    [1, 3, 8.2, 10].forEach((v, i) => expect(q[i]).toBeCloseTo(v, 12));
    expect(quantiles([7], [0, 0.5, 1])).toEqual([7, 7, 7]);
    expect(quantiles([], [0.5])).toEqual([]);
  });

  it('ranks 1 for the highest, shares ranks between ties, and gives the share of others below', () => {
    const peers = [5, 9, 9, 1, 3];
    expect(standing(peers, 9)).toMatchObject({ count: 5, rank: 1, percentileRank: 75, equal: 2 });
    expect(standing(peers, 5)).toMatchObject({ rank: 3, percentileRank: 50, equal: 1 });
    expect(standing(peers, 1)).toMatchObject({ rank: 5, percentileRank: 0, equal: 1 });
    expect(standing(peers, null)).toMatchObject({ rank: null, percentileRank: null, equal: null });
    expect(standing([4], 4)).toMatchObject({ count: 1, rank: 1, percentileRank: null, equal: 1 });
    // An own figure no peer has (the area is not among them): no one shares it.
    expect(standing(peers, 4)).toMatchObject({ rank: 4, equal: 0 });
    // Most at the bottom together: each shares rank 2 with the other three.
    expect(standing([0, 0, 7, 0, 0], 0)).toMatchObject({ rank: 2, percentileRank: 0, equal: 4 });
    expect(standing(peers, 5).deciles).toHaveLength(11);
  });

  it('ranks by binary search over peers sorted once exactly as by a pass over them (ADR 0079)', () => {
    // Ties, repeats and an own figure among the peers, beside it or outside them all.
    const figure = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.double({ min: -1e6, max: 1e6, noNaN: true }));
    fc.assert(
      fc.property(fc.array(figure, { maxLength: 40 }), fc.option(figure), fc.nat(), (peers, other, pick) => {
        const field = peerField(peers);
        for (const own of [other, peers.length > 0 ? peers[pick % peers.length]! : null]) {
          expect(standingIn(field, own)).toEqual(standing(peers, own));
        }
      }),
      { numRuns: 500 },
    );
    // By hand: 1, 3, 5, 9, 9.
    const field = peerField([5, 9, 9, 1, 3]);
    expect(standingIn(field, 9)).toMatchObject({ count: 5, rank: 1, percentileRank: 75 });
    expect(standingIn(field, 4)).toMatchObject({ rank: 4, percentileRank: 50 });
    expect(standingIn(field, 0)).toMatchObject({ rank: 6, percentileRank: 0 });
  });
});
