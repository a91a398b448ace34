import { describe, expect, it } from 'vitest';
import { patientRate } from './rate.ts';

describe('patientRate (the one formula for rates over patients aged 13+)', () => {
  it('leaves out the uncovered part, scales the patients and applies the multiplier', () => {
    // 130 logins, 30 of them at practices without a list size, over 2,000 patients at demo scale 0.5.
    expect(
      patientRate({ stored: 130, uncovered: 30, patients13plus: 2000, patientScale: 0.5, multiplier: 1000 }),
    ).toEqual({ value: 100, numerator: 100, denominator: 1000, coverage: 100 / 130 });
  });

  it('has no coverage when the numerator metric is 0', () => {
    expect(
      patientRate({ stored: 0, uncovered: 0, patients13plus: 400, patientScale: 1, multiplier: 100 }),
    ).toEqual({
      value: 0,
      numerator: 0,
      denominator: 400,
      coverage: null,
    });
  });

  it('is no data (null), never 0, without patients', () => {
    for (const patients13plus of [null, 0, -5, Number.NaN]) {
      expect(
        patientRate({ stored: 10, uncovered: 0, patients13plus, patientScale: 1, multiplier: 1000 }),
      ).toBeNull();
    }
  });
});
