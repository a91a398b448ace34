import { childLevel, type AreaLevel } from '../domain/areas.ts';
import type { Grain } from '../domain/metric-definition.ts';
import type { Warehouse } from '../warehouse/db.ts';
import * as querySql from '../warehouse/sql/query.ts';

export interface BreakdownRow {
  code: string;
  name: string;
  /** Sub-ICB locations: the place name (docs/adr/0028); null otherwise. */
  placeName: string | null;
  onsCode: string | null;
  isCurrent: boolean;
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
