import type { AreaLevel } from '../domain/areas.ts';
import type { Grain, MetricDefinition } from '../domain/metric-definition.ts';
import { addMonths, periodEnd, periodsBetween } from '../domain/periods.ts';
import type { Warehouse } from '../warehouse/db.ts';
import { sql } from '../warehouse/sql.ts';
import type { DataStatus, SeriesPoint, Structure } from './types.ts';

export interface SeriesRequest {
  metricId: string;
  level: AreaLevel;
  code: string;
  grain: Grain;
  structure: Structure;
  /** Include the partial periods at either end of the loaded range (marked complete: false). */
  includePartial: boolean;
  /** Optional range, as dates; periods intersecting it are returned. Defaults to all loaded data. */
  from?: string;
  to?: string;
  /** How to fill periods without a stored row: zero for counts, the previous value for running totals. */
  fill: 'zero' | 'carry';
  /** For rolling windows (months): a period is complete only when its whole window is loaded. */
  windowMonths?: number;
}

/** Period starts of the loaded range, each with whether all its days are loaded. */
export function loadedPeriods(
  grain: Grain,
  status: Pick<DataStatus, 'firstDay' | 'lastDay'>,
  includePartial: boolean,
  from?: string,
  to?: string,
  windowMonths = 1,
): { periodStart: string; complete: boolean }[] {
  if (!status.firstDay || !status.lastDay) return [];
  const lo = from && from > status.firstDay ? from : status.firstDay;
  const hi = to && to < status.lastDay ? to : status.lastDay;
  if (lo > hi) return [];
  return periodsBetween(grain, lo, hi)
    .map((p) => ({
      periodStart: p,
      complete: addMonths(p, 1 - windowMonths) >= status.firstDay! && periodEnd(grain, p) <= status.lastDay!,
    }))
    .filter((p) => includePartial || p.complete);
}

export async function getSeries(
  db: Warehouse,
  status: DataStatus,
  req: SeriesRequest,
): Promise<SeriesPoint[]> {
  const periods = loadedPeriods(req.grain, status, req.includePartial, req.from, req.to, req.windowMonths);
  if (periods.length === 0) return [];
  // Practices are identical on both structures, so the cube stores them once, under 'current'.
  const structure = req.level === 'practice' ? 'current' : req.structure;
  const rows = await db.all<{ period_start: string; value: number }>(sql('query/series'), [
    structure,
    req.metricId,
    req.grain,
    req.level,
    req.code,
    periods[0]!.periodStart,
    periods[periods.length - 1]!.periodStart,
  ]);
  const byPeriod = new Map(rows.map((r) => [r.period_start, r.value]));
  let carried = 0;
  return periods.map((p) => {
    const stored = byPeriod.get(p.periodStart);
    const value = stored ?? (req.fill === 'carry' ? carried : 0);
    carried = value;
    return { periodStart: p.periodStart, value, complete: p.complete };
  });
}

/** The series of one catalogue metric, with its fill rule and rolling window applied. */
export function getMetricSeries(
  db: Warehouse,
  status: DataStatus,
  metric: MetricDefinition,
  req: Omit<SeriesRequest, 'metricId' | 'fill' | 'windowMonths'>,
): Promise<SeriesPoint[]> {
  return getSeries(db, status, {
    ...req,
    metricId: metric.id,
    fill: metric.aggregation === 'cumulative' ? 'carry' : 'zero',
    windowMonths: metric.window === 'rolling_12_months' ? 12 : 1,
  });
}
