import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { disclosureApplies, discloseCount, discloseRate, parseDisclosureSetting } from './disclosure.ts';
import { confidenceOf } from './statistics.ts';

describe('discloseCount', () => {
  it('keeps zero, suppresses 1 to 7 and rounds the rest to the nearest 5', () => {
    expect(discloseCount(0)).toEqual({ suppressed: false, value: 0 });
    for (let n = 1; n <= 7; n++) expect(discloseCount(n)).toEqual({ suppressed: true, value: null });
    const cases: [number, number][] = [
      [8, 10],
      [9, 10],
      [10, 10],
      [12, 10],
      [12.4, 10],
      [12.5, 15],
      [13, 15],
      [17, 15],
      [18, 20],
      [1_234_567, 1_234_565],
      [1_234_568, 1_234_570],
    ];
    for (const [n, expected] of cases)
      expect(discloseCount(n)).toEqual({ suppressed: false, value: expected });
  });

  it('is never more than 2.5 away from the true count and always a multiple of 5 (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 8, max: 1e9 }), (n) => {
        const r = discloseCount(n);
        return !r.suppressed && r.value % 5 === 0 && Math.abs(r.value - n) <= 2.5 && r.value >= 10;
      }),
    );
  });

  it('passes through values that are not counts', () => {
    expect(discloseCount(-3)).toEqual({ suppressed: false, value: -3 });
    expect(discloseCount(Number.NaN).value).toBeNaN();
  });
});

describe('disclosureApplies', () => {
  it('applies only to counts below England when enabled', () => {
    expect(disclosureApplies({ enabled: true, level: 'icb', unit: 'events' })).toBe(true);
    expect(disclosureApplies({ enabled: true, level: 'region', unit: 'users' })).toBe(true);
    expect(disclosureApplies({ enabled: true, level: 'england', unit: 'users' })).toBe(false);
    expect(disclosureApplies({ enabled: true, level: 'icb', unit: 'percent' })).toBe(false);
    expect(disclosureApplies({ enabled: true, level: 'icb', unit: 'per_1000' })).toBe(false);
    expect(disclosureApplies({ enabled: false, level: 'icb', unit: 'events' })).toBe(false);
  });
});

describe('parseDisclosureSetting', () => {
  it('reads on and off', () => {
    for (const v of [undefined, '', 'off', 'OFF', 'false', '0', 'no'])
      expect(parseDisclosureSetting(v)).toBe(false);
    for (const v of ['on', 'On', 'true', '1', 'yes']) expect(parseDisclosureSetting(v)).toBe(true);
    expect(() => parseDisclosureSetting('maybe')).toThrow(/on.*off/);
  });
});

describe('discloseRate', () => {
  it('works a rate out from its disclosed count, so the list size cannot give the exact count back', () => {
    // 1,234 users at practices with 56,789 patients aged 13+, 90 % of the area's 1,371 users.
    const r = discloseRate(
      { numerator: 1234, denominator: 56_789, coverage: 1234 / 1371 },
      1000,
      'rate-per-1000',
    );
    expect(r.suppressed).toBe(false);
    expect(r.numerator).toBe(1235);
    expect(r.value).toBeCloseTo((1235 / 56_789) * 1000, 12);
    // The rate times the list size is the disclosed count, not the exact one.
    expect(Math.round((r.value! * 56_789) / 1000)).toBe(1235);
    // Coverage from the two disclosed counts: 1,235 of 1,370.
    expect(r.coverage).toBeCloseTo(1235 / 1370, 12);
    expect(r.confidence).toEqual(confidenceOf('rate-per-1000', 1235, 56_789, 1000));
    expect(r.confidence!.lowerCi95).not.toBeCloseTo(
      confidenceOf('rate-per-1000', 1234, 56_789, 1000)!.lowerCi95,
      9,
    );
  });

  it('suppresses the rate with its count, and keeps a zero count a zero rate', () => {
    for (let n = 1; n <= 7; n++) {
      expect(discloseRate({ numerator: n, denominator: 5000, coverage: 1 }, 100, 'proportion')).toEqual({
        suppressed: true,
        value: null,
        numerator: null,
        coverage: null,
        confidence: null,
      });
    }
    const zero = discloseRate({ numerator: 0, denominator: 5000, coverage: null }, 100, 'proportion');
    expect(zero).toMatchObject({ suppressed: false, value: 0, numerator: 0, coverage: null });
    // None of the area's users at practices with a list size: coverage 0 whatever the whole count.
    expect(discloseRate({ numerator: 0, denominator: 5000, coverage: 0 }, 100, 'none')).toMatchObject({
      value: 0,
      coverage: 0,
      confidence: null,
    });
  });

  it('works the coverage out from the two counts disclosed, not from the exact ones', () => {
    // 8 of 9: both disclose as 10, so the coverage given is 1, not 0.89.
    expect(discloseRate({ numerator: 8, denominator: 100, coverage: 8 / 9 }, 1000, 'none').coverage).toBe(1);
    // 12 of 23: 10 of 25.
    expect(discloseRate({ numerator: 12, denominator: 100, coverage: 12 / 23 }, 1000, 'none').coverage).toBe(
      0.4,
    );
  });

  it('never gives a rate further from the exact one than 2.5 in the count (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 8, max: 1e7 }), fc.integer({ min: 1, max: 1e8 }), (count, patients) => {
        const r = discloseRate({ numerator: count, denominator: patients, coverage: 1 }, 1000, 'none');
        return (
          !r.suppressed &&
          r.numerator % 5 === 0 &&
          Math.abs((r.value * patients) / 1000 - count) <= 2.5 + 1e-6 &&
          r.coverage === 1
        );
      }),
    );
  });
});
