/**
 * GET /api/v1/series and /api/v1/series/areas: a metric over time for one area, or for every area of a level
 * (or within a parent). The same read model as the pages and the `query` command (src/query/series.ts,
 * src/query/data-table.ts); each figure checked against the open-data rule (src/domain/access.ts).
 */
import { AREA_LEVELS, ENGLAND_CODE, type AreaLevel } from '../../domain/areas.ts';
import { comparisonOf, isPatientRate, type MetricDefinition } from '../../domain/metric-definition.ts';
import { AREA_CSV_COLUMNS, areaCsvCells, csvLine, wideCsvLine } from '../../domain/csv.ts';
import { roundChange, roundCount, roundCoverage, roundFigure } from '../../domain/rounding.ts';
import { compareWithBenchmark, interval95, type Verdict } from '../../domain/statistics.ts';
import {
  dataTableAreaList,
  findDataTableArea,
  isRateMetric,
  selectionPeriods,
  type DataTableArea,
  type DataTableRequest,
  type DataTableRow,
} from '../../query/data-table.ts';
import { getDataStatus } from '../../query/status.ts';
import type { AreaRef } from '../../query/types.ts';
import type { FigurePoint } from '../../query/figures.ts';
import type { Warehouse } from '../../warehouse/db.ts';
import {
  answer,
  EXAMPLE_ICB,
  areaFields,
  badRequest,
  dateRangeParam,
  findArea,
  findMetric,
  grainParam,
  layoutParam,
  levelParam,
  metricAreaParams,
  notFound,
  odsCodeOf,
  OPEN_CACHE,
  partialParam,
  PRIVATE_CACHE,
  sendCsv,
  structureName,
  structureParam,
  type ApiRoute,
  type FigureQuery,
} from './common.ts';
import {
  AREA_PROPERTIES,
  AREA_CODE_SCHEMA,
  AREA_REF,
  bool,
  CHILD_LEVEL_SCHEMA,
  CONFIDENCE_FIELDS,
  CONFIDENCE_KEYS,
  FORMAT_SCHEMA,
  GRAIN_SCHEMA,
  LAYOUT_SCHEMA,
  LEVEL_SCHEMA,
  METRIC_ID_SCHEMA,
  num,
  numOrNull,
  object,
  PARTIAL_SCHEMA,
  PERIOD_RANGE_PROPERTIES,
  query,
  str,
  strOrNull,
  STRUCTURE_SCHEMA,
  VERDICT_SCHEMA,
} from './schemas.ts';

export const SERIES_QUERY = query(
  {
    metric: METRIC_ID_SCHEMA,
    ...AREA_PROPERTIES,
    grain: GRAIN_SCHEMA,
    ...PERIOD_RANGE_PROPERTIES,
    structure: STRUCTURE_SCHEMA,
    partial: PARTIAL_SCHEMA,
    format: FORMAT_SCHEMA,
    layout: LAYOUT_SCHEMA,
  },
  ['metric'],
);

export const SERIES_AREAS_QUERY = query(
  {
    metric: METRIC_ID_SCHEMA,
    level: {
      ...CHILD_LEVEL_SCHEMA,
      description: 'the level of the areas (region, icb, sub_icb, pcn, practice)',
    },
    parent: {
      ...AREA_CODE_SCHEMA,
      description:
        'must be an area code: 1 to 12 letters or digits (ODS or ONS) of an area above level; only the areas ' +
        'within it (default: every area of the level)',
    },
    grain: GRAIN_SCHEMA,
    ...PERIOD_RANGE_PROPERTIES,
    partial: PARTIAL_SCHEMA,
    format: FORMAT_SCHEMA,
    layout: LAYOUT_SCHEMA,
  },
  ['metric', 'level'],
);

const POINT_SCHEMA = object(
  {
    periodStart: { ...str, description: 'first day of the week (Monday) or month, UK time' },
    value: num,
    complete: bool,
    changePct: {
      ...numOrNull,
      description: '% change on the previous point; null when that is missing or 0',
    },
    numerator: num,
    denominator: num,
    coverage: numOrNull,
    ...CONFIDENCE_FIELDS,
    comparedWithEngland: VERDICT_SCHEMA,
  },
  ['numerator', 'denominator', 'coverage', ...CONFIDENCE_KEYS, 'comparedWithEngland'],
);

export const SERIES_RESPONSE = object({
  metric: str,
  unit: str,
  area: AREA_REF,
  grain: GRAIN_SCHEMA,
  structure: STRUCTURE_SCHEMA,
  data: { type: 'array', items: POINT_SCHEMA },
});

export const SERIES_AREAS_RESPONSE = object({
  metric: str,
  unit: str,
  level: LEVEL_SCHEMA,
  parent: { anyOf: [{ type: 'null' }, AREA_REF] },
  grain: GRAIN_SCHEMA,
  structure: STRUCTURE_SCHEMA,
  periods: { type: 'array', items: object({ periodStart: str, complete: bool }) },
  data: {
    type: 'array',
    items: object({
      area: object({ level: LEVEL_SCHEMA, code: str, name: str, onsCode: strOrNull, isCurrent: bool }),
      data: {
        type: 'array',
        items: object(
          {
            periodStart: str,
            value: numOrNull,
            complete: bool,
            numerator: numOrNull,
            denominator: numOrNull,
            coverage: numOrNull,
          },
          ['numerator', 'denominator', 'coverage'],
        ),
      },
    }),
  },
});

/**
 * The points of a series as the API sends them (docs/adr/0022): values rounded at the edge by the domain's
 * one rule, the % change on the point before (never to or from a partial period), a rate's numerator,
 * denominator and coverage, and, for rates and percentages, the 95% and 99.8% confidence limits with the
 * verdict against England's value in the same period (`not-compared` for England itself, which is the
 * benchmark, and where no interval or England figure exists).
 */
export function seriesData(
  points: FigurePoint[],
  metric: Pick<MetricDefinition, 'unit' | 'polarity' | 'aggregation' | 'denominator'>,
  england: FigurePoint[] | null,
) {
  const compared = comparisonOf(metric) !== 'none';
  const englandValue = new Map((england ?? []).map((p) => [p.periodStart, p.value]));
  const limit = (v: number | undefined) => (v === undefined ? null : roundFigure(v, metric.unit));
  return points.map((p) => {
    return {
      periodStart: p.periodStart,
      value: roundFigure(p.value, metric.unit),
      complete: p.complete,
      changePct: roundChange(p.changePct),
      ...(p.numerator !== undefined
        ? {
            numerator: roundCount(p.numerator),
            denominator: roundCount(p.denominator),
            coverage: roundCoverage(p.coverage ?? null),
          }
        : {}),
      ...(compared
        ? {
            lowerCi95: limit(p.lowerCi95),
            upperCi95: limit(p.upperCi95),
            lowerCi998: limit(p.lowerCi998),
            upperCi998: limit(p.upperCi998),
            comparedWithEngland: england
              ? compareWithBenchmark(interval95(p), englandValue.get(p.periodStart), metric.polarity)
              : ('not-compared' as Verdict),
          }
        : {}),
    };
  });
}

export const seriesRoute: ApiRoute = {
  url: '/api/v1/series',
  operationId: 'getSeries',
  summary: 'A metric over time for one area',
  description:
    'One value per week or month (complete periods; with partial=1 also the partial one, marked ' +
    'complete: false), with the % change on the previous point; rates also give their numerator, ' +
    'denominator (13+ patients) and coverage. Weekly figures, levels below ICB and metrics outside the MI ' +
    'publication need sign-in (401).',
  tag: 'Figures',
  access: 'figures',
  csv: true,
  csvAreaColumns: true,
  cache: true,
  querystring: SERIES_QUERY,
  response: SERIES_RESPONSE,
  example: {
    metric: 'unique_logins_per_1000',
    unit: 'per_1000',
    area: EXAMPLE_ICB,
    grain: 'month',
    structure: 'current',
    data: [
      {
        periodStart: '2026-09-01',
        value: 412.5,
        complete: true,
        changePct: null,
        numerator: 412500,
        denominator: 1000000,
        coverage: 0.998,
      },
      {
        periodStart: '2026-10-01',
        value: 420.1,
        complete: true,
        changePct: 1.84,
        numerator: 420100,
        denominator: 1000000,
        coverage: 0.998,
      },
    ],
  },
  handler: (ctx) => async (request, reply) => {
    const q = request.query as FigureQuery;
    const { metric, level, code, grain } = await metricAreaParams(ctx, q);
    levelParam(metric, level);
    const { from, to } = dateRangeParam(q);
    layoutParam(q);
    const figures = request.figures;
    // A restricted figure is refused before the area is looked up (its 401 does not depend on the code).
    figures.access.require(metric, level, grain);
    const { area, onsCode } = await findArea(ctx.deps.db, level, code);
    const status = await getDataStatus(ctx.deps.db);
    const structure = structureParam(q.structure);
    const range = { grain, structure, includePartial: partialParam(q.partial), from, to };
    // England's figures in the same periods are the benchmark of a rate's or percentage's verdict: read
    // beside the area's (ADR 0079).
    const [points, england] = await Promise.all([
      figures.series(status, metric, { level, code, ...range }),
      comparisonOf(metric) !== 'none' && level !== 'england'
        ? figures.series(status, metric, { level: 'england', code: ENGLAND_CODE, ...range })
        : null,
    ]);
    const data = seriesData(points, metric, england);
    const rate = isPatientRate(metric) && metric.id !== 'patients_13plus';
    const compared = comparisonOf(metric) !== 'none';
    return answer(request, reply, {
      // Under disclosure control visitors and staff see different figures: never a shared cache entry.
      open: figures.access.isShared(metric, level, grain, metric.unit),
      json: {
        metric: metric.id,
        unit: metric.unit,
        area,
        grain,
        structure: structureName(rate ? 'current' : structure),
        data,
      },
      csv: {
        columns: [
          ...AREA_CSV_COLUMNS,
          'periodStart',
          'value',
          'complete',
          'changePct',
          ...(rate ? ['numerator', 'denominator', 'coverage'] : []),
          ...(compared ? ['lowerCi95', 'upperCi95', 'lowerCi998', 'upperCi998', 'comparedWithEngland'] : []),
        ],
        rows: () => data.map((p) => ({ ...areaFields(area, onsCode), ...p })),
        filename: ['series', metric.id, level, level === 'england' ? null : code, grain],
        wide: {
          keyColumns: AREA_CSV_COLUMNS,
          periods: data.map((p) => p.periodStart),
          rows: [
            {
              keys: areaCsvCells({ ...area, onsCode }),
              values: new Map(data.map((p) => [p.periodStart, p.value])),
            },
          ],
        },
      },
    });
  },
};

/** Points read per query while answering many areas; the JSON answer holds at most this many figures. */
const AREAS_CHUNK_ROWS = 100_000;
export const SERIES_AREAS_JSON_LIMIT = 100_000;

/** The area `parent` names, by ODS code at any level or by ONS code; null when there is none. */
async function findParentArea(db: Warehouse, code: string) {
  const direct = await findDataTableArea(db, code);
  if (direct) return direct;
  for (const level of ['region', 'icb', 'sub_icb'] as const) {
    const ods = await odsCodeOf(db, level, code);
    if (ods !== code) return findDataTableArea(db, ods);
  }
  return null;
}

export const seriesAreasRoute: ApiRoute = {
  url: '/api/v1/series/areas',
  operationId: 'getSeriesOfAreas',
  summary: 'A metric over time for many areas: every area of a level, or those within an area',
  description:
    'The series of every area of `level` (today’s open areas, closed practices and Unknown, as the data ' +
    'table lists them), or only those within `parent`: one value per week or month with its complete flag; ' +
    'rates also give numerator, denominator and coverage. No data is null (an empty CSV cell), never 0. ' +
    'With format=csv&layout=wide a row per area and a column per period (ADR 0032). CSV answers are ' +
    `streamed; a JSON answer holds at most ${SERIES_AREAS_JSON_LIMIT.toLocaleString('en-GB')} figures ` +
    '(400 beyond: narrow with parent, from or to, or ask for CSV).',
  tag: 'Figures',
  access: 'figures',
  csv: true,
  csvAreaColumns: true,
  cache: true,
  querystring: SERIES_AREAS_QUERY,
  response: SERIES_AREAS_RESPONSE,
  example: {
    metric: 'unique_logins_per_1000',
    unit: 'per_1000',
    level: 'icb',
    parent: { level: 'region', code: 'Y56', name: 'London', isCurrent: true },
    grain: 'month',
    structure: 'current',
    periods: [
      { periodStart: '2026-09-01', complete: true },
      { periodStart: '2026-10-01', complete: true },
    ],
    data: [
      {
        area: {
          level: 'icb',
          code: 'QMJ',
          name: 'NHS North Central London Integrated Care Board',
          onsCode: 'E54000028',
          isCurrent: true,
        },
        data: [
          {
            periodStart: '2026-09-01',
            value: 412.5,
            complete: true,
            numerator: 412500,
            denominator: 1000000,
            coverage: 0.998,
          },
          {
            periodStart: '2026-10-01',
            value: 420.1,
            complete: true,
            numerator: 420100,
            denominator: 1000000,
            coverage: 0.998,
          },
        ],
      },
    ],
  },
  handler: (ctx) => async (request, reply) => {
    const q = request.query as FigureQuery & { level: Exclude<AreaLevel, 'england'>; parent?: string };
    const { db } = ctx.deps;
    const catalogue = [...ctx.catalogue];
    const metric = findMetric(catalogue, q.metric);
    const level = q.level;
    const grain = grainParam(metric, q.grain);
    levelParam(metric, level);
    const { from, to } = dateRangeParam(q);
    const layout = layoutParam(q);
    const figures = request.figures;
    figures.access.require(metric, level, grain);
    let parent: AreaRef | null = null;
    if (q.parent !== undefined) {
      const code = q.parent.toUpperCase();
      parent = await findParentArea(db, code);
      if (!parent) throw notFound(`querystring/parent: there is no area with the code ${code}`);
      if (AREA_LEVELS.indexOf(parent.level) >= AREA_LEVELS.indexOf(level))
        throw badRequest(`querystring/parent must be an area above the level ${level}`);
    }
    const status = await getDataStatus(db);
    const req: DataTableRequest = {
      level,
      area: parent && parent.level !== 'england' ? { level: parent.level, code: parent.code } : null,
      metrics: [metric],
      grain,
      includePartial: partialParam(q.partial),
      ...(from ? { from } : {}),
      ...(to ? { to } : {}),
    };
    const periods = selectionPeriods(status, req, catalogue);
    const rate = isRateMetric(metric);
    // Rounded at the edge (docs/adr/0022); counts come disclosed from the figure reader.
    const point = (r: DataTableRow) => {
      return {
        periodStart: r.periodStart,
        value: roundFigure(r.value, metric.unit),
        complete: r.complete,
        ...(rate
          ? {
              numerator: roundCount(r.numerator ?? null),
              denominator: roundCount(r.denominator ?? null),
              coverage: roundCoverage(r.coverage ?? null),
            }
          : {}),
      };
    };
    const areaOf = (r: DataTableRow) => ({
      level: r.areaLevel,
      code: r.areaCode,
      name: r.areaName,
      placeName: r.placeName ?? null,
      onsCode: r.onsCode,
      isCurrent: r.isCurrent,
    });
    reply.header(
      'Cache-Control',
      figures.access.isShared(metric, level, grain, metric.unit) ? OPEN_CACHE : PRIVATE_CACHE,
    );
    const areaRows = (list?: DataTableArea[]) => figures.dataTableByArea(status, req, AREAS_CHUNK_ROWS, list);
    if (q.format === 'csv') {
      const starts = periods.map((p) => p.periodStart);
      const rateColumns = rate ? ['numerator', 'denominator', 'coverage'] : [];
      async function* lines() {
        yield layout === 'wide'
          ? csvLine([...AREA_CSV_COLUMNS, 'isCurrent', ...starts])
          : csvLine([...AREA_CSV_COLUMNS, 'isCurrent', 'periodStart', 'value', 'complete', ...rateColumns]);
        let chunk = '';
        for await (const rows of areaRows()) {
          const first = rows[0];
          if (!first) continue;
          const keys = [...areaCsvCells(areaOf(first)), first.isCurrent];
          const points = rows.map(point);
          if (layout === 'wide') {
            chunk += wideCsvLine(keys, starts, new Map(points.map((p) => [p.periodStart, p.value])));
          } else {
            for (const p of points) {
              const parts = 'numerator' in p ? [p.numerator, p.denominator, p.coverage] : [];
              chunk += csvLine([...keys, p.periodStart, p.value, p.complete, ...parts]);
            }
          }
          if (chunk.length >= 64 * 1024) {
            yield chunk;
            chunk = '';
          }
        }
        if (chunk) yield chunk;
      }
      return sendCsv(
        reply,
        [
          'series',
          metric.id,
          level,
          parent && parent.level !== 'england' ? parent.code : null,
          grain,
          layout === 'wide' ? 'wide' : null,
        ],
        lines(),
      );
    }
    const areaList = await dataTableAreaList(db, req);
    const areas = areaList.length;
    if (areas * periods.length > SERIES_AREAS_JSON_LIMIT)
      throw badRequest(
        `the selection has ${(areas * periods.length).toLocaleString('en-GB')} figures, more than a JSON ` +
          `answer holds (${SERIES_AREAS_JSON_LIMIT.toLocaleString('en-GB')}): narrow it with parent, from or ` +
          'to, or ask for format=csv',
      );
    const data = [];
    for await (const rows of areaRows(areaList)) {
      if (rows[0]) data.push({ area: areaOf(rows[0]), data: rows.map(point) });
    }
    return reply.type('application/json; charset=utf-8').send({
      metric: metric.id,
      unit: metric.unit,
      level,
      parent,
      grain,
      structure: 'current',
      periods,
      data,
    });
  },
};
