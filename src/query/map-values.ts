/**
 * The read model of the map: every open area of one level (regions, ICBs or sub-ICB locations, today's
 * structure) with its figure of one metric for one period. Counts and running totals are the stored figures
 * (0 for an area without one; a feed figure, list size or stored ratio it has none of is null: no data is not
 * zero, src/domain/no-data.ts); rates are computed from their stored parts exactly as series are
 * (`rateSeriesFromParts`, docs/adr/0006): only practices with a 13+ list size count, with the coverage.
 */
import { AREA_LEVELS, type AreaLevel } from '../domain/areas.ts';
import { isPatientRate, type Grain, type MetricDefinition } from '../domain/metric-definition.ts';
import { figureOrAbsent } from '../domain/no-data.ts';
import type { Warehouse } from '../warehouse/db.ts';
import { loadedPeriods, rateSeriesFromParts } from './series.ts';
import type { DataStatus } from './types.ts';
import * as querySql from '../warehouse/sql/query.ts';

/** The levels the map can draw (the shipped boundaries). */
export const MAP_LEVELS = ['region', 'icb', 'sub_icb'] as const satisfies readonly AreaLevel[];
export type MapLevel = (typeof MAP_LEVELS)[number];

export interface MapValue {
  code: string;
  name: string;
  /** Sub-ICB locations: the place name (docs/adr/0028); null or absent otherwise. */
  placeName?: string | null;
  onsCode: string | null;
  /** The NHS England region the area is in (itself for a region), for zooming the map to a region. */
  regionCode?: string | null;
  regionName?: string | null;
  /** The figure; null when the area has none (a rate without 13+ list sizes, or no figures at all). */
  value: number | null;
  /** A count suppressed by disclosure control for this viewer (value null; shown as "*"). */
  suppressed?: true;
  /** Rates only: the parts of the rate and the share of the numerator metric it includes. */
  numerator?: number;
  denominator?: number;
  coverage?: number | null;
}

export interface MapValues {
  level: MapLevel;
  metricId: string;
  grain: Grain;
  periodStart: string;
  /**
   * False when no area of the level has a stored figure for the metric in the period (for example a feed
   * that was never loaded): every value is then null rather than a row of zeros.
   */
  hasFigures: boolean;
  /** Every open area of the level, Unknown left out, by name. */
  rows: MapValue[];
}

function isRate(metric: MetricDefinition): boolean {
  return metric.id === 'patients_13plus' || isPatientRate(metric);
}

/** Whether the map can show `metric` at `level` (its lowest geography is at or below the level). */
export function metricAvailableAt(metric: MetricDefinition, level: AreaLevel): boolean {
  return AREA_LEVELS.indexOf(metric.lowest_geography) >= AREA_LEVELS.indexOf(level);
}

/** The numerator of a ratio metric (null for patients_13plus and for metrics that are not rates). */
export function numeratorOf(
  metric: MetricDefinition,
  catalogue: readonly MetricDefinition[],
): MetricDefinition | null {
  if (!isPatientRate(metric)) return null;
  const numerator = catalogue.find((m) => m.id === metric.numerator);
  if (!numerator)
    throw new Error(`ratio ${metric.id} needs its numerator ${metric.numerator} in the catalogue`);
  return numerator;
}

/**
 * The complete periods the map can show for a metric at a grain, oldest first: every complete loaded
 * period, and for figures over a rolling 12 months only those whose whole window is loaded.
 */
export function mapPeriods(
  metric: MetricDefinition,
  catalogue: readonly MetricDefinition[],
  grain: Grain,
  status: Pick<DataStatus, 'firstDay' | 'lastDay'>,
): string[] {
  if (!metric.grains.includes(grain)) return [];
  const windowed = numeratorOf(metric, catalogue) ?? metric;
  const window = windowed.window === 'rolling_12_months' ? 12 : 1;
  return loadedPeriods(grain, status, false, undefined, undefined, window).map((p) => p.periodStart);
}

/** Every open area of `level` with its figure of `metric` for one period (a period start). */
export async function getMapValues(
  db: Warehouse,
  catalogue: readonly MetricDefinition[],
  status: DataStatus,
  req: { metric: MetricDefinition; level: MapLevel; grain: Grain; periodStart: string },
): Promise<MapValues> {
  return readValues(db, catalogue, status, req) as Promise<MapValues>;
}

/**
 * England's figure of `metric` for the period, computed exactly as each area's is (the map's key shows it):
 * null when England has no such figure.
 */
export async function getEnglandMapValue(
  db: Warehouse,
  catalogue: readonly MetricDefinition[],
  status: DataStatus,
  req: { metric: MetricDefinition; grain: Grain; periodStart: string },
): Promise<MapValue | null> {
  const values = await readValues(db, catalogue, status, { ...req, level: 'england' });
  return values.rows[0] ?? null;
}

async function readValues(
  db: Warehouse,
  catalogue: readonly MetricDefinition[],
  status: DataStatus,
  req: { metric: MetricDefinition; level: MapLevel | 'england'; grain: Grain; periodStart: string },
): Promise<Omit<MapValues, 'level'> & { level: MapLevel | 'england' }> {
  const { metric, level, grain, periodStart } = req;
  const numerator = numeratorOf(metric, catalogue);
  const rate = isRate(metric);
  const rows = await db.all<{
    code: string;
    name: string;
    place_name: string | null;
    ons_code: string | null;
    region_code: string | null;
    region_name: string | null;
    value: number | null;
    uncovered: number | null;
    patients_13plus: number | null;
    stored: number | bigint;
  }>(querySql.mapValues, [level, rate ? (numerator?.id ?? '') : metric.id, grain, periodStart]);
  // patients_13plus is the denominator itself: it has figures wherever an area has a list size.
  const hasFigures =
    metric.id === 'patients_13plus'
      ? rows.some((r) => r.patients_13plus !== null)
      : rows.length > 0 && Number(rows[0]!.stored) > 0;
  const patientScale = status.demo?.scale ?? 1;
  const period = [{ periodStart, complete: true }];
  const out = rows.map((r): MapValue => {
    const base = {
      code: r.code,
      name: r.name,
      placeName: r.place_name,
      onsCode: r.ons_code,
      regionCode: r.region_code,
      regionName: r.region_name,
    };
    if (!hasFigures) return { ...base, value: null };
    // A count from events the area did not have is 0; a feed figure, list size or ratio it has none of is
    // no data (src/domain/no-data.ts).
    if (!rate) return { ...base, value: figureOrAbsent(metric, r.value) };
    if (r.patients_13plus === null) return { ...base, value: null };
    const parts = new Map([
      [periodStart, { value: r.value, uncovered: r.uncovered, patients_13plus: r.patients_13plus }],
    ]);
    const point = rateSeriesFromParts(period, parts, metric, numerator, patientScale)[0];
    if (!point) return { ...base, value: null };
    if (!numerator) return { ...base, value: point.value };
    // No patients aged 13+ (list sizes of 0): no rate.
    if (!(point.denominator! > 0)) return { ...base, value: null };
    return {
      ...base,
      value: point.value,
      numerator: point.numerator!,
      denominator: point.denominator!,
      coverage: point.coverage ?? null,
    };
  });
  return { level, metricId: metric.id, grain, periodStart, hasFigures, rows: out };
}

/**
 * The catalogue metrics with at least one figure for areas of `level` at `grain` from `from` to `to`
 * (period starts): stored ones, 13+ patients where there are list sizes, and rates whose numerator has
 * figures and whose level has list sizes. Pickers mark the others "(no data)" (issue 11).
 */
export async function metricsWithFigures(
  db: Warehouse,
  catalogue: readonly MetricDefinition[],
  req: { level: AreaLevel; grain: Grain; from: string; to: string },
): Promise<Set<string>> {
  const rows = await db.all<{ metric_id: string }>(querySql.metricsWithFigures, [
    req.level,
    req.grain,
    req.from,
    req.to,
  ]);
  const stored = new Set(rows.map((r) => r.metric_id));
  const out = new Set(stored);
  for (const m of catalogue) {
    if (isPatientRate(m) && m.numerator && stored.has(m.numerator) && stored.has('patients_13plus'))
      out.add(m.id);
  }
  return out;
}
