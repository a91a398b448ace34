import type { AreaLevel } from '../domain/areas.ts';
import type { Grain, MetricDefinition } from '../domain/metric-definition.ts';
import { requiredMetricInSlot } from '../domain/placements.ts';
import { periodsBetween } from '../domain/periods.ts';
import type { Warehouse } from '../warehouse/db.ts';
import type { Structure } from './types.ts';
import * as querySql from '../warehouse/sql/query.ts';

/**
 * Jump-off clicks to integrated partners broken down by provider and service (ADR 0009): the breakdown of
 * `jump_off_clicks` (source 'events', counted from jump_off events) and of `partner_jump_off_clicks` (source
 * 'feed', the NHS's WeeklyIntegratedPartners file, Cie variants counted with the plain service), at every
 * area level and both grains. Per provider and service, the figures add up to the metric's own figure.
 */
export type JumpOffSource = 'events' | 'feed';

/** The metric of a source's jump-offs: its YAML's shown_on partner_jump_offs (events or feed). */
export function jumpOffMetric<M extends MetricDefinition>(catalogue: readonly M[], source: JumpOffSource): M {
  return requiredMetricInSlot(catalogue, 'partner_jump_offs', source);
}

export interface JumpOffRequest {
  /** The jump-off metric (jumpOffMetric of the source). */
  metricId: string;
  level: AreaLevel;
  code: string;
  grain: Grain;
  structure: Structure;
}

export interface JumpOffRow {
  provider: string;
  service: string;
  value: number;
  /** Share of the area's clicks in the period (all providers and services), or null when there were none. */
  share: number | null;
}

/** An area's clicks in one period, one row per provider and service with any, largest first. */
export async function getJumpOffBreakdown(
  db: Warehouse,
  req: JumpOffRequest & { periodStart: string },
): Promise<JumpOffRow[]> {
  // Practices are stored once, under today's structure.
  const structure = req.level === 'practice' ? 'current' : req.structure;
  const rows = await db.all<{ provider: string; service: string; value: number }>(querySql.jumpOffBreakdown, [
    req.metricId,
    structure,
    req.grain,
    req.periodStart,
    req.level,
    req.code,
  ]);
  const total = rows.reduce((sum, r) => sum + r.value, 0);
  return rows.map((r) => ({ ...r, share: total > 0 ? r.value / total : null }));
}

/**
 * An area's clicks per period from `from` to `to` (period starts), for one provider and/or service (all when
 * omitted); periods without clicks are 0.
 */
export async function getJumpOffSeries(
  db: Warehouse,
  req: JumpOffRequest & { from: string; to: string; provider?: string; service?: string },
): Promise<{ periodStart: string; value: number }[]> {
  const structure = req.level === 'practice' ? 'current' : req.structure;
  const rows = await db.all<{ period_start: string; value: number }>(querySql.jumpOffSeries, [
    req.metricId,
    structure,
    req.grain,
    req.level,
    req.code,
    req.from,
    req.provider ?? null,
    req.service ?? null,
    req.to,
  ]);
  const byPeriod = new Map(rows.map((r) => [r.period_start, r.value]));
  return periodsBetween(req.grain, req.from, req.to).map((p) => ({
    periodStart: p,
    value: byPeriod.get(p) ?? 0,
  }));
}
