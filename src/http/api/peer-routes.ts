/**
 * GET /api/v1/peers: where an area stands among the areas of its level on one metric (src/query/peers.ts).
 */
import type { AreaLevel } from '../../domain/areas.ts';
import { AREA_CSV_COLUMNS } from '../../domain/csv.ts';
import { roundChange, roundFigure } from '../../domain/rounding.ts';
import { periodStart as periodStartOf } from '../../domain/periods.ts';
import { latestCompletePeriod } from '../../query/area-page.ts';
import { resolvePeerMetric } from '../../query/peers.ts';
import { getDataStatus } from '../../query/status.ts';
import {
  answer,
  EXAMPLE_ICB,
  areaFields,
  dateParam,
  findArea,
  grainParam,
  levelParam,
  notFound,
  odsCodeOf,
  structureName,
  structureParam,
  type ApiRoute,
  type FigureQuery,
} from './common.ts';
import {
  AREA_CODE_SCHEMA,
  AREA_REF,
  CHILD_LEVEL_SCHEMA,
  DATE_SCHEMA,
  FORMAT_SCHEMA,
  GRAIN_SCHEMA,
  int,
  num,
  numOrNull,
  object,
  PEER_METRIC_SCHEMA,
  query,
  str,
  strOrNull,
  STRUCTURE_SCHEMA,
} from './schemas.ts';

export const PEERS_QUERY = query(
  {
    metric: PEER_METRIC_SCHEMA,
    level: CHILD_LEVEL_SCHEMA,
    code: AREA_CODE_SCHEMA,
    grain: GRAIN_SCHEMA,
    period: {
      ...DATE_SCHEMA,
      description: 'must be a date like 2026-04-01 (default the latest complete period)',
    },
    structure: STRUCTURE_SCHEMA,
    format: FORMAT_SCHEMA,
  },
  ['metric', 'level', 'code'],
);

export const PEERS_RESPONSE = object({
  metric: str,
  unit: str,
  area: AREA_REF,
  grain: GRAIN_SCHEMA,
  periodStart: strOrNull,
  structure: STRUCTURE_SCHEMA,
  count: int,
  value: numOrNull,
  rank: { type: ['integer', 'null'], description: '1 for the highest figure; ties share a rank' },
  equal: {
    type: ['integer', 'null'],
    description:
      'areas with exactly the area’s figure, itself included: more than 1 makes the rank a joint one',
  },
  percentileRank: { ...numOrNull, description: '0 lowest to 100 highest: share of the other areas below' },
  deciles: { type: 'array', items: num, description: 'p0, p10 … p100 of the areas’ figures' },
});

export const peersRoute: ApiRoute = {
  url: '/api/v1/peers',
  operationId: 'getPeers',
  summary: 'Where an area stands among the areas of its level',
  description:
    'For one metric and period (default: the latest complete one): the deciles of the figures of every ' +
    'area of the same level, the area’s own figure, its rank (1 = highest; `equal` > 1: a joint rank) and percentile rank (0 lowest, ' +
    '100 highest). Rates per 1,000 patients or % of patients are the meaningful comparison; ' +
    'COUNT_per_1000 asks for the rate derived from a count. See docs/adr/0010 for which areas are peers.',
  tag: 'Figures',
  access: 'figures',
  csv: true,
  csvAreaColumns: true,
  cache: true,
  querystring: PEERS_QUERY,
  response: PEERS_RESPONSE,
  example: {
    metric: 'unique_logins_per_1000',
    unit: 'per_1000',
    area: EXAMPLE_ICB,
    grain: 'month',
    periodStart: '2026-10-01',
    structure: 'current',
    count: 42,
    value: 420.1,
    rank: 7,
    equal: 1,
    percentileRank: 85.37,
    deciles: [301.2, 340.5, 355.1, 366.8, 378.2, 389.9, 398.4, 407.3, 415.8, 428.6, 470.2],
  },
  handler: (ctx) => async (request, reply) => {
    const q = request.query as FigureQuery & { level: Exclude<AreaLevel, 'england'>; code: string };
    const catalogue = [...ctx.catalogue];
    const resolved = resolvePeerMetric(q.metric, catalogue);
    if (!resolved)
      throw notFound(
        `querystring/metric: there is no metric with the id ${q.metric} that areas can be compared on`,
      );
    const { metric } = resolved;
    const level = q.level;
    const code = await odsCodeOf(ctx.deps.db, level, q.code.toUpperCase());
    const grain = grainParam(metric, q.grain);
    levelParam(metric, level);
    const period = dateParam(q.period, 'period');
    request.figures.requirePeers(metric.id, level, grain);
    const { area, onsCode } = await findArea(ctx.deps.db, level, code);
    const status = await getDataStatus(ctx.deps.db);
    const periodStart = period ? periodStartOf(grain, period) : latestCompletePeriod(grain, status);
    const requested = structureParam(q.structure);
    const read =
      periodStart === null
        ? null
        : await request.figures.peers(status, {
            metricId: metric.id,
            level,
            code,
            grain,
            period: periodStart,
            structure: requested,
          });
    const peers = read?.peers ?? null;
    const json = {
      metric: metric.id,
      unit: metric.unit,
      area,
      grain,
      periodStart,
      structure: structureName(peers?.structure ?? requested),
      count: peers?.count ?? 0,
      value: roundFigure(peers?.value ?? null, metric.unit),
      rank: peers?.rank ?? null,
      equal: peers?.equal ?? null,
      percentileRank: roundChange(peers?.percentileRank ?? null),
      deciles: (peers?.deciles ?? []).map((d) => roundFigure(d, metric.unit)),
    };
    const decileColumns = Array.from({ length: 11 }, (_, i) => `p${i * 10}`);
    return answer(request, reply, {
      open: request.figures.isSharedComparison(metric.id, level, grain),
      json,
      csv: {
        columns: [
          ...AREA_CSV_COLUMNS,
          'metric',
          'grain',
          'periodStart',
          'count',
          'value',
          'rank',
          'percentileRank',
          ...decileColumns,
          // Added after the deciles, so that a script reading the columns by position still finds them.
          'equal',
        ],
        rows: [
          {
            ...areaFields(area, onsCode),
            metric: json.metric,
            grain,
            periodStart,
            count: json.count,
            value: json.value,
            rank: json.rank,
            percentileRank: json.percentileRank,
            ...Object.fromEntries(decileColumns.map((c, i) => [c, json.deciles[i] ?? null])),
            equal: json.equal,
          },
        ],
        filename: ['peers', metric.id, level, code, grain, periodStart],
      },
    });
  },
};
