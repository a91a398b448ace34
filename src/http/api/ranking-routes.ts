/**
 * GET /api/v1/ranking (issue 11 item 3): the areas of one level within an area, ranked on one metric for one
 * complete period (src/query/ranking.ts), as JSON or CSV. Access as for every figure: the ranked level, grain
 * and metric must be open data for visitors who are not signed in (401 otherwise); under disclosure control
 * visitors get no ranking of counts (ranks would give the exact counts away), and the counts behind a rate are
 * disclosed. Figures are rounded at the edge (src/domain/rounding.ts).
 */
import { AREA_CSV_COLUMNS } from '../../domain/csv.ts';
import { AREA_LEVELS, ENGLAND_CODE, type AreaLevel } from '../../domain/areas.ts';
import type { Grain } from '../../domain/metric-definition.ts';
import { roundChange, roundCount, roundCoverage, roundFigure } from '../../domain/rounding.ts';
import { VERDICTS } from '../../domain/statistics.ts';
import { RankingError, type Ranking, type RankingRow } from '../../query/ranking.ts';
import { getDataStatus } from '../../query/status.ts';
import type { RouteContext } from '../route-context.ts';
import type { FastifyRequest } from 'fastify';
import {
  answer,
  areaFields,
  ApiError,
  badRequest,
  dateParam,
  odsCodeOf,
  structureName,
  structureParam,
  type ApiRoute,
} from './common.ts';
import {
  bool,
  DATE_SCHEMA,
  FORMAT_SCHEMA,
  GRAIN_SCHEMA,
  int,
  intOrNull,
  LEVEL_SCHEMA,
  numOrNull,
  object,
  PEER_METRIC_SCHEMA,
  query,
  str,
  strOrNull,
  STRUCTURE_SCHEMA,
  type JsonSchema,
} from './schemas.ts';

/** `within`: LEVEL:CODE (icb:QWO, region:Y56, pcn:U12345, an ONS code too), or england. */
export const WITHIN_PATTERN = '^(england(:E92000001)?|(region|icb|sub_icb|pcn):[A-Za-z0-9]{1,12})$';

export const RANKING_QUERY: JsonSchema = query(
  {
    metric: PEER_METRIC_SCHEMA,
    level: { ...LEVEL_SCHEMA, description: 'the level ranked: a level below `within`' },
    within: {
      type: 'string',
      minLength: 7,
      maxLength: 20,
      pattern: WITHIN_PATTERN,
      description:
        'must be LEVEL:CODE, the area whose areas are ranked (region, icb, sub_icb or pcn and its ODS or ONS ' +
        'code, e.g. icb:QWO), or england (the default)',
    },
    grain: GRAIN_SCHEMA,
    period: {
      ...DATE_SCHEMA,
      description: 'must be a date like 2026-04-01 in a complete period (default the latest complete one)',
    },
    minListSize: {
      type: 'string',
      pattern: '^[0-9]{1,7}$',
      description:
        'must be a whole number of patients: practices with fewer patients of all ages are left out (default 1000; 0 keeps all)',
    },
    structure: STRUCTURE_SCHEMA,
    format: FORMAT_SCHEMA,
  },
  ['metric', 'level'],
);

const PLACE_NAME = {
  ...strOrNull,
  description: 'sub-ICB locations: the place name from the CCG it succeeded (e.g. "Leeds"); null otherwise',
};

const ROW_SCHEMA = object({
  rank: { ...intOrNull, description: '1 for the highest value; ties share a rank; null without a value' },
  code: str,
  name: str,
  placeName: PLACE_NAME,
  onsCode: strOrNull,
  isCurrent: bool,
  value: numOrNull,
  lowerCi95: numOrNull,
  upperCi95: numOrNull,
  comparedWithEngland: { type: 'string', enum: VERDICTS },
  count: { ...numOrNull, description: "a rate's numerator, or the count itself" },
  denominator: numOrNull,
  coverage: numOrNull,
  patients13plus: numOrNull,
  patientsAll: numOrNull,
  previousValue: numOrNull,
  change: numOrNull,
  changePct: numOrNull,
  series: { type: 'array', items: object({ periodStart: str, value: numOrNull }) },
});

export const RANKING_RESPONSE: JsonSchema = object({
  metric: str,
  name: str,
  unit: str,
  polarity: str,
  level: LEVEL_SCHEMA,
  within: object({
    level: LEVEL_SCHEMA,
    code: str,
    name: str,
    placeName: PLACE_NAME,
    isCurrent: bool,
  }),
  grain: GRAIN_SCHEMA,
  periodStart: str,
  previousPeriodStart: strOrNull,
  structure: STRUCTURE_SCHEMA,
  minListSize: int,
  england: object({ value: numOrNull }),
  hasFigures: bool,
  excluded: object({ closed: int, notYetOpen: int, smallList: int, total: int }),
  note: strOrNull,
  data: { type: 'array', items: ROW_SCHEMA },
});

export const RANKING_CSV_COLUMNS = [
  ...AREA_CSV_COLUMNS,
  'metric',
  'periodStart',
  'rank',
  'value',
  'lowerCi95',
  'upperCi95',
  'comparedWithEngland',
  'count',
  'patients13plus',
  'patientsAll',
  'previousValue',
  'change',
  'changePct',
  'coverage',
] as const;

/** `within` as level and code; England when absent. */
export function parseWithin(raw: string | undefined): { level: AreaLevel; code: string } {
  if (raw === undefined || raw.toLowerCase().startsWith('england'))
    return { level: 'england', code: ENGLAND_CODE };
  const [level, code] = raw.split(':') as [string, string];
  if (!(AREA_LEVELS as readonly string[]).includes(level) || !code)
    throw badRequest('querystring/within must be LEVEL:CODE, e.g. icb:QWO');
  return { level: level as AreaLevel, code: code.toUpperCase() };
}

/** A ranking's rows rounded at the edge (counts come disclosed from the figure reader). */
export function rankingRowsJson(ranking: Ranking) {
  const unit = ranking.metric.unit;
  const count = (v: number | null) => roundCount(v);
  return ranking.rows.map((r: RankingRow) => ({
    rank: r.rank,
    code: r.code,
    name: r.name,
    placeName: r.placeName,
    onsCode: r.onsCode,
    isCurrent: r.isCurrent,
    value: ranking.isRate ? roundFigure(r.value, unit) : count(r.value),
    lowerCi95: roundFigure(r.lowerCi95, unit),
    upperCi95: roundFigure(r.upperCi95, unit),
    comparedWithEngland: r.comparedWithEngland,
    count: count(r.count),
    denominator: roundCount(r.denominator),
    coverage: roundCoverage(r.coverage),
    patients13plus: roundCount(r.patients13plus),
    patientsAll: roundCount(r.patientsAll),
    previousValue: ranking.isRate ? roundFigure(r.previousValue, unit) : count(r.previousValue),
    change: roundFigure(r.change, unit),
    changePct: roundChange(r.changePct),
    series: r.series.map((s) => ({
      periodStart: s.periodStart,
      value: ranking.isRate ? roundFigure(s.value, unit) : count(s.value),
    })),
  }));
}

/** A RankingError as the API's 400 or 404 naming the parameter. */
export function rankingApiError(err: unknown): unknown {
  if (!(err instanceof RankingError)) return err;
  return new ApiError(err.status, `querystring/${err.param} ${err.message}`);
}

interface RankingQuery {
  metric: string;
  level: AreaLevel;
  within?: string;
  grain?: Grain;
  period?: string;
  minListSize?: string;
  structure?: 'current' | 'as-recorded';
}

/** Runs the ranking for an API or page request through its figure reader (throws ApiError, or refuses). */
export async function rankingForRequest(request: FastifyRequest, ctx: RouteContext, q: RankingQuery) {
  const within = parseWithin(q.within);
  if (within.level !== 'england') within.code = await odsCodeOf(ctx.deps.db, within.level, within.code);
  const grain = q.grain ?? 'month';
  const period = dateParam(q.period, 'period');
  const status = await getDataStatus(ctx.deps.db);
  try {
    return await request.figures.ranking(status, {
      metricId: q.metric,
      level: q.level,
      within,
      grain,
      period,
      minListSize: q.minListSize === undefined ? undefined : Number(q.minListSize),
      structure: structureParam(q.structure),
    });
  } catch (err) {
    throw rankingApiError(err);
  }
}

export const rankingRoute: ApiRoute = {
  url: '/api/v1/ranking',
  operationId: 'getRanking',
  summary: 'Areas of one level within an area, ranked on one metric',
  description:
    'Every area of `level` within `within` (today’s structure, or as recorded at the time for counts), ranked ' +
    'on one metric for one complete week or month: value (rates per 1,000 or percentages of patients aged 13+ ' +
    'as the metric defines), 95% confidence interval and verdict against England, count, list sizes (13+ and ' +
    'all ages), change on the previous complete period and the last 13 points. Rank 1 is the highest value. ' +
    'Closed practices and practices with fewer than `minListSize` patients are left out and counted in ' +
    '`excluded` and `note`. CSV has one row per area with its code and name. 400 for bad parameters, 404 ' +
    'for an unknown metric or area, 401 for figures that need sign-in.',
  tag: 'Figures',
  access: 'figures',
  csv: true,
  csvAreaColumns: true,
  cache: true,
  querystring: RANKING_QUERY,
  response: RANKING_RESPONSE,
  example: {
    metric: 'registered_pct_13plus',
    name: 'Percentage of GP patients aged 13+ registered for the NHS App',
    unit: 'percent',
    polarity: 'higher_is_better',
    level: 'practice',
    within: {
      level: 'icb',
      code: 'QWO',
      name: 'NHS West Yorkshire Integrated Care Board',
      placeName: null,
      isCurrent: true,
    },
    grain: 'month',
    periodStart: '2026-10-01',
    previousPeriodStart: '2026-09-01',
    structure: 'current',
    minListSize: 1000,
    england: { value: 66.2 },
    hasFigures: true,
    excluded: { closed: 3, notYetOpen: 0, smallList: 9, total: 12 },
    note: '12 practices left out: 3 closed, 9 with fewer than 1,000 patients',
    data: [
      {
        rank: 1,
        code: 'B86001',
        name: 'Example Medical Practice',
        placeName: null,
        onsCode: null,
        isCurrent: true,
        value: 78.4,
        lowerCi95: 77.9,
        upperCi95: 78.9,
        comparedWithEngland: 'better',
        count: 9120,
        denominator: 11633,
        coverage: 0.9987,
        patients13plus: 11633,
        patientsAll: 13410,
        previousValue: 78.1,
        change: 0.3,
        changePct: 0.4,
        series: [{ periodStart: '2026-10-01', value: 78.4 }],
      },
    ],
  },
  handler: (ctx) => async (request, reply) => {
    const q = request.query as RankingQuery;
    const { ranking, shared: open } = await rankingForRequest(request, ctx, q);
    const data = rankingRowsJson(ranking);
    const unit = ranking.metric.unit;
    return answer(request, reply, {
      open,
      json: {
        metric: ranking.metric.id,
        name: ranking.metric.name,
        unit,
        polarity: ranking.metric.polarity,
        level: ranking.level,
        within: ranking.within,
        grain: ranking.grain,
        periodStart: ranking.periodStart,
        previousPeriodStart: ranking.previousPeriodStart,
        structure: structureName(ranking.structure),
        minListSize: ranking.minListSize,
        england: {
          value: ranking.isRate
            ? roundFigure(ranking.england.value, unit)
            : roundCount(ranking.england.value),
        },
        hasFigures: ranking.hasFigures,
        excluded: {
          closed: ranking.excluded.closed,
          notYetOpen: ranking.excluded.notYetOpen,
          smallList: ranking.excluded.smallList,
          total: ranking.excluded.total,
        },
        note: ranking.note,
        data,
      },
      csv: {
        columns: RANKING_CSV_COLUMNS,
        rows: () =>
          data.map((r) => ({
            ...areaFields({ ...r, level: ranking.level }, r.onsCode),
            ...r,
            metric: ranking.metric.id,
            periodStart: ranking.periodStart,
          })),
        filename: [
          'ranking',
          ranking.metric.id,
          ranking.level,
          ranking.within.level === 'england' ? 'england' : ranking.within.code,
          ranking.grain,
          ranking.periodStart,
        ],
      },
    });
  },
};
