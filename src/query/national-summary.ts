import { ENGLAND_CODE } from '../domain/areas.ts';
import type { Grain, MetricDefinition } from '../domain/metric-definition.ts';
import { metricsShownOn } from '../domain/placements.ts';
import type { Warehouse } from '../warehouse/db.ts';
import { getAreaSeries } from './series.ts';
import { getDataStatus } from './status.ts';
import type { NationalSummary, SeriesPoint, SummaryTile } from './types.ts';
import { percentChange } from '../domain/rate.ts';
import { yearEarlierStart } from '../domain/time-range.ts';

/**
 * Percentage change of `latest` on `previous`; null when either is missing or partial (a period still
 * being loaded is not compared with a whole one), or previous is zero.
 */
export function changePct(latest: SeriesPoint | null, previous: SeriesPoint | null): number | null {
  if (!latest || !previous || !latest.complete || !previous.complete) return null;
  return percentChange(latest.value, previous.value);
}

/** Latest and previous points of a series: the latest complete period unless partial ones were asked for. */
export function latestPair(series: SeriesPoint[]): {
  latest: SeriesPoint | null;
  previous: SeriesPoint | null;
} {
  const n = series.length;
  return { latest: series[n - 1] ?? null, previous: series[n - 2] ?? null };
}

/**
 * The point of `series` for the period a year before `latest` (found by its start, not its position: a
 * series may have gaps), or null.
 */
function yearEarlierPoint(
  series: readonly SeriesPoint[],
  latest: SeriesPoint | null,
  grain: Grain,
): SeriesPoint | null {
  if (!latest) return null;
  const start = yearEarlierStart(grain, latest.periodStart);
  return series.find((p) => p.periodStart === start) ?? null;
}

/**
 * A headline tile: the metric's latest complete figure, its change on the previous period and on the same
 * period a year earlier.
 */
export function buildTile(m: MetricDefinition, points: SeriesPoint[], grain: Grain): SummaryTile {
  const { latest, previous } = latestPair(points);
  const yearEarlier = yearEarlierPoint(points, latest, grain);
  return {
    metricId: m.id,
    name: m.name,
    shortName: m.short_name,
    description: m.description,
    unit: m.unit,
    polarity: m.polarity,
    latest,
    previous,
    changePct: changePct(latest, previous),
    yearEarlier,
    changeOnYearPct: changePct(latest, yearEarlier),
  };
}

export async function getNationalSummary(
  db: Warehouse,
  catalogue: MetricDefinition[],
  opts: { grain: Grain; includePartial: boolean },
): Promise<NationalSummary> {
  const status = await getDataStatus(db);
  // The headline metrics, in order: shown_on national_summary_headline in their YAML.
  const metrics = metricsShownOn(catalogue, 'national_summary_headline').filter((m) =>
    m.grains.includes(opts.grain),
  );
  // One batch of queries for every headline metric, rather than one series query each.
  const bySeries = await getAreaSeries(
    db,
    status,
    metrics,
    {
      level: 'england',
      code: ENGLAND_CODE,
      grain: opts.grain,
      structure: 'current',
      includePartial: opts.includePartial,
    },
    catalogue,
  );
  const series: Record<string, SeriesPoint[]> = {};
  const tiles = metrics.map((m) => {
    series[m.id] = bySeries.get(m.id) ?? [];
    return buildTile(m, series[m.id]!, opts.grain);
  });
  return {
    grain: opts.grain,
    includePartial: opts.includePartial,
    status: {
      refreshedAt: status.refreshedAt,
      firstDay: status.firstDay,
      lastDay: status.lastDay,
      demo: status.demo,
    },
    areaLevel: 'england',
    areaCode: ENGLAND_CODE,
    areaName: 'England',
    tiles,
    series,
  };
}
