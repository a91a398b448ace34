import { describe, expect, it } from 'vitest';
import { pickRange, rangeSpanStart, rollingAverage } from './time-range.ts';

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
