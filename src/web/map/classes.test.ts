import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classify, PALETTE } from './classes.ts';

describe('classify: quantiles', () => {
  it('ten distinct values make five classes of two, light to dark', () => {
    const c = classify([10, 1, 9, 2, 8, 3, 7, 4, 6, 5], 'quantile');
    expect(c.classes.map((k) => [k.lower, k.upper, k.count])).toEqual([
      [1, 2, 2],
      [3, 4, 2],
      [5, 6, 2],
      [7, 8, 2],
      [9, 10, 2],
    ]);
    expect(c.classes.map((k) => k.shade)).toEqual([0, 1, 2, 3, 4]);
    expect(c.classOf(1)).toBe(0);
    expect(c.classOf(6)).toBe(2);
    expect(c.classOf(10)).toBe(4);
  });

  it('never splits equal values, and uses fewer classes when there are fewer distinct values', () => {
    const c = classify([5, 5, 5, 5, 5, 5, 1, 9], 'quantile');
    for (const k of c.classes) expect(k.count).toBeGreaterThan(0);
    expect(c.classes.filter((k) => k.lower <= 5 && k.upper >= 5)).toHaveLength(1);
    const two = classify([3, 3, 7], 'quantile');
    expect(two.classes).toHaveLength(2);
    expect(two.classes.map((k) => k.shade)).toEqual([1, 3]);
    const one = classify([4, 4], 'quantile');
    expect(one.classes).toEqual([{ index: 0, shade: 2, lower: 4, upper: 4, count: 2 }]);
  });

  it('no values: no classes; non-finite values are left out', () => {
    expect(classify([], 'quantile').classes).toEqual([]);
    expect(classify([], 'quantile').classOf(3)).toBeNull();
    expect(classify([Number.NaN, 2], 'quantile').classes).toHaveLength(1);
  });

  it('property: every value falls in the class whose range holds it; ranges are ordered and disjoint; counts add up', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: 1, maxLength: 200 }),
        (values) => {
          const c = classify(values, 'quantile');
          expect(c.classes.reduce((s, k) => s + k.count, 0)).toBe(values.length);
          for (let i = 1; i < c.classes.length; i++)
            expect(c.classes[i]!.lower).toBeGreaterThan(c.classes[i - 1]!.upper);
          for (const v of values) {
            const k = c.classes[c.classOf(v)!]!;
            expect(v).toBeGreaterThanOrEqual(k.lower);
            expect(v).toBeLessThanOrEqual(k.upper);
          }
          // Quantiles: no class holds more than about twice its share, unless ties force it.
          const distinct = new Set(values).size;
          if (distinct === values.length && values.length >= 5) {
            for (const k of c.classes) expect(k.count).toBeLessThanOrEqual(Math.ceil(values.length / 5) + 1);
          }
        },
      ),
    );
  });
});

describe('classify: equal intervals', () => {
  it('cuts the range into equal steps; a value on a boundary goes up; empty steps kept', () => {
    const c = classify([0, 1, 2, 10], 'equal');
    expect(c.classes.map((k) => [k.lower, k.upper, k.count])).toEqual([
      [0, 2.5, 3],
      [2.5, 5, 0],
      [5, 7.5, 0],
      [7.5, 10, 1],
    ]);
    const five = classify([0, 2, 4, 6, 8, 10], 'equal');
    expect(five.classes.map((k) => k.count)).toEqual([1, 1, 1, 1, 2]);
    expect(five.classOf(2)).toBe(1);
    expect(five.classOf(10)).toBe(4);
  });

  it('one distinct value: one class', () => {
    const c = classify([7, 7, 7], 'equal');
    expect(c.classes).toEqual([{ index: 0, shade: 2, lower: 7, upper: 7, count: 3 }]);
  });
});

describe('PALETTE', () => {
  it('is a light-to-dark sequence (relative luminance falls)', () => {
    const lum = (hex: string) => {
      const [r, g, b] = [1, 3, 5]
        .map((i) => parseInt(hex.slice(i, i + 2), 16) / 255)
        .map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
      return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
    };
    const l = PALETTE.map(lum);
    for (let i = 1; i < l.length; i++) expect(l[i]!).toBeLessThan(l[i - 1]!);
  });
});
