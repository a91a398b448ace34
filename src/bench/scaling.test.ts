import { describe, expect, it } from 'vitest';
import { extrapolate, growthExponent } from './scaling.ts';

describe('bench scaling', () => {
  it('takes a point at or beyond the target as measured', () => {
    expect(
      extrapolate(
        [
          { x: 10, y: 5 },
          { x: 40, y: 30 },
        ],
        35,
      ),
    ).toEqual({ value: 30, method: 'measured' });
  });

  it('extends the line through two points', () => {
    // y = 2 + 3x: at x = 10, 32.
    const r = extrapolate(
      [
        { x: 1, y: 5 },
        { x: 2, y: 8 },
      ],
      10,
    );
    expect(r.method).toBe('linear');
    expect(r.value).toBeCloseTo(32, 10);
  });

  it('fits a least-squares line through more points', () => {
    // By hand: mean (2.5, 3.5), Sxx 5, Sxy 4, so slope 0.8 and intercept 1.5.
    const r = extrapolate(
      [
        { x: 1, y: 2.5 },
        { x: 2, y: 2.5 },
        { x: 3, y: 4.5 },
        { x: 4, y: 4.5 },
      ],
      10,
    );
    expect(r.method).toBe('linear');
    expect(r.value).toBeCloseTo(0.8 * 10 + 1.5, 10);
  });

  it('falls back to proportional with one point or a falling line', () => {
    expect(extrapolate([{ x: 2, y: 3 }], 10)).toEqual({ value: 15, method: 'proportional' });
    expect(
      extrapolate(
        [
          { x: 1, y: 4 },
          { x: 2, y: 3 },
        ],
        10,
      ),
    ).toEqual({ value: 15, method: 'proportional' });
  });

  it('gives the exponent of growth between two points', () => {
    expect(growthExponent({ x: 1, y: 3 }, { x: 2, y: 6 })).toBeCloseTo(1, 10);
    expect(growthExponent({ x: 1, y: 3 }, { x: 4, y: 6 })).toBeCloseTo(0.5, 10);
  });
});
