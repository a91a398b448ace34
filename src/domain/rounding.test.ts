import { describe, expect, it } from 'vitest';
import { roundCount, roundFigure, roundTo } from './rounding.ts';

describe('roundTo', () => {
  it('rounds halves away from zero as written, despite binary representation', () => {
    expect(roundTo(1.005, 2)).toBe(1.01);
    expect(roundTo(-1.005, 2)).toBe(-1.01);
    expect(roundTo(2.5, 0)).toBe(3);
    expect(roundTo(-2.5, 0)).toBe(-3);
    expect(roundTo(412.45, 1)).toBe(412.5);
  });

  it('leaves whole numbers as they are, and never gives -0', () => {
    expect(roundTo(2188000, 1)).toBe(2188000);
    expect(roundTo(-7, 2)).toBe(-7);
    expect(Object.is(roundTo(-0, 1), 0)).toBe(true);
    expect(Object.is(roundTo(-0.01, 1), 0)).toBe(true);
    expect(roundTo(Number.POSITIVE_INFINITY, 1)).toBe(Number.POSITIVE_INFINITY);
  });

  it('keeps no data as no data', () => {
    expect(roundFigure(null, 'events')).toBeNull();
    expect(roundCount(undefined)).toBeUndefined();
    expect(roundCount(12.5)).toBe(13);
  });
});
