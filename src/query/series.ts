import { patientRate } from '../domain/rate.ts';
import { missingFigure, missingValue } from '../domain/metric-kind.ts';
import type { AreaLevel } from '../domain/areas.ts';
import {
  comparisonOf,
  isPatientRate,
  type Grain,
  type MetricDefinition,
} from '../domain/metric-definition.ts';
import { addMonths, periodEnd, periodsBetween } from '../domain/periods.ts';
import { confidenceOf } from '../domain/statistics.ts';
import type { Warehouse } from '../warehouse/db.ts';
import type { DataStatus, SeriesPoint, Structure } from './types.ts';
import { areaKeyOf, metricKeysOf } from './cube-keys.ts';
import * as querySql from '../warehouse/sql/query.ts';
import { listValue } from '@duckdb/node-api';

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
  /**
   * How to fill periods without a stored row: zero for counts, the previous value for running totals;
   * 'none' leaves them out (ratios of two stored metrics: no denominator, no figure).
   */
  fill: 'zero' | 'carry' | 'none';
  /** For rolling windows (months): a period is complete only when its whole window is loaded. */
  windowMonths?: number;
}

/** A loaded period: its start, and whether all its days (and its rolling window's) are loaded. */
export type LoadedPeriod = Readonly<{ periodStart: string; complete: boolean }>;

/**
 * The periods worked out for each range asked for, kept: pages and answers ask for the same few ranges on every
 * read, once per metric and area, and working out 104 weeks' dates took about 16 ms of a practice's weekly
 * summary (issue 15.3). Shared, so frozen. Bounded: emptied when full.
 */
const periodsKept = new Map<string, readonly LoadedPeriod[]>();
const PERIODS_KEPT_MAX = 512;

/** Period starts of the loaded range, each with whether all its days are loaded. */
export function loadedPeriods(
  grain: Grain,
  status: Pick<DataStatus, 'firstDay' | 'lastDay'>,
  includePartial: boolean,
  from?: string,
  to?: string,
  windowMonths = 1,
): readonly LoadedPeriod[] {
  if (!status.firstDay || !status.lastDay) return [];
  const lo = from && from > status.firstDay ? from : status.firstDay;
  const hi = to && to < status.lastDay ? to : status.lastDay;
  if (lo > hi) return [];
  const key = `${grain}|${status.firstDay}|${status.lastDay}|${includePartial}|${lo}|${hi}|${windowMonths}`;
  const kept = periodsKept.get(key);
  if (kept) return kept;
  const periods = Object.freeze(
    periodsBetween(grain, lo, hi)
      .map((p) =>
        Object.freeze({
          periodStart: p,
          complete:
            addMonths(p, 1 - windowMonths) >= status.firstDay! && periodEnd(grain, p) <= status.lastDay!,
        }),
      )
      .filter((p) => includePartial || p.complete),
  );
  if (periodsKept.size >= PERIODS_KEPT_MAX) periodsKept.clear();
  periodsKept.set(key, periods);
  return periods;
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
  const rows = await db.all<{ period_start: string; value: number }>(querySql.series, [
    structure,
    req.metricId,
    req.grain,
    req.level,
    req.code,
    periods[0]!.periodStart,
    periods[periods.length - 1]!.periodStart,
  ]);
  return seriesFromValues(periods, new Map(rows.map((r) => [r.period_start, r.value])), req.fill);
}

/** A count or running-total series from its stored values by period start, filling periods without one. */
export function seriesFromValues(
  periods: readonly LoadedPeriod[],
  byPeriod: ReadonlyMap<string, number>,
  fill: SeriesRequest['fill'],
): SeriesPoint[] {
  let carried = 0;
  const points: SeriesPoint[] = [];
  for (const p of periods) {
    const stored = byPeriod.get(p.periodStart);
    if (stored === undefined && fill === 'none') continue;
    const value = stored ?? (fill === 'carry' ? carried : 0);
    carried = value;
    points.push({ periodStart: p.periodStart, value, complete: p.complete });
  }
  return points;
}

/** The stored parts of a rate in one period: the numerator metric's figure (null when it has none), the
 * part of it from practices without a 13+ list size, and the area's 13+ patients. */
export interface RateParts {
  value: number | null;
  uncovered: number | null;
  patients_13plus: number;
}

/**
 * A rate series from its stored parts by period start (periods without a 13+ denominator have no rate).
 * `patientScale` is the demo scale on demo data (1 otherwise).
 */
export function rateSeriesFromParts(
  periods: readonly LoadedPeriod[],
  byPeriod: ReadonlyMap<string, RateParts>,
  metric: MetricDefinition,
  numeratorMetric: MetricDefinition | null,
  patientScale: number,
): SeriesPoint[] {
  const multiplier = metric.multiplier ?? 1;
  const method = comparisonOf(metric);
  const points: SeriesPoint[] = [];
  let carried = { value: 0, uncovered: 0 };
  for (const p of periods) {
    const r = byPeriod.get(p.periodStart);
    if (!r) continue; // no practice in the area had a list size: no rate
    if (!numeratorMetric) {
      points.push({ periodStart: p.periodStart, value: r.patients_13plus, complete: p.complete });
      continue;
    }
    const part =
      r.value === null
        ? missingValue(numeratorMetric, carried, { value: 0, uncovered: 0 })
        : { value: r.value, uncovered: r.uncovered ?? 0 };
    if (part === null) continue; // the numerator was not reported: no rate (never 0)
    carried = part;
    const rate = patientRate({
      stored: part.value,
      uncovered: part.uncovered,
      patients13plus: r.patients_13plus,
      patientScale,
      multiplier,
    });
    if (!rate) continue; // no patients aged 13+: no rate (never 0)
    const confidence = confidenceOf(method, rate.numerator, rate.denominator, multiplier);
    points.push({ periodStart: p.periodStart, complete: p.complete, ...rate, ...(confidence ?? {}) });
  }
  return points;
}

/**
 * A rate (ratio metric over patients aged 13+) or the 13+ patients themselves, on today's structure.
 * Only practices with a list size count in either part; coverage is the share of the numerator metric
 * (at the area, Unknown included for England) that the rate includes.
 */
export async function getRateSeries(
  db: Warehouse,
  status: DataStatus,
  metric: MetricDefinition,
  numeratorMetric: MetricDefinition | null,
  req: Omit<SeriesRequest, 'metricId' | 'fill' | 'windowMonths' | 'structure'>,
): Promise<SeriesPoint[]> {
  const window = numeratorMetric?.window === 'rolling_12_months' ? 12 : 1;
  const periods = loadedPeriods(req.grain, status, req.includePartial, req.from, req.to, window);
  if (periods.length === 0) return [];
  const rows = await db.all<{
    period_start: string;
    value: number | null;
    uncovered: number | null;
    patients_13plus: number;
  }>(querySql.rateSeries, [
    numeratorMetric?.id ?? '',
    req.grain,
    req.level,
    req.code,
    periods[0]!.periodStart,
    periods[periods.length - 1]!.periodStart,
  ]);
  // Demo activity simulates a share (the scale) of England's users against the real list sizes, so its
  // rates compare it with the same share of the patients.
  return rateSeriesFromParts(
    periods,
    new Map(rows.map((r) => [r.period_start, r])),
    metric,
    numeratorMetric,
    status.demo?.scale ?? 1,
  );
}

/** How a stored metric's series fills periods without a stored figure. */
export function fillOf(metric: MetricDefinition): SeriesRequest['fill'] {
  // Feeds, list sizes and ratios not reported for a period are no data, not 0 (src/domain/metric-kind.ts).
  return missingFigure(metric);
}

/** The series of one catalogue metric, with its fill rule and rolling window applied. */
export function getMetricSeries(
  db: Warehouse,
  status: DataStatus,
  metric: MetricDefinition,
  req: Omit<SeriesRequest, 'metricId' | 'fill' | 'windowMonths'>,
  catalogue: MetricDefinition[] = [],
): Promise<SeriesPoint[]> {
  if (metric.id === 'patients_13plus') return getRateSeries(db, status, metric, null, req);
  if (isPatientRate(metric)) {
    const numerator = catalogue.find((m) => m.id === metric.numerator);
    if (!numerator)
      throw new Error(`ratio ${metric.id} needs its numerator ${metric.numerator} in the catalogue`);
    return getRateSeries(db, status, metric, numerator, req);
  }
  return getSeries(db, status, {
    ...req,
    metricId: metric.id,
    fill: fillOf(metric),
    windowMonths: metric.window === 'rolling_12_months' ? 12 : 1,
  });
}

/**
 * The series of several metrics of one area, computed exactly as getMetricSeries does but read in two or
 * three queries (the area's stored figures for every metric, and its 13+ patients), for pages that show
 * many metrics of one area. Ratio metrics may be derived ones not in the catalogue, as long as their
 * numerator is. Returns one series per metric id.
 */
export async function getAreaSeries(
  db: Warehouse,
  status: DataStatus,
  metrics: MetricDefinition[],
  req: Omit<SeriesRequest, 'metricId' | 'fill' | 'windowMonths' | 'from' | 'to'>,
  catalogue: MetricDefinition[] = [],
): Promise<Map<string, SeriesPoint[]>> {
  const out = new Map<string, SeriesPoint[]>();
  const all = loadedPeriods(req.grain, status, true);
  if (all.length === 0 || metrics.length === 0) {
    for (const m of metrics) out.set(m.id, []);
    return out;
  }
  const first = all[0]!.periodStart;
  const last = all[all.length - 1]!.periodStart;
  const structure = req.level === 'practice' ? 'current' : req.structure;
  type ValueRow = { period_start: string; value: number; uncovered: number | null };
  const isRate = (m: MetricDefinition) => m.id === 'patients_13plus' || isPatientRate(m);
  // Only the metrics asked for (and the numerators of the rates): the cube is stored in metric order.
  const wanted = [
    ...new Set(
      metrics.flatMap((m) =>
        !isRate(m) ? [m.id] : m.id !== 'patients_13plus' && m.numerator ? [m.numerator] : [],
      ),
    ),
  ];
  // The cells are read on the cube's keys (ADR 0075): an area or metric without one has no figures.
  const areaKey = await areaKeyOf(db, req.level, req.code);
  const metricIdOf = areaKey === null ? new Map<number, string>() : await metricKeysOf(db, wanted);
  const readValues = async (s: Structure) =>
    areaKey === null || metricIdOf.size === 0
      ? []
      : db.all(querySql.areaValues, [s, req.grain, areaKey, first, last, listValue([...metricIdOf.keys()])]);
  const byMetric = (rows: (ValueRow & { metric_key: number })[]) => {
    const m = new Map<string, Map<string, ValueRow>>();
    for (const r of rows) {
      const id = metricIdOf.get(Number(r.metric_key))!;
      let periods = m.get(id);
      if (!periods) m.set(id, (periods = new Map()));
      periods.set(r.period_start, r);
    }
    return m;
  };
  const withRates = metrics.some(isRate);
  // The values and the patients they are rates of are read side by side (ADR 0079).
  const [valueRows, patientRows] = await Promise.all([
    readValues(structure),
    withRates && areaKey !== null ? db.all(querySql.areaPatients, [req.grain, areaKey, first, last]) : [],
  ]);
  const values = byMetric(valueRows);
  let patients: Map<string, number> | null = null;
  let currentValues = structure === 'current' ? values : null;
  if (withRates) {
    patients = new Map(patientRows.map((r) => [r.period_start, r.patients_13plus]));
    // Rates are on today's structure only.
    if (!currentValues && patients.size > 0) currentValues = byMetric(await readValues('current'));
  }
  const patientScale = status.demo?.scale ?? 1;
  for (const metric of metrics) {
    if (isRate(metric)) {
      let numerator: MetricDefinition | null = null;
      if (metric.id !== 'patients_13plus') {
        numerator = catalogue.find((m) => m.id === metric.numerator) ?? null;
        if (!numerator)
          throw new Error(`ratio ${metric.id} needs its numerator ${metric.numerator} in the catalogue`);
      }
      const window = numerator?.window === 'rolling_12_months' ? 12 : 1;
      const periods = loadedPeriods(req.grain, status, req.includePartial, undefined, undefined, window);
      const stored = numerator ? currentValues?.get(numerator.id) : undefined;
      const parts = new Map<string, RateParts>();
      for (const [period, patients13] of patients ?? []) {
        const r = stored?.get(period);
        parts.set(period, {
          value: r ? r.value : null,
          uncovered: r ? r.uncovered : null,
          patients_13plus: patients13,
        });
      }
      out.set(metric.id, rateSeriesFromParts(periods, parts, metric, numerator, patientScale));
      continue;
    }
    const window = metric.window === 'rolling_12_months' ? 12 : 1;
    const periods = loadedPeriods(req.grain, status, req.includePartial, undefined, undefined, window);
    const stored = values.get(metric.id);
    const byPeriod = new Map<string, number>();
    for (const [period, r] of stored ?? []) byPeriod.set(period, r.value);
    out.set(metric.id, seriesFromValues(periods, byPeriod, fillOf(metric)));
  }
  return out;
}
