import { childLevel, type AreaLevel } from '../domain/areas.ts';
import {
  isPatientRate,
  isStoredRatio,
  type Grain,
  type MetricDefinition,
} from '../domain/metric-definition.ts';
import { patientRate } from '../domain/rate.ts';
import type { DataStatus, NamedArea } from './types.ts';
import type { Warehouse } from '../warehouse/db.ts';
import * as querySql from '../warehouse/sql/query.ts';

export interface BreakdownRow extends NamedArea {
  /** null: the metric has no figure at all for the period (no data is not zero). */
  value: number | null;
  /** The child's share of the parent's figure (children add up to the parent, Unknown included). */
  shareOfParent: number | null;
}

/**
 * An area's children (on today's structure) for one metric and period. Practices are stored under the
 * current structure only, so a breakdown into practices always reads 'current'.
 */
export async function getBreakdown(
  db: Warehouse,
  req: {
    metricId: string;
    level: AreaLevel;
    code: string;
    grain: Grain;
    periodStart: string;
    structure: 'current' | 'as_recorded';
  },
): Promise<{ childLevel: AreaLevel; rows: BreakdownRow[] } | null> {
  const child = childLevel(req.level);
  if (!child) return null;
  const structure = child === 'practice' ? 'current' : req.structure;
  const rows = await db.all<{
    code: string;
    name: string;
    place_name: string | null;
    ons_code: string | null;
    is_current: boolean;
    value: number | null;
  }>(querySql.breakdown, [structure, req.metricId, req.grain, req.periodStart, req.level, req.code, child]);
  const total = rows.reduce((sum, r) => sum + (r.value ?? 0), 0);
  return {
    childLevel: child,
    rows: rows.map((r) => ({
      code: r.code,
      name: r.name,
      placeName: r.place_name,
      onsCode: r.ons_code,
      isCurrent: r.is_current,
      value: r.value,
      shareOfParent: total > 0 && r.value !== null ? r.value / total : null,
    })),
  };
}

/** Rates over patients aged 13+ (and the list size itself) are read over today's structure. */
function isBreakdownRate(metric: MetricDefinition): boolean {
  return isPatientRate(metric) || metric.id === 'patients_13plus';
}

/** A child's figure: counts with their share of the parent, rates with their parts. */
export interface MetricBreakdownRow extends NamedArea {
  level: AreaLevel;
  value: number | null;
  shareOfParent?: number | null;
  numerator?: number | null;
  denominator?: number | null;
  coverage?: number | null;
}

async function rateBreakdown(
  db: Warehouse,
  metric: MetricDefinition,
  numerator: MetricDefinition | null,
  req: { level: AreaLevel; code: string; child: AreaLevel; grain: Grain; periodStart: string; scale: number },
): Promise<MetricBreakdownRow[]> {
  const rows = await db.all<{
    code: string;
    name: string;
    place_name: string | null;
    ons_code: string | null;
    is_current: boolean;
    patients_13plus: number | null;
    numerator_value: number;
    numerator_uncovered: number;
  }>(querySql.apiBreakdownRate, [
    numerator?.id ?? '',
    req.grain,
    req.periodStart,
    req.level,
    req.code,
    req.child,
  ]);
  const out = rows.map((r): MetricBreakdownRow => {
    const base = {
      level: req.child,
      code: r.code,
      name: r.name,
      placeName: r.place_name,
      onsCode: r.ons_code,
      isCurrent: r.is_current,
    };
    if (r.patients_13plus === null || !(r.patients_13plus > 0))
      return { ...base, value: null, numerator: null, denominator: null, coverage: null };
    if (!numerator)
      return { ...base, value: r.patients_13plus, numerator: null, denominator: null, coverage: null };
    const rate = patientRate({
      stored: r.numerator_value,
      uncovered: r.numerator_uncovered,
      patients13plus: r.patients_13plus,
      patientScale: req.scale,
      multiplier: metric.multiplier ?? 1,
    });
    return { ...base, ...(rate ?? { value: null, numerator: null, denominator: null, coverage: null }) };
  });
  // Highest first, areas without a rate last (as counts are ordered).
  return out.sort((a, b) => (b.value ?? -Infinity) - (a.value ?? -Infinity) || a.name.localeCompare(b.name));
}

/**
 * One metric's figures for an area's children in one period (none when there is no period yet): counts
 * from the stored cells with each child's share of the parent, rates over patients aged 13+ (and the list
 * size itself) worked out from their parts over today's structure.
 */
export async function getMetricBreakdown(
  db: Warehouse,
  status: DataStatus,
  catalogue: readonly MetricDefinition[],
  metric: MetricDefinition,
  req: {
    level: AreaLevel;
    code: string;
    child: AreaLevel;
    grain: Grain;
    periodStart: string | null;
    structure: 'current' | 'as_recorded';
  },
): Promise<{ rate: boolean; structure: 'current' | 'as_recorded'; rows: MetricBreakdownRow[] }> {
  const rate = isBreakdownRate(metric);
  const structure = rate ? 'current' : req.structure;
  const { periodStart } = req;
  if (periodStart === null) return { rate, structure, rows: [] };
  if (rate) {
    const numerator =
      metric.id === 'patients_13plus' ? null : (catalogue.find((m) => m.id === metric.numerator) ?? null);
    const rows = await rateBreakdown(db, metric, numerator, {
      ...req,
      periodStart,
      scale: metric.id === 'patients_13plus' ? 1 : (status.demo?.scale ?? 1),
    });
    return { rate, structure, rows };
  }
  const result = await getBreakdown(db, {
    metricId: metric.id,
    level: req.level,
    code: req.code,
    grain: req.grain,
    periodStart,
    structure,
  });
  const rows = (result?.rows ?? []).map((r): MetricBreakdownRow => ({
    level: req.child,
    code: r.code,
    name: r.name,
    placeName: r.placeName,
    onsCode: r.onsCode,
    isCurrent: r.isCurrent,
    value: r.value,
    // A percentage of two stored metrics does not add up over the children.
    shareOfParent: isStoredRatio(metric) ? null : r.shareOfParent,
  }));
  return { rate, structure, rows };
}
