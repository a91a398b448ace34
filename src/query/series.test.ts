/**
 * The loaded periods every series is laid on: worked out once per range and kept (issue 15.3), so they must
 * come out the same as the calendar says, whichever range was asked for first, and be safe to share.
 */
import { describe, expect, it } from 'vitest';
import { loadedPeriods } from './series.ts';

const status = { firstDay: '2026-01-05', lastDay: '2026-03-18' };

describe('loadedPeriods', () => {
  it('lists the weeks and months of the loaded days, marking those not wholly loaded', () => {
    const weeks = loadedPeriods('week', status, true);
    expect(weeks).toHaveLength(11);
    expect(weeks[0]).toEqual({ periodStart: '2026-01-05', complete: true });
    // 16 March is a Monday: the week to Sunday 22 March is not all loaded.
    expect(weeks[10]).toEqual({ periodStart: '2026-03-16', complete: false });
    expect(
      loadedPeriods('week', status, false)
        .map((p) => p.periodStart)
        .at(-1),
    ).toBe('2026-03-09');
    expect(loadedPeriods('month', status, true)).toEqual([
      { periodStart: '2026-01-01', complete: false }, // 1–4 January not loaded
      { periodStart: '2026-02-01', complete: true },
      { periodStart: '2026-03-01', complete: false },
    ]);
    // A 12-month window is complete only once its twelve months are loaded.
    expect(loadedPeriods('month', status, true, undefined, undefined, 12).every((p) => !p.complete)).toBe(
      true,
    );
  });

  it('gives the same frozen periods to every caller of a range, and new ones when the range moves', () => {
    const first = loadedPeriods('week', status, false, '2026-02-01', '2026-02-28');
    const again = loadedPeriods('week', { ...status }, false, '2026-02-01', '2026-02-28');
    expect(again).toBe(first);
    expect(first.map((p) => p.periodStart)).toEqual([
      '2026-01-26',
      '2026-02-02',
      '2026-02-09',
      '2026-02-16',
      '2026-02-23',
    ]);
    // Shared, so no caller may change them for the next.
    expect(Object.isFrozen(first)).toBe(true);
    expect(first.every((p) => Object.isFrozen(p))).toBe(true);
    expect(() => ((first[0] as { complete: boolean }).complete = false)).toThrow(TypeError);
    // Each part of the range is part of what is kept.
    const moreLoaded = loadedPeriods('week', { ...status, lastDay: '2026-03-22' }, true);
    expect(moreLoaded.at(-1)).toEqual({ periodStart: '2026-03-16', complete: true });
    expect(loadedPeriods('week', status, true).at(-1)).toEqual({
      periodStart: '2026-03-16',
      complete: false,
    });
    expect(loadedPeriods('month', status, true)).not.toBe(loadedPeriods('month', status, false));
    expect(loadedPeriods('month', status, true, undefined, undefined, 12)).not.toBe(
      loadedPeriods('month', status, true),
    );
  });

  it('has no periods before anything is loaded', () => {
    expect(loadedPeriods('week', { firstDay: null, lastDay: null }, true)).toEqual([]);
    expect(loadedPeriods('week', status, true, '2027-01-01')).toEqual([]);
  });
});
