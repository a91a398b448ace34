import { describe, expect, it } from 'vitest';
import { againstRest, beforeAfter, MAX_SIDE_PERIODS } from './before-after.ts';

/** Weekly points from Monday 2026-08-03, one per value. */
function weeks(values: (number | null)[], complete = values.map(() => true)) {
  return values.map((value, i) => {
    const d = new Date(Date.UTC(2026, 7, 3 + 7 * i));
    return { periodStart: d.toISOString().slice(0, 10), value, complete: complete[i]! };
  });
}

describe('beforeAfter', () => {
  it('compares as many whole weeks after the date’s week as there are before it, leaving that week out', () => {
    // Weeks from 3 Aug; the date is Wednesday 2 September, in the week of 31 August (index 4).
    const points = weeks([100, 110, 90, 100, 999, 130, 120]);
    const r = beforeAfter(points, '2026-09-02', 'week')!;
    expect(r.excluded).toBe('2026-08-31');
    expect(r.periods).toBe(2);
    // The two weeks nearest the date on each side.
    expect(r.before).toEqual({ from: '2026-08-17', to: '2026-08-24', total: 190, average: 95 });
    expect(r.after).toEqual({ from: '2026-09-07', to: '2026-09-14', total: 250, average: 125 });
    expect(r.changePct).toBeCloseTo((60 / 190) * 100, 9);
    // ln(250/190) ± 1.96·√(1/250 + 1/190), worked by hand: 0.27444 ± 0.18840.
    expect(r.lowerPct!).toBeCloseTo((Math.exp(0.27444 - 0.1884) - 1) * 100, 1);
    expect(r.upperPct!).toBeCloseTo((Math.exp(0.27444 + 0.1884) - 1) * 100, 1);
    expect(r.verdict).toBe('up');
  });

  it('says no clear change when the interval holds no change, and down when it is wholly below', () => {
    expect(beforeAfter(weeks([100, 100, 999, 104, 95]), '2026-08-19', 'week')!.verdict).toBe(
      'no-clear-change',
    );
    const down = beforeAfter(weeks([1000, 1000, 999, 800, 800]), '2026-08-19', 'week')!;
    expect(down.verdict).toBe('down');
    expect(down.changePct).toBe(-20);
    expect(down.upperPct!).toBeLessThan(0);
  });

  it('puts the period a date starts (a Monday, the 1st) after the date, leaving nothing out', () => {
    const r = beforeAfter(weeks([100, 110, 120, 130, 140]), '2026-08-17', 'week')!;
    expect(r.excluded).toBeNull();
    expect(r.periods).toBe(2);
    expect(r.before).toMatchObject({ from: '2026-08-03', to: '2026-08-10', total: 210 });
    expect(r.after).toMatchObject({ from: '2026-08-17', to: '2026-08-24', total: 250 });
  });

  it('stops a side at a period without a figure or not yet complete', () => {
    const points = weeks(
      [50, null, 60, 70, 999, 80, 90, 100],
      [true, true, true, true, true, true, true, false],
    );
    const r = beforeAfter(points, '2026-09-03', 'week')!;
    // After: 7 and 14 September (21 September is partial); before: 24 and 17 August (10 August has none).
    expect(r.periods).toBe(2);
    expect(r.before.total).toBe(130);
    expect(r.after.total).toBe(170);
  });

  it('gives nothing to compare without a whole period on both sides', () => {
    expect(beforeAfter(weeks([10, 20, 30]), '2026-08-19', 'week')).toBeNull(); // in the last week: none after
    expect(beforeAfter(weeks([10, 20, 30]), '2026-08-05', 'week')).toBeNull(); // in the first: none before
    expect(beforeAfter(weeks([10, 20, 30]), '2026-08-03', 'week')).toBeNull(); // the first Monday: none before
    expect(beforeAfter(weeks([10, 20, 30]), '2027-01-04', 'week')).toBeNull(); // beyond the data
    // The calendar's own ends: nothing to compare, and no error.
    for (const grain of ['week', 'month'] as const) {
      expect(beforeAfter(weeks([10, 20, 30]), '0001-01-01', grain)).toBeNull();
      expect(beforeAfter(weeks([10, 20, 30]), '9999-12-31', grain)).toBeNull();
    }
    expect(beforeAfter([], '2026-08-19', 'week')).toBeNull();
  });

  it('compares by month, at most a year on each side, and makes no verdict from a zero total', () => {
    const months = Array.from({ length: 30 }, (_, i) => ({
      periodStart: `${2024 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}-01`,
      value: 10,
      complete: true,
    }));
    const r = beforeAfter(months, '2025-06-15', 'month')!;
    expect(r.excluded).toBe('2025-06-01');
    expect(r.periods).toBe(MAX_SIDE_PERIODS.month);
    expect(r.before).toMatchObject({ from: '2024-06-01', to: '2025-05-01', total: 120 });
    expect(r.after).toMatchObject({ from: '2025-07-01', to: '2026-06-01', total: 120 });
    expect(r.verdict).toBe('no-clear-change');
    const zero = beforeAfter(weeks([0, 0, 999, 5, 5]), '2026-08-19', 'week')!;
    expect(zero).toMatchObject({ changePct: null, lowerPct: null, verdict: 'not-compared' });
  });
});

describe('againstRest', () => {
  // The area's weeks from 3 Aug and England's (the area included), the date Monday 17 August: two weeks a side.
  const area = weeks([100, 100, 150, 150]);
  const compared = beforeAfter(area, '2026-08-17', 'week')!;

  it('compares the area’s change with the rest of England’s over the same periods, worked by hand', () => {
    // England 600 a week before, 650 after: the rest is 1,200 − 200 = 1,000 before and 1,300 − 300 = 1,000
    // after. The area rose 50 %, the rest not at all.
    const r = againstRest(compared, weeks([600, 600, 650, 650]), 'week')!;
    expect(r.restBefore).toBe(1000);
    expect(r.restAfter).toBe(1000);
    expect(r.restChangePct).toBe(0);
    expect(r.relativePct).toBeCloseTo(50, 9);
    // ln(1.5) ± 1.96·√(1/200 + 1/300 + 1/1000 + 1/1000) = 0.405465 ± 1.96·√0.0103333… = 0.405465 ± 0.199237.
    expect(r.lowerPct!).toBeCloseTo((Math.exp(0.405465 - 0.199237) - 1) * 100, 2);
    expect(r.upperPct!).toBeCloseTo((Math.exp(0.405465 + 0.199237) - 1) * 100, 2);
    expect(r.verdict).toBe('above');
  });

  it('finds no clear difference when the rest of England moved as much (a season, not a campaign)', () => {
    // The rest: 1,000 → 1,500 a fortnight, +50 % like the area.
    const r = againstRest(compared, weeks([600, 600, 900, 900]), 'week')!;
    expect(r.restChangePct).toBe(50);
    expect(r.relativePct).toBeCloseTo(0, 9);
    expect(r.verdict).toBe('no-clear-difference');
    // And below when the rest rose much more: 1,000 → 3,000.
    const below = againstRest(compared, weeks([600, 600, 1650, 1650]), 'week')!;
    expect(below.relativePct).toBeCloseTo((1.5 / 3 - 1) * 100, 9);
    expect(below.verdict).toBe('below');
  });

  it('uses only the periods the area’s comparison used, whatever England has besides', () => {
    // The area's sides end at its missing weeks (two a side from Monday 24 August); England's weeks
    // outside them (9 each) change nothing.
    const shifted = beforeAfter(weeks([null, 100, 100, 150, 150, null]), '2026-08-24', 'week')!;
    expect([shifted.before.from, shifted.after.to]).toEqual(['2026-08-10', '2026-08-31']);
    const r = againstRest(shifted, weeks([9, 600, 600, 650, 650, 9]), 'week')!;
    expect([r.restBefore, r.restAfter]).toEqual([1000, 1000]);
  });

  it('gives nothing without England’s figure for each period, or with England below the area', () => {
    expect(againstRest(compared, weeks([600, null, 650, 650]), 'week')).toBeNull();
    expect(againstRest(compared, weeks([600, 600, 650]), 'week')).toBeNull();
    expect(againstRest(compared, weeks([600, 600, 650, 650], [true, true, true, false]), 'week')).toBeNull();
    expect(againstRest(compared, weeks([90, 100, 650, 650]), 'week')).toBeNull();
  });

  it('does not compare when a total is 0, but still gives the rest’s change', () => {
    const r = againstRest(compared, weeks([100, 100, 650, 650]), 'week')!;
    expect(r.restBefore).toBe(0);
    expect(r.restChangePct).toBeNull();
    expect(r.verdict).toBe('not-compared');
    expect(r.relativePct).toBeNull();
  });
});
