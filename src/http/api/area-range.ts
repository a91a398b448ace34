/**
 * What the partner, organ donation and supplier resources share (issue 14 item 4, docs/adr/0030): one area and
 * grain over a range of periods, read the same way by the API and the pages (src/http/pages/partners/route.ts), so
 * both apply the same access and disclosure rules.
 *
 * - no figure these routes serve is open data today (the metrics are outside the MI publication, and a supplier
 *   group can be a single practice, so the supplier breakdown counts as practice-level figures), so the routes
 *   are declared 'signed-in'; the figure reader (src/query/figures.ts) still checks every figure with the
 *   open-data rule, so opening a metric later is a change of the declared access, not of the checks;
 * - under disclosure control the reader discloses counts served to visitors and withholds shares (they would
 *   give the exact counts back).
 */
import type { AreaLevel } from '../../domain/areas.ts';
import type { Grain, MetricDefinition } from '../../domain/metric-definition.ts';
import type { JumpOffSource } from '../../query/jump-offs.ts';
import { getDataStatus } from '../../query/status.ts';
import type { RouteContext } from '../route-context.ts';
import { dateRangeParam, findArea, partialParam, resolvedAreaParam, structureParam } from './common.ts';
import {
  AREA_PROPERTIES,
  bool,
  FORMAT_SCHEMA,
  GRAIN_SCHEMA,
  LEVEL_SCHEMA,
  object,
  PARTIAL_SCHEMA,
  PERIOD_RANGE_PROPERTIES,
  str,
  STRUCTURE_SCHEMA,
  type JsonSchema,
} from './schemas.ts';

/** The parameters of every area-range route. */
export const AREA_RANGE_PROPERTIES: Record<string, JsonSchema> = {
  ...AREA_PROPERTIES,
  grain: GRAIN_SCHEMA,
  ...PERIOD_RANGE_PROPERTIES,
  partial: PARTIAL_SCHEMA,
  format: FORMAT_SCHEMA,
};

/** `structure` where a closed area defaults to its figures as recorded. */
export const AREA_STRUCTURE_SCHEMA = {
  ...STRUCTURE_SCHEMA,
  description:
    "areas on today's structure (the default for open areas) or as recorded at the time (the default for closed ones)",
};

/** The area of an answer. */
export const AREA_SCHEMA = object({ level: LEVEL_SCHEMA, code: str, name: str, isCurrent: bool });

export interface AreaRangeQuery {
  level?: AreaLevel;
  code?: string;
  grain?: Grain;
  from?: string;
  to?: string;
  partial?: string;
  structure?: 'current' | 'as-recorded';
  source?: JumpOffSource;
  format?: 'json' | 'csv';
}

export interface AreaRange {
  area: { level: AreaLevel; code: string; name: string; isCurrent: boolean };
  grain: Grain;
  from?: string;
  to?: string;
  includePartial: boolean;
  structure: 'current' | 'as_recorded';
}

/** The area and range asked for: 400 naming a bad parameter, 404 for an unknown area. */
export async function areaRangeParams(ctx: RouteContext, q: AreaRangeQuery): Promise<AreaRange> {
  const { level, code } = await resolvedAreaParam(ctx.deps.db, q);
  const { from, to } = dateRangeParam(q);
  const { area: a } = await findArea(ctx.deps.db, level, code);
  return {
    area: {
      level: a.level,
      code: a.code,
      name: level === 'england' ? 'England' : a.name,
      isCurrent: a.isCurrent,
    },
    grain: q.grain ?? 'month',
    from,
    to,
    includePartial: partialParam(q.partial),
    // A closed area has figures only as recorded (as on its area page); today's structure has none for it.
    structure:
      q.structure !== undefined
        ? structureParam(q.structure)
        : a.isCurrent || level === 'practice'
          ? 'current'
          : 'as_recorded',
  };
}

/** The area and range asked for, and the data status to read them at. */
export async function areaRangeAndStatus(ctx: RouteContext, q: AreaRangeQuery) {
  const range = await areaRangeParams(ctx, q);
  return { range, status: await getDataStatus(ctx.deps.db) };
}

export function metricById(ctx: RouteContext, id: string): MetricDefinition {
  const m = ctx.catalogue.find((c) => c.id === id);
  if (!m) throw new Error(`the catalogue has no metric ${id}`);
  return m;
}
