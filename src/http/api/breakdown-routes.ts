/**
 * GET /api/v1/breakdown: an area's children for one metric and period, read through the figure reader
 * (src/query/figures.ts: getMetricBreakdown in src/query/breakdown.ts, the open-data rule and disclosure
 * control applied inside).
 */
import { childLevel } from '../../domain/areas.ts';
import { AREA_CSV_COLUMNS } from '../../domain/csv.ts';
import { roundCount, roundCoverage, roundFigure } from '../../domain/rounding.ts';
import { periodStart as periodStartOf } from '../../domain/periods.ts';
import { latestCompletePeriod } from '../../query/area-page.ts';
import { getDataStatus } from '../../query/status.ts';
import {
  answer,
  areaFields,
  badRequest,
  dateParam,
  ENGLAND_REF,
  findArea,
  levelParam,
  metricAreaParams,
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
    // A restricted figure is refused before the area is looked up (its 401 does not depend on the code).
    request.figures.access.require(metric, child, grain);
    const { area: parent } = await findArea(ctx.deps.db, level, code);
    const status = await getDataStatus(ctx.deps.db);
    const periodStart = period ? periodStartOf(grain, period) : latestCompletePeriod(grain, status);
    const requested = structureParam(q.structure);
    const found = await request.figures.breakdown(status, metric, {
      level,
      code,
      child,
      grain,
      periodStart,
      structure: requested,
    });
    const rate = found.rate;
    const structure = child === 'practice' ? 'current' : found.structure;
    // Rounded at the edge (docs/adr/0022); shares of the parent keep full precision so they add up to 1.
    const data = found.rows.map((r) => ({
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
    return answer(request, reply, {
      open: request.figures.access.isShared(metric, child, grain, metric.unit),
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
