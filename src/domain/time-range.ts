/**
 * Time ranges of the figure pages (issue 14.3, docs/adr/0029): which periods a chart, its table and its CSV
 * show, and the 4-week rolling average of weekly charts. Pure.
 *
 * A range is a span of time ending with the last period shown: `8w`, `13w`, `26w` (weeks), `12m`, `24m`
 * (calendar months) or `all`. A period is in the range when it overlaps the span, so at its own grain a range
 * is exactly N periods (the last 13 weeks, the last 12 months) and at the other grain it is the periods that
 * cover the span (13 weeks by month: the 3 or 4 months they touch; 12 months by week: the weeks ending in
 * the last 12 calendar months).
 */
import { addDays, addMonths, dayNumber, periodEnd, type Grain } from './periods.ts';
import { percentChange } from './rate.ts';

export const TIME_RANGES = ['8w', '13w', '26w', '12m', '24m', 'all'] as const;
export type TimeRange = (typeof TIME_RANGES)[number];

/** A year of figures at either grain: one default, so that switching grain never changes the range. */
export const DEFAULT_RANGE: TimeRange = '12m';

export const RANGE_LABELS: Record<TimeRange, string> = {
  '8w': 'Last 8 weeks',
  '13w': 'Last 13 weeks',
  '26w': 'Last 26 weeks',
  '12m': 'Last 12 months',
  '24m': 'Last 24 months',
  all: 'All',
};

export function isTimeRange(value: unknown): value is TimeRange {
  return typeof value === 'string' && (TIME_RANGES as readonly string[]).includes(value);
}

/**
 * The first day of the span a range covers, ending with the period that starts on `lastPeriod`; null for
 * `all`. Weeks count back whole weeks of days from the period's last day; months whole calendar months.
 */
export function rangeSpanStart(grain: Grain, range: TimeRange, lastPeriod: string): string | null {
  if (range === 'all') return null;
  const end = periodEnd(grain, lastPeriod);
  const n = Number(range.slice(0, -1));
  if (range.endsWith('w')) return addDays(end, -(7 * n - 1));
  return addMonths(`${end.slice(0, 8)}01`, -(n - 1));
}

/** Whether the period starting on `start` overlaps the span from `spanStart` (null: everything). */
export function inRange(grain: Grain, start: string, spanStart: string | null): boolean {
  return spanStart === null || periodEnd(grain, start) >= spanStart;
}

/** The items whose period overlaps the range ending with the latest of them (oldest first, as given). */
export function pickRange<T extends { periodStart: string }>(
  grain: Grain,
  range: TimeRange,
  items: readonly T[],
  lastPeriod: string | null = latestPeriod(items),
): T[] {
  if (lastPeriod === null) return [...items];
  const spanStart = rangeSpanStart(grain, range, lastPeriod);
  return items.filter((p) => inRange(grain, p.periodStart, spanStart));
}

/** The last period among items (null: none). */
export function latestPeriod(items: readonly { periodStart: string }[]): string | null {
  let last: string | null = null;
  for (const p of items) if (last === null || p.periodStart > last) last = p.periodStart;
  return last;
}

/** Weeks in the rolling average of weekly charts (`avg=4w`). */
export const ROLLING_WEEKS = 4;

/**
 * The trailing mean of `weeks` consecutive weeks at each week: the mean of its value and those of the weeks
 * before it. Null (no average) unless all of them are present, consecutive, finite and complete: a partial
 * week or a gap would drag the mean down, so it is not averaged over. Points oldest first.
 */
export function rollingAverage(
  points: readonly { periodStart: string; value: number; complete: boolean }[],
  weeks = ROLLING_WEEKS,
): (number | null)[] {
  return points.map((_, i) => {
    if (i + 1 < weeks) return null;
    const window = points.slice(i + 1 - weeks, i + 1);
    const ok = window.every(
      (p, k) =>
        p.complete &&
        Number.isFinite(p.value) &&
        (k === 0 || dayNumber(p.periodStart) - dayNumber(window[k - 1]!.periodStart) === 7),
    );
    return ok ? window.reduce((sum, p) => sum + p.value, 0) / weeks : null;
  });
}

/**
 * The period a year before the one starting `periodStart`: the same calendar month, or the week 52 weeks
 * earlier (364 days, so a week keeps its weekday and stays a Monday-to-Sunday week).
 */
export function yearEarlierStart(grain: Grain, periodStart: string): string {
  return grain === 'month' ? addMonths(periodStart, -12) : addDays(periodStart, -364);
}

/** How many of the latest complete periods a year-on-year change adds up: a quarter's months, or 4 weeks. */
export const YEAR_ON_YEAR_PERIODS: Record<Grain, number> = { month: 3, week: 4 };

export interface YearOnYear {
  /** The latest complete periods compared, oldest first (YEAR_ON_YEAR_PERIODS of them). */
  periods: string[];
  recent: number;
  /** The same periods a year earlier: 12 months, or 52 weeks (so weeks keep their weekday). */
  yearEarlier: number;
  /** Percentage change from yearEarlier to recent. */
  changePct: number;
}

/**
 * The latest complete periods' total against the same periods a year earlier: "is it growing?" without the
 * seasons getting in the way. `values[i]` is the figure of `periods[i]`. Null unless every one of those periods
 * and its year-earlier period is complete and has a figure (no data is not zero), and the year-earlier total
 * is above 0 (no percentage can be taken from nothing).
 */
export function yearOnYear(
  grain: Grain,
  periods: readonly { periodStart: string; complete: boolean }[],
  values: readonly (number | null)[],
): YearOnYear | null {
  const n = YEAR_ON_YEAR_PERIODS[grain];
  const at = new Map(periods.map((p, i) => [p.periodStart, i]));
  const latest = periods
    .map((p, i) => ({ ...p, i }))
    .filter((p) => p.complete)
    .slice(-n);
  if (latest.length < n) return null;
  let recent = 0;
  let yearEarlier = 0;
  for (const p of latest) {
    const before = at.get(yearEarlierStart(grain, p.periodStart));
    const now = values[p.i];
    const then = before === undefined ? null : values[before];
    if (now === null || now === undefined || then === null || then === undefined) return null;
    if (!periods[before!]!.complete) return null;
    recent += now;
    yearEarlier += then;
  }
  const changePct = percentChange(recent, yearEarlier);
  if (changePct === null) return null;
  return { periods: latest.map((p) => p.periodStart), recent, yearEarlier, changePct };
}
