import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { disclosureApplies, discloseCount, parseDisclosureSetting } from './disclosure.ts';

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
