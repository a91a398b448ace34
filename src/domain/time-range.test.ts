import { describe, expect, it } from 'vitest';
import { pickRange, rangeSpanStart, rollingAverage, yearOnYear } from './time-range.ts';

/** Mondays from `first`, n of them (hand-listed dates are checked against a calendar below). */
function weeks(first: string, n: number): { periodStart: string; value: number; complete: boolean }[] {
  const out = [];
  const d = new Date(`${first}T00:00:00Z`);
  for (let i = 0; i < n; i++) {
    out.push({ periodStart: d.toISOString().slice(0, 10), value: i, complete: true });
    d.setUTCDate(d.getUTCDate() + 7);
  }
  return out;
}

describe('time ranges', () => {
  it('takes exactly the last N weeks at weekly grain', () => {
    // 20 Mondays, 29 June to 9 November 2026; the last 13 start on 17 August (9 November minus 12 weeks).
    const all = weeks('2026-06-29', 20);
    expect(all.at(-1)!.periodStart).toBe('2026-11-09');
    expect(rangeSpanStart('week', '13w', '2026-11-09')).toBe('2026-08-17');
    const picked = pickRange('week', '13w', all).map((p) => p.periodStart);
    expect(picked).toHaveLength(13);
    expect(picked[0]).toBe('2026-08-17');
    expect(picked.at(-1)).toBe('2026-11-09');
    expect(pickRange('week', '8w', all)[0]!.periodStart).toBe('2026-09-21');
    expect(pickRange('week', 'all', all)).toHaveLength(20);
  });

  it('takes exactly the last N months at monthly grain', () => {
    const months = ['2025-09-01', '2025-10-01', '2025-11-01', '2025-12-01', '2026-01-01', '2026-10-01'].map(
      (periodStart) => ({ periodStart }),
    );
    // 12 months ending October 2026 start in November 2025; September and October 2025 are left out.
    expect(rangeSpanStart('month', '12m', '2026-10-01')).toBe('2025-11-01');
    expect(pickRange('month', '12m', months).map((p) => p.periodStart)).toEqual([
      '2025-11-01',
      '2025-12-01',
      '2026-01-01',
      '2026-10-01',
    ]);
  });

  it('takes the periods that overlap the span at the other grain', () => {
    // By month, 13 weeks ending 31 October 2026 start on 2 August (31 October minus 90 days): August to October.
    const months = ['2026-05-01', '2026-06-01', '2026-07-01', '2026-08-01', '2026-09-01', '2026-10-01'];
    const picked = pickRange(
      'month',
      '13w',
      months.map((periodStart) => ({ periodStart })),
    ).map((p) => p.periodStart);
    expect(picked).toEqual(['2026-08-01', '2026-09-01', '2026-10-01']);
    // By week, 12 months ending Sunday 15 November 2026 start on 1 December 2025: the week of 24 November
    // 2025 (ending 30 November) is out, that of 1 December in; 50 weeks in all.
    const all = weeks('2025-11-17', 52);
    const yearOfWeeks = pickRange('week', '12m', all);
    expect(yearOfWeeks[0]!.periodStart).toBe('2025-12-01');
    expect(yearOfWeeks.at(-1)!.periodStart).toBe('2026-11-09');
    expect(yearOfWeeks).toHaveLength(50);
  });

  it('averages four consecutive complete weeks, never over a partial week or a gap', () => {
    const points = weeks('2026-09-07', 6).map((p, i) => ({ ...p, value: [10, 20, 30, 40, 50, 60][i]! }));
    // (10+20+30+40)/4 = 25, (20+30+40+50)/4 = 35, (30+40+50+60)/4 = 45.
    expect(rollingAverage(points)).toEqual([null, null, null, 25, 35, 45]);
    const partial = points.map((p, i) => (i === 5 ? { ...p, complete: false } : p));
    expect(rollingAverage(partial)).toEqual([null, null, null, 25, 35, null]);
    // A missing week (5 October left out): the weeks around it are not consecutive.
    const gap = points.filter((p) => p.periodStart !== '2026-10-05');
    expect(gap.map((p) => p.periodStart)).toEqual([
      '2026-09-07',
      '2026-09-14',
      '2026-09-21',
      '2026-09-28',
      '2026-10-12',
    ]);
    expect(rollingAverage(gap)).toEqual([null, null, null, 25, null]);
  });
});

describe('yearOnYear', () => {
  // 15 months, January 2025 to March 2026, all complete; figures 100, 101, … by month.
  const months = Array.from({ length: 15 }, (_, i) => {
    const y = 2025 + Math.floor(i / 12);
    const m = (i % 12) + 1;
    return { periodStart: `${y}-${String(m).padStart(2, '0')}-01`, complete: true };
  });
  const values = months.map((_, i) => 100 + i);

  it('adds up the latest 3 complete months against the same months a year earlier', () => {
    const r = yearOnYear('month', months, values)!;
    expect(r.periods).toEqual(['2026-01-01', '2026-02-01', '2026-03-01']);
    // 112 + 113 + 114 against 100 + 101 + 102.
    expect(r.recent).toBe(339);
    expect(r.yearEarlier).toBe(303);
    expect(r.changePct).toBeCloseTo((36 / 303) * 100, 10);
  });

  it('leaves out a partial latest period, and needs a complete year-earlier figure for each period', () => {
    const partial = months.map((p, i) => (i === 14 ? { ...p, complete: false } : p));
    // December 2025 to February 2026 against December 2024 (none: the range starts in January) … no answer.
    expect(yearOnYear('month', partial, values)).toBeNull();
    // No data a year earlier is not zero: no answer rather than growth from nothing.
    expect(
      yearOnYear(
        'month',
        months,
        values.map((v, i) => (i === 1 ? null : v)),
      ),
    ).toBeNull();
    expect(
      yearOnYear(
        'month',
        months,
        values.map((v, i) => (i <= 2 ? 0 : v)),
      ),
    ).toBeNull();
    expect(yearOnYear('month', months.slice(0, 14), values)).toBeNull();
  });

  it('compares weeks with the weeks 52 weeks earlier, so that they start on the same weekday', () => {
    // 56 Mondays from 6 January 2025.
    const weeks = Array.from({ length: 56 }, (_, i) => ({
      periodStart: new Date(Date.UTC(2025, 0, 6 + 7 * i)).toISOString().slice(0, 10),
      complete: true,
    }));
    const r = yearOnYear(
      'week',
      weeks,
      weeks.map((_, i) => (i < 4 ? 10 : 15)),
    )!;
    // Weeks 52–55: 6 January 2025 + 364 days is Monday 5 January 2026; their year-earlier weeks are 0–3.
    expect(r.periods).toEqual(['2026-01-05', '2026-01-12', '2026-01-19', '2026-01-26']);
    expect([r.recent, r.yearEarlier, r.changePct]).toEqual([60, 40, 50]);
  });
});
