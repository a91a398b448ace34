/**
 * GET /api/v1/breakdown: an area's children for one metric and period (src/query/breakdown.ts; rates over
 * patients aged 13+ read here with SQL query/api_breakdown_rate), each figure checked against the open-data
 * rule (src/domain/access.ts).
 */
import { patientRate } from '../../domain/rate.ts';
import { childLevel, type AreaLevel } from '../../domain/areas.ts';
import {
  isPatientRate,
  isStoredRatio,
  type Grain,
  type MetricDefinition,
} from '../../domain/metric-definition.ts';
import { AREA_CSV_COLUMNS } from '../../domain/csv.ts';
import { roundCount, roundCoverage, roundFigure } from '../../domain/rounding.ts';
import { periodStart as periodStartOf } from '../../domain/periods.ts';
import { latestCompletePeriod } from '../../query/area-page.ts';
import { getBreakdown } from '../../query/breakdown.ts';
import { getDataStatus } from '../../query/status.ts';
import type { Warehouse } from '../../warehouse/db.ts';
import { assertCanViewFigure } from '../access.ts';
import { disclosureFor } from './disclosure.ts';
import {
  answer,
  areaFields,
  badRequest,
  dateParam,
  ENGLAND_REF,
  findArea,
  levelParam,
  metricAreaParams,
  openFigure,
  structureName,
  structureParam,
  type ApiRoute,
  type FigureQuery,
} from './common.ts';
import {
  AREA_CODE_PARAM,
  AREA_REF,
  bool,
  DATE_SCHEMA,
  FORMAT_SCHEMA,
  GRAIN_SCHEMA,
  LEVEL_SCHEMA,
  METRIC_ID_SCHEMA,
  numOrNull,
  object,
  PLACE_NAME_SCHEMA,
  query,
  str,
  strOrNull,
  STRUCTURE_SCHEMA,
} from './schemas.ts';
import * as querySql from '../../warehouse/sql/query.ts';

export const BREAKDOWN_QUERY = query(
  {
    metric: METRIC_ID_SCHEMA,
    level: { ...LEVEL_SCHEMA, description: 'the parent area’s level; default england' },
    code: AREA_CODE_PARAM,
    grain: GRAIN_SCHEMA,
    period: {
      ...DATE_SCHEMA,
      description:
        'must be a date like 2026-04-01 (any day of the week or month; default the latest complete one)',
    },
    structure: STRUCTURE_SCHEMA,
    format: FORMAT_SCHEMA,
  },
  ['metric'],
);

export const BREAKDOWN_RESPONSE = object({
  metric: str,
  unit: str,
  parent: AREA_REF,
  childLevel: LEVEL_SCHEMA,
  grain: GRAIN_SCHEMA,
  periodStart: strOrNull,
  structure: STRUCTURE_SCHEMA,
  data: {
    type: 'array',
    items: object(
      {
        level: LEVEL_SCHEMA,
        code: str,
        name: str,
        placeName: PLACE_NAME_SCHEMA,
        onsCode: strOrNull,
        isCurrent: bool,
        value: numOrNull,
        shareOfParent: { ...numOrNull, description: 'counts only: the child’s share of the parent’s figure' },
        numerator: numOrNull,
        denominator: numOrNull,
        coverage: numOrNull,
      },
      ['shareOfParent', 'numerator', 'denominator', 'coverage'],
    ),
  },
});

/** Rates over patients aged 13+ (and the list size itself) are read over today's structure. */
function isRate(metric: MetricDefinition): boolean {
  return isPatientRate(metric) || metric.id === 'patients_13plus';
}

interface BreakdownRowJson {
  level: AreaLevel;
  code: string;
  name: string;
  placeName: string | null;
  onsCode: string | null;
  isCurrent: boolean;
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
): Promise<BreakdownRowJson[]> {
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
  const out = rows.map((r): BreakdownRowJson => {
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

export const breakdownRoute: ApiRoute = {
  url: '/api/v1/breakdown',
  operationId: 'getBreakdown',
  summary: "An area's children for one metric and period",
  description:
    "The areas one level below (today's structure) with their figure for one week or month (default: " +
    'the latest complete one), highest first. Counts give each child’s share of the parent (Unknown ' +
    'included, so shares add up to 1); rates give numerator, denominator and coverage instead.',
  tag: 'Figures',
  access: 'figures',
  csv: true,
  csvAreaColumns: true,
  cache: true,
  querystring: BREAKDOWN_QUERY,
  response: BREAKDOWN_RESPONSE,
  example: {
    metric: 'logins',
    unit: 'events',
    parent: ENGLAND_REF,
    childLevel: 'region',
    grain: 'month',
    periodStart: '2026-10-01',
    structure: 'current',
    data: [
      {
        level: 'region',
        code: 'Y56',
        name: 'London',
        placeName: null,
        onsCode: 'E40000003',
        isCurrent: true,
        value: 5200000,
        shareOfParent: 0.19,
      },
    ],
  },
  handler: (ctx) => async (request, reply) => {
    const q = request.query as FigureQuery;
    const { metric, level, code, grain } = await metricAreaParams(ctx, q);
    const child = childLevel(level);
    if (!child)
      throw badRequest(
        'querystring/level must be one of: england, region, icb, sub_icb, pcn (a practice has no areas below it)',
      );
    levelParam(metric, child);
    const period = dateParam(q.period, 'period');
    assertCanViewFigure(request, { metric, level: child, grain, catalogue: ctx.catalogue });
    const { area: parent } = await findArea(ctx.deps.db, level, code);
    const status = await getDataStatus(ctx.deps.db);
    const periodStart = period ? periodStartOf(grain, period) : latestCompletePeriod(grain, status);
    let structure = structureParam(q.structure);
    let data: BreakdownRowJson[] = [];
    const rate = isRate(metric);
    if (rate) structure = 'current';
    if (periodStart !== null && rate) {
      const numerator =
        metric.id === 'patients_13plus'
          ? null
          : (ctx.catalogue.find((m) => m.id === metric.numerator) ?? null);
      data = await rateBreakdown(ctx.deps.db, metric, numerator, {
        level,
        code,
        child,
        grain,
        periodStart,
        scale: metric.id === 'patients_13plus' ? 1 : (status.demo?.scale ?? 1),
      });
    } else if (periodStart !== null) {
      const result = await getBreakdown(ctx.deps.db, {
        metricId: metric.id,
        level,
        code,
        grain,
        periodStart,
        structure,
      });
      data = (result?.rows ?? []).map((r) => ({
        level: child,
        code: r.code,
        name: r.name,
        placeName: r.placeName,
        onsCode: r.onsCode,
        isCurrent: r.isCurrent,
        value: r.value,
        // A percentage of two stored metrics does not add up over the children.
        shareOfParent: isStoredRatio(metric) ? null : r.shareOfParent,
      }));
    }
    if (child === 'practice') structure = 'current';
    // Rounded at the edge (docs/adr/0022); shares of the parent keep full precision so they add up to 1.
    data = data.map((r) => ({
      ...r,
      value: roundFigure(r.value, metric.unit),
      ...(r.numerator !== undefined
        ? {
            numerator: roundCount(r.numerator),
            denominator: roundCount(r.denominator),
            coverage: roundCoverage(r.coverage),
          }
        : {}),
    }));
    const disclose = disclosureFor(request, ctx, metric.unit, child);
    if (disclose) data = data.map((r) => ({ ...r, value: disclose(r.value), shareOfParent: null }));
    return answer(request, reply, {
      open: openFigure(ctx, { metric, level: child, grain, catalogue: ctx.catalogue }, metric.unit),
      json: {
        metric: metric.id,
        unit: metric.unit,
        parent,
        childLevel: child,
        grain,
        periodStart,
        structure: structureName(structure),
        data,
      },
      csv: {
        columns: [
          ...AREA_CSV_COLUMNS,
          'isCurrent',
          'periodStart',
          'value',
          ...(rate ? ['numerator', 'denominator', 'coverage'] : ['shareOfParent']),
        ],
        rows: data.map((r) => ({
          ...areaFields(r, r.onsCode),
          periodStart,
          ...r,
        })),
        filename: ['breakdown', metric.id, level, level === 'england' ? null : code, grain, periodStart],
      },
    });
  },
};
