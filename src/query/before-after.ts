/**
 * Which figures of a page are compared before and after a date, and the comparisons themselves (USER-TASKS 3;
 * ADR 0063, ADR 0065): shared by the page's table (src/web/views/before-after.ts) and the API
 * (/api/v1/before-after), so both compare the same figures the same way. The arithmetic is the domain's
 * (src/domain/before-after.ts). Pure.
 */
import { againstRest, beforeAfter, type AgainstRest, type BeforeAfter } from '../domain/before-after.ts';
import type { Grain, MetricDefinition } from '../domain/metric-definition.ts';
import { isKind } from '../domain/metric-kind.ts';
import type { SeriesPoint, SummaryTile } from './types.ts';

/**
 * The metrics whose figures are counts per period (counts and unique users): the only ones compared before
 * and after a date. A running total or a rolling 12 months carries the periods before the date into those
 * after it. Callers take it once, from the catalogue.
 */
export function periodCountIds(catalogue: readonly MetricDefinition[]): ReadonlySet<string> {
  return new Set(catalogue.filter((m) => isKind(m, 'count', 'unique_users')).map((m) => m.id));
}

export interface AroundDate {
  tile: SummaryTile;
  compared: BeforeAfter;
  /** Against the rest of England over the same periods; null on England's own figures or without them. */
  againstRest: AgainstRest | null;
}

const isCount = (unit: string) => unit === 'events' || unit === 'users';

/**
 * Each headline count per period of the page compared around `since` (an ISO date), in the tiles' order;
 * counts with nothing to compare are left out. `periodCounts` names the counts per period (without it,
 * every count is taken for one). `englandSeries`, on an area's page, sets each change against the rest of
 * England's.
 */
export function compareAroundDate(
  page: {
    grain: Grain;
    tiles: readonly SummaryTile[];
    series: Record<string, SeriesPoint[]>;
    englandSeries?: Record<string, SeriesPoint[]>;
  },
  since: string,
  periodCounts?: ReadonlySet<string>,
): AroundDate[] {
  const out: AroundDate[] = [];
  for (const tile of page.tiles) {
    if (!isCount(tile.unit) || (periodCounts && !periodCounts.has(tile.metricId))) continue;
    const compared = beforeAfter(page.series[tile.metricId] ?? [], since, page.grain);
    if (!compared) continue;
    const england = page.englandSeries?.[tile.metricId];
    out.push({ tile, compared, againstRest: england ? againstRest(compared, england, page.grain) : null });
  }
  return out;
}
