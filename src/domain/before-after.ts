/**
 * "Did last month's campaign move anything?" (USER-TASKS 3, PRODUCT.md "trends after a campaign"): a count's
 * complete periods from a date on, against as many complete periods just before it. A date inside a period
 * leaves that period out of both sides (it is partly before and partly after); a date that starts its period
 * (a Monday, the 1st) puts it after. Pure.
 *
 * Whether the change is more than chance: the two totals as Poisson counts over equal spans, their ratio's
 * 95% interval on the log scale (exp(ln(A/B) ± 1.96·√(1/A + 1/B))). Week-to-week swings in App use are larger
 * than Poisson's, so an interval that excludes 1 is a guide, not proof; the page says so.
 */
import type { Grain } from './metric-definition.ts';
import { periodStart, shiftPeriod } from './periods.ts';
import { percentChange } from './rate.ts';
import { Z_95 } from './statistics.ts';

/** The most periods compared on each side: a quarter of weeks, a year of months. */
export const MAX_SIDE_PERIODS: Record<Grain, number> = { week: 13, month: 12 };

export interface BeforeAfterSide {
  /** First days of the side's first and last periods. */
  from: string;
  to: string;
  total: number;
  /** The total over the side's periods, per period. */
  average: number;
}

export type BeforeAfterVerdict = 'up' | 'down' | 'no-clear-change' | 'not-compared';

export interface BeforeAfter {
  /** Periods on each side. */
  periods: number;
  /** The period the date falls in, left out of both sides; null when the date starts its period. */
  excluded: string | null;
  before: BeforeAfterSide;
  after: BeforeAfterSide;
  /** After on before, in per cent; null when before is 0. */
  changePct: number | null;
  /** 95% interval of the change in per cent; null when either total is 0. */
  lowerPct: number | null;
  upperPct: number | null;
  verdict: BeforeAfterVerdict;
}

/**
 * The comparison, or null when there is nothing to compare: no complete period with a figure just after the
 * date's, or none just before it. The sides are equally long: as many consecutive periods as both have, at
 * most MAX_SIDE_PERIODS, nearest the date first; a period without a figure ends its side.
 */
export function beforeAfter(
  points: readonly { periodStart: string; value: number | null; complete: boolean }[],
  since: string,
  grain: Grain,
): BeforeAfter | null {
  const own = periodStart(grain, since);
  const excluded = own === since ? null : own;
  const byStart = new Map(
    points.filter((p) => p.complete && p.value !== null).map((p) => [p.periodStart, p]),
  );
  // A date outside the figures has a side without any; and stepping from year 1 or 9999 would leave the
  // calendar.
  const starts = [...byStart.keys()].sort();
  if (starts.length === 0 || own < starts[0]! || own > starts[starts.length - 1]!) return null;
  // Consecutive periods outwards from the date; a period without a figure ends the side.
  const run = (first: number, dir: 1 | -1) => {
    const out: { periodStart: string; value: number }[] = [];
    for (let k = 0; k < MAX_SIDE_PERIODS[grain]; k++) {
      const p = byStart.get(shiftPeriod(grain, own, first + dir * k));
      if (!p) break;
      out.push({ periodStart: p.periodStart, value: p.value! });
    }
    return out;
  };
  const after = run(excluded ? 1 : 0, 1);
  const before = run(-1, -1);
  const n = Math.min(after.length, before.length);
  if (n === 0) return null;
  const side = (list: { periodStart: string; value: number }[]): BeforeAfterSide => {
    const kept = list.slice(0, n).sort((a, b) => a.periodStart.localeCompare(b.periodStart));
    const total = kept.reduce((t, p) => t + p.value, 0);
    return { from: kept[0]!.periodStart, to: kept[kept.length - 1]!.periodStart, total, average: total / n };
  };
  const b = side(before);
  const a = side(after);
  const compared = { periods: n, excluded, before: b, after: a, changePct: percentChange(a.total, b.total) };
  if (a.total === 0 || b.total === 0) {
    return { ...compared, lowerPct: null, upperPct: null, verdict: 'not-compared' };
  }
  const log = Math.log(a.total / b.total);
  const half = Z_95 * Math.sqrt(1 / a.total + 1 / b.total);
  const lower = Math.exp(log - half);
  const upper = Math.exp(log + half);
  return {
    ...compared,
    lowerPct: (lower - 1) * 100,
    upperPct: (upper - 1) * 100,
    verdict: lower > 1 ? 'up' : upper < 1 ? 'down' : 'no-clear-change',
  };
}

export type AgainstRestVerdict = 'above' | 'below' | 'no-clear-difference' | 'not-compared';

/** An area's change around the date against the same change in the rest of England. */
export interface AgainstRest {
  /** The rest of England's totals over the area's periods: England's less the area's. */
  restBefore: number;
  restAfter: number;
  /** The rest of England's change, in per cent; null when its total before is 0. */
  restChangePct: number | null;
  /** The area's after/before over the rest's, less 1, in per cent: how much more it changed. */
  relativePct: number | null;
  /** 95% interval of relativePct; null when any of the four totals is 0. */
  lowerPct: number | null;
  upperPct: number | null;
  verdict: AgainstRestVerdict;
}

/**
 * The area's change (`compared`, from beforeAfter) against the change in the rest of England over the very
 * same periods (ADR 0065): a campaign shows as a change the rest of England did not have, where a season or
 * a national outage moves both. The rest (England less the area) is independent of the area, so the log of
 * the ratio of the two ratios has variance 1/A₀ + 1/A₁ + 1/R₀ + 1/R₁ (four Poisson totals); against England
 * as a whole the area would be compared partly with itself. Null when England lacks a figure for one of the
 * periods, or is less than the area on a side (figures from different loads). Pure.
 */
export function againstRest(
  compared: BeforeAfter,
  england: readonly { periodStart: string; value: number | null; complete: boolean }[],
  grain: Grain,
): AgainstRest | null {
  const byStart = new Map(
    england.filter((p) => p.complete && p.value !== null).map((p) => [p.periodStart, p.value!]),
  );
  const total = (side: BeforeAfterSide): number | null => {
    let sum = 0;
    for (let k = 0; k < compared.periods; k++) {
      const value = byStart.get(shiftPeriod(grain, side.from, k));
      if (value === undefined) return null;
      sum += value;
    }
    return sum;
  };
  const wholeBefore = total(compared.before);
  const wholeAfter = total(compared.after);
  if (wholeBefore === null || wholeAfter === null) return null;
  const restBefore = wholeBefore - compared.before.total;
  const restAfter = wholeAfter - compared.after.total;
  if (restBefore < 0 || restAfter < 0) return null;
  const rest = { restBefore, restAfter, restChangePct: percentChange(restAfter, restBefore) };
  const a0 = compared.before.total;
  const a1 = compared.after.total;
  if (a0 === 0 || a1 === 0 || restBefore === 0 || restAfter === 0) {
    return { ...rest, relativePct: null, lowerPct: null, upperPct: null, verdict: 'not-compared' };
  }
  const log = Math.log(a1 / a0) - Math.log(restAfter / restBefore);
  const half = Z_95 * Math.sqrt(1 / a0 + 1 / a1 + 1 / restBefore + 1 / restAfter);
  const lower = Math.exp(log - half);
  const upper = Math.exp(log + half);
  return {
    ...rest,
    relativePct: (Math.exp(log) - 1) * 100,
    lowerPct: (lower - 1) * 100,
    upperPct: (upper - 1) * 100,
    verdict: lower > 1 ? 'above' : upper < 1 ? 'below' : 'no-clear-difference',
  };
}
