/**
 * Figure routes of the API: series, breakdown, summary and peers. The same read model as the pages and
 * the `query` command (src/query/*), so the API serves the same numbers. Each figure is checked against
 * the open-data rule (src/domain/access.ts): anonymous viewers get open figures only (401 otherwise), and
 * the summary leaves out the tiles they may not see.
 */
import { patientRate } from '../../domain/rate.ts';
import { ANONYMOUS_VIEWER, canViewFigure } from '../../domain/access.ts';
import { AREA_LEVELS, childLevel, ENGLAND_CODE, type AreaLevel } from '../../domain/areas.ts';
import {
  comparisonOf,
  isPatientRate,
  isStoredRatio,
  type Grain,
  type MetricDefinition,
} from '../../domain/metric-definition.ts';
import { AREA_CSV_COLUMNS, areaCsvCells, areaCsvFields, csvLine, wideCsvLine } from '../../domain/csv.ts';
import { roundChange, roundCount, roundCoverage, roundFigure } from '../../domain/rounding.ts';
import { compareWithBenchmark, interval95, type Verdict } from '../../domain/statistics.ts';
import { periodStart as periodStartOf } from '../../domain/periods.ts';
import { getAreaChain, getAreaPage, latestCompletePeriod } from '../../query/area-page.ts';
import { getBreakdown } from '../../query/breakdown.ts';
import {
  countDataTableAreas,
  dataTableByArea,
  findDataTableArea,
  isRateMetric,
  selectionPeriods,
  type DataTableRequest,
  type DataTableRow,
} from '../../query/data-table.ts';
import { getNationalSummary } from '../../query/national-summary.ts';
import { getPeers, resolvePeerMetric } from '../../query/peers.ts';
import { getMetricSeries } from '../../query/series.ts';
import { getDataStatus } from '../../query/status.ts';
import type { AreaRef, AreaTile, SeriesPoint, SummaryTile } from '../../query/types.ts';
import type { Warehouse } from '../../warehouse/db.ts';
import { assertCanViewFigure, SignInRequiredError } from '../access.ts';
import { disclosureActive, disclosureFor } from './disclosure.ts';
import {
  answer,
  odsCodeOf,
  resolvedAreaParam,
  badRequest,
  dateParam,
  findMetric,
  grainParam,
  handle,
  layoutParam,
  levelParam,
  notFound,
  OPEN_CACHE,
  partialParam,
  PRIVATE_CACHE,
  sendCsv,
  structureName,
  structureParam,
  type ApiRoute,
} from './common.ts';
import {
  BREAKDOWN_QUERY,
  BREAKDOWN_RESPONSE,
  PEERS_QUERY,
  PEERS_RESPONSE,
  SERIES_AREAS_QUERY,
  SERIES_AREAS_RESPONSE,
  SERIES_QUERY,
  SERIES_RESPONSE,
  SUMMARY_QUERY,
  SUMMARY_RESPONSE,
} from './schemas.ts';
import * as querySql from '../../warehouse/sql/query.ts';

interface FigureQuery {
  metric: string;
  level?: AreaLevel;
  code?: string;
  grain?: Grain;
  from?: string;
  to?: string;
  period?: string;
  structure?: 'current' | 'as-recorded';
  partial?: string;
  format?: 'json' | 'csv';
}

function isRate(metric: MetricDefinition): boolean {
  return isPatientRate(metric) || metric.id === 'patients_13plus';
}

async function findArea(
  db: Warehouse,
  level: AreaLevel,
  code: string,
  param = 'code',
): Promise<{ area: AreaRef; onsCode: string | null }> {
  const chain = await getAreaChain(db, level, code);
  if (!chain) throw notFound(`querystring/${param}: there is no ${level} with the code ${code}`);
  const { area } = chain;
  return {
    area: {
      level: area.level,
      code: area.code,
      name: area.name,
      placeName: area.placeName ?? null,
      isCurrent: area.isCurrent,
    },
    onsCode: area.onsCode,
  };
}

/** An area's CSV cells (ADR 0032) from its reference and ONS code. */
function areaFields(area: AreaRef, onsCode: string | null) {
  return areaCsvFields({
    code: area.code,
    name: area.name,
    placeName: area.placeName ?? null,
    level: area.level,
    onsCode,
  });
}

/**
 * The points of a series as the API sends them (docs/adr/0022): values rounded at the edge by the domain's
 * one rule, the % change on the point before (never to or from a partial period), a rate's numerator,
 * denominator and coverage, and, for rates and percentages, the 95% and 99.8% confidence limits with the
 * verdict against England's value in the same period (`not-compared` for England itself, which is the
 * benchmark, and where no interval or England figure exists).
 */
export function seriesData(
  points: SeriesPoint[],
  metric: Pick<MetricDefinition, 'unit' | 'polarity' | 'aggregation' | 'denominator'>,
  england: SeriesPoint[] | null,
) {
  const compared = comparisonOf(metric) !== 'none';
  const englandValue = new Map((england ?? []).map((p) => [p.periodStart, p.value]));
  const limit = (v: number | undefined) => (v === undefined ? null : roundFigure(v, metric.unit));
  return points.map((p, i) => {
    const prev = points[i - 1];
    const change =
      prev && prev.value !== 0 && p.complete && prev.complete
        ? ((p.value - prev.value) / prev.value) * 100
        : null;
    return {
      periodStart: p.periodStart,
      value: roundFigure(p.value, metric.unit),
      complete: p.complete,
      changePct: roundChange(change),
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

const ENGLAND_REF = { level: 'england', code: ENGLAND_CODE, name: 'England', isCurrent: true } as const;

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
    area: {
      level: 'icb',
      code: 'QMJ',
      name: 'NHS North Central London Integrated Care Board',
      isCurrent: true,
    },
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
  handler: (ctx) =>
    handle(async (request, reply) => {
      const q = request.query as FigureQuery;
      const metric = findMetric(ctx.catalogue, q.metric);
      const { level, code } = await resolvedAreaParam(ctx.deps.db, q);
      const grain = grainParam(metric, q.grain);
      levelParam(metric, level);
      const from = dateParam(q.from, 'from');
      const to = dateParam(q.to, 'to');
      if (from && to && from > to) throw badRequest('querystring/from must not be after querystring/to');
      layoutParam(q);
      assertCanViewFigure(request, { metric, level, grain, catalogue: ctx.catalogue });
      const { area, onsCode } = await findArea(ctx.deps.db, level, code);
      const status = await getDataStatus(ctx.deps.db);
      const structure = structureParam(q.structure);
      const points = await getMetricSeries(
        ctx.deps.db,
        status,
        metric,
        { level, code, grain, structure, includePartial: partialParam(q.partial), from, to },
        [...ctx.catalogue],
      );
      // England's figures in the same periods are the benchmark of a rate's or percentage's verdict.
      const england =
        comparisonOf(metric) !== 'none' && level !== 'england'
          ? await getMetricSeries(
              ctx.deps.db,
              status,
              metric,
              {
                level: 'england',
                code: ENGLAND_CODE,
                grain,
                structure,
                includePartial: partialParam(q.partial),
                from,
                to,
              },
              [...ctx.catalogue],
            )
          : null;
      const disclose = disclosureFor(request, ctx, metric.unit, level);
      const data = disclose
        ? seriesData(points, metric, england).map((p) => ({
            ...p,
            value: disclose(p.value),
            changePct: null,
          }))
        : seriesData(points, metric, england);
      const rate = isRate(metric) && metric.id !== 'patients_13plus';
      const compared = comparisonOf(metric) !== 'none';
      return answer(request, reply, {
        // Under disclosure control visitors and staff see different figures: never a shared cache entry.
        open:
          canViewFigure(ANONYMOUS_VIEWER, { metric, level, grain, catalogue: ctx.catalogue }) &&
          !disclosureActive(ctx, metric.unit, level),
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
            ...(compared
              ? ['lowerCi95', 'upperCi95', 'lowerCi998', 'upperCi998', 'comparedWithEngland']
              : []),
          ],
          rows: data.map((p) => ({ ...areaFields(area, onsCode), ...p })),
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
    }),
};

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
  handler: (ctx) =>
    handle(async (request, reply) => {
      const q = request.query as FigureQuery;
      const metric = findMetric(ctx.catalogue, q.metric);
      const { level, code } = await resolvedAreaParam(ctx.deps.db, q);
      const grain = grainParam(metric, q.grain);
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
        open:
          canViewFigure(ANONYMOUS_VIEWER, { metric, level: child, grain, catalogue: ctx.catalogue }) &&
          !disclosureActive(ctx, metric.unit, child),
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
            ...areaCsvFields({
              code: r.code,
              name: r.name,
              placeName: r.placeName ?? null,
              level: r.level,
              onsCode: r.onsCode,
            }),
            periodStart,
            ...r,
          })),
          filename: ['breakdown', metric.id, level, level === 'england' ? null : code, grain, periodStart],
        },
      });
    }),
};

/** A tile's point as the API sends it: rounded at the edge, with a rate's parts and confidence limits. */
function tilePoint(p: SeriesPoint | null, unit: string) {
  if (!p) return null;
  const limit = (v: number | undefined) => (v === undefined ? null : roundFigure(v, unit));
  return {
    periodStart: p.periodStart,
    value: roundFigure(p.value, unit),
    complete: p.complete,
    ...(p.numerator !== undefined
      ? {
          numerator: roundCount(p.numerator),
          denominator: roundCount(p.denominator),
          coverage: roundCoverage(p.coverage ?? null),
        }
      : {}),
    ...(p.lowerCi95 !== undefined
      ? {
          lowerCi95: limit(p.lowerCi95),
          upperCi95: limit(p.upperCi95),
          lowerCi998: limit(p.lowerCi998),
          upperCi998: limit(p.upperCi998),
        }
      : {}),
  };
}

export const summaryRoute: ApiRoute = {
  url: '/api/v1/summary',
  operationId: 'getSummary',
  summary: 'The headline tiles of the National summary or of an area page',
  description:
    'Each headline metric’s latest complete figure (with partial=1, the partial one), the one before and ' +
    'the % change; below England each tile also compares a rate with the parent area and England. Tiles ' +
    'a viewer may not see are left out (counted in hiddenTiles); 401 when none is left.',
  tag: 'Figures',
  access: 'figures',
  csv: true,
  csvAreaColumns: true,
  cache: true,
  querystring: SUMMARY_QUERY,
  response: SUMMARY_RESPONSE,
  example: {
    area: ENGLAND_REF,
    grain: 'month',
    includePartial: false,
    refreshedAt: '2026-11-18T07:45:00.000Z',
    latestCompletePeriod: '2026-10-01',
    demo: false,
    hiddenTiles: 0,
    data: [
      {
        metricId: 'logins',
        name: 'NHS App logins',
        shortName: 'Logins',
        unit: 'events',
        polarity: 'higher_is_better',
        latest: { periodStart: '2026-10-01', value: 2188000, complete: true },
        previous: { periodStart: '2026-09-01', value: 2100000, complete: true },
        changePct: 4.19,
      },
    ],
  },
  handler: (ctx) =>
    handle(async (request, reply) => {
      const q = request.query as FigureQuery;
      const { level, code } = await resolvedAreaParam(ctx.deps.db, q);
      const grain: Grain = q.grain ?? 'month';
      const includePartial = partialParam(q.partial);
      const catalogue = [...ctx.catalogue];
      const byId = new Map(catalogue.map((m) => [m.id, m]));
      let area: AreaRef = ENGLAND_REF;
      let onsCode: string | null = ENGLAND_CODE;
      let tiles: (SummaryTile | AreaTile)[];
      let status;
      if (level === 'england') {
        const summary = await getNationalSummary(ctx.deps.db, catalogue, { grain, includePartial });
        tiles = summary.tiles;
        status = summary.status;
      } else {
        const page = await getAreaPage(ctx.deps.db, catalogue, { level, code, grain, includePartial });
        if (!page) throw notFound(`querystring/code: there is no ${level} with the code ${code}`);
        area = {
          level: page.area.level,
          code: page.area.code,
          name: page.area.name,
          placeName: page.area.placeName ?? null,
          isCurrent: page.area.isCurrent,
        };
        onsCode = page.area.onsCode;
        tiles = page.tiles;
        status = page.status;
      }
      const viewer = request.viewer;
      const anonymous = ANONYMOUS_VIEWER;
      let open = true;
      const visible = tiles.filter((t) => {
        const metric = byId.get(t.metricId);
        const figure = { metric: metric ?? { mi_publication: false }, level, grain, catalogue };
        if (!canViewFigure(anonymous, figure)) open = false;
        return canViewFigure(viewer, figure);
      });
      if (visible.length === 0 && tiles.length > 0) throw new SignInRequiredError();
      const data = visible.map((t) => {
        let comparison = null;
        if ('comparison' in t && t.comparison) {
          const c = t.comparison;
          // A rate derived from a count is open when the count is (src/domain/access.ts).
          const compared = c.derived
            ? {
                mi_publication: false,
                aggregation: 'ratio',
                numerator: t.metricId,
                denominator: 'patients_13plus',
              }
            : (byId.get(c.metricId) ?? { mi_publication: false });
          const figures = c.figures
            .filter((f) => {
              const figure = { metric: compared, level: f.area.level, grain, catalogue };
              if (!canViewFigure(anonymous, figure)) open = false;
              return canViewFigure(viewer, figure);
            })
            .map((f) => ({
              role: f.role,
              level: f.area.level,
              code: f.area.code,
              name: f.area.name,
              value: roundFigure(f.value, c.unit),
              coverage: roundCoverage(f.coverage),
              lowerCi95: roundFigure(f.lowerCi95, c.unit),
              upperCi95: roundFigure(f.upperCi95, c.unit),
              lowerCi998: roundFigure(f.lowerCi998, c.unit),
              upperCi998: roundFigure(f.upperCi998, c.unit),
            }));
          if (figures.length > 0)
            comparison = {
              metricId: c.metricId,
              name: c.name,
              unit: c.unit,
              derived: c.derived,
              periodStart: c.periodStart,
              figures,
              // A verdict tells which side of a figure the area is: given only with the figures it uses.
              comparedWithEngland: figures.some((f) => f.role === 'england')
                ? c.comparedWithEngland
                : ('not-compared' as Verdict),
              comparedWithParent: figures.some((f) => f.role === 'parent')
                ? c.comparedWithParent
                : ('not-compared' as Verdict),
            };
        }
        if (disclosureActive(ctx, t.unit, level)) open = false;
        const disclose = disclosureFor(request, ctx, t.unit, level);
        const discloseTile = (p: ReturnType<typeof tilePoint>) =>
          p && disclose ? { ...p, value: disclose(p.value) } : p;
        const verdict: Verdict = comparison?.comparedWithEngland ?? 'not-compared';
        return {
          metricId: t.metricId,
          name: t.name,
          shortName: t.shortName,
          unit: t.unit,
          polarity: t.polarity,
          latest: discloseTile(tilePoint(t.latest, t.unit)),
          previous: discloseTile(tilePoint(t.previous, t.unit)),
          changePct: disclose ? null : roundChange(t.changePct),
          comparedWithEngland: verdict,
          ...(level === 'england' ? {} : { comparison }),
        };
      });
      return answer(request, reply, {
        // What anyone may see, and nothing more: otherwise the answer depends on who asks.
        open: open && visible.length === tiles.length,
        json: {
          area,
          grain,
          includePartial,
          refreshedAt: status.refreshedAt,
          latestCompletePeriod: latestCompletePeriod(grain, status),
          demo: status.demo !== null,
          hiddenTiles: tiles.length - visible.length,
          data,
        },
        csv: {
          columns: [
            ...AREA_CSV_COLUMNS,
            'metricId',
            'name',
            'unit',
            'periodStart',
            'value',
            'complete',
            'previousPeriodStart',
            'previousValue',
            'changePct',
            'comparisonMetricId',
            'comparisonValue',
            'lowerCi95',
            'upperCi95',
            'parentValue',
            'englandValue',
            'comparedWithEngland',
            'comparedWithParent',
          ],
          rows: data.map((t) => {
            const fig = (role: string) =>
              'comparison' in t ? t.comparison?.figures.find((f) => f.role === role)?.value : undefined;
            const own = (field: 'lowerCi95' | 'upperCi95') =>
              'comparison' in t ? t.comparison?.figures.find((f) => f.role === 'area')?.[field] : undefined;
            return {
              ...areaFields(area, onsCode),
              metricId: t.metricId,
              name: t.name,
              unit: t.unit,
              periodStart: t.latest?.periodStart,
              value: t.latest?.value,
              complete: t.latest?.complete,
              previousPeriodStart: t.previous?.periodStart,
              previousValue: t.previous?.value,
              changePct: t.changePct,
              comparisonMetricId: 'comparison' in t ? t.comparison?.metricId : undefined,
              comparisonValue: fig('area'),
              lowerCi95: own('lowerCi95'),
              upperCi95: own('upperCi95'),
              parentValue: fig('parent'),
              englandValue: fig('england'),
              comparedWithEngland: t.comparedWithEngland,
              comparedWithParent: 'comparison' in t ? t.comparison?.comparedWithParent : undefined,
            };
          }),
          filename: ['summary', level, level === 'england' ? null : code, grain],
        },
      });
    }),
};

export const peersRoute: ApiRoute = {
  url: '/api/v1/peers',
  operationId: 'getPeers',
  summary: 'Where an area stands among the areas of its level',
  description:
    'For one metric and period (default: the latest complete one): the deciles of the figures of every ' +
    'area of the same level, the area’s own figure, its rank (1 = highest) and percentile rank (0 lowest, ' +
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
    area: {
      level: 'icb',
      code: 'QMJ',
      name: 'NHS North Central London Integrated Care Board',
      isCurrent: true,
    },
    grain: 'month',
    periodStart: '2026-10-01',
    structure: 'current',
    count: 42,
    value: 420.1,
    rank: 7,
    percentileRank: 85.37,
    deciles: [301.2, 340.5, 355.1, 366.8, 378.2, 389.9, 398.4, 407.3, 415.8, 428.6, 470.2],
  },
  handler: (ctx) =>
    handle(async (request, reply) => {
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
      const derived = !catalogue.some((m) => m.id === metric.id);
      // A derived rate of a count is open when the count is (src/domain/access.ts).
      const figureMetric = derived
        ? {
            mi_publication: false,
            aggregation: 'ratio',
            numerator: metric.numerator,
            denominator: metric.denominator,
          }
        : metric;
      assertCanViewFigure(request, { metric: figureMetric, level, grain, catalogue });
      // Deciles and ranks of counts would give exact counts away under disclosure control.
      if (disclosureFor(request, ctx, metric.unit, level))
        throw new SignInRequiredError('Sign in with an NHS email address to compare areas on counts.');
      const { area, onsCode } = await findArea(ctx.deps.db, level, code);
      const status = await getDataStatus(ctx.deps.db);
      const periodStart = period ? periodStartOf(grain, period) : latestCompletePeriod(grain, status);
      const requested = structureParam(q.structure);
      const peers =
        periodStart === null
          ? null
          : await getPeers(
              ctx.deps.db,
              { metricId: metric.id, level, code, grain, period: periodStart, structure: requested },
              catalogue,
              status,
            );
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
        percentileRank: roundChange(peers?.percentileRank ?? null),
        deciles: (peers?.deciles ?? []).map((d) => roundFigure(d, metric.unit)),
      };
      const decileColumns = Array.from({ length: 11 }, (_, i) => `p${i * 10}`);
      return answer(request, reply, {
        open:
          canViewFigure(ANONYMOUS_VIEWER, { metric: figureMetric, level, grain, catalogue }) &&
          !disclosureActive(ctx, metric.unit, level),
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
            },
          ],
          filename: ['peers', metric.id, level, code, grain, periodStart],
        },
      });
    }),
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
  handler: (ctx) =>
    handle(async (request, reply) => {
      const q = request.query as FigureQuery & { level: Exclude<AreaLevel, 'england'>; parent?: string };
      const { db } = ctx.deps;
      const catalogue = [...ctx.catalogue];
      const metric = findMetric(catalogue, q.metric);
      const level = q.level;
      const grain = grainParam(metric, q.grain);
      levelParam(metric, level);
      const from = dateParam(q.from, 'from');
      const to = dateParam(q.to, 'to');
      if (from && to && from > to) throw badRequest('querystring/from must not be after querystring/to');
      const layout = layoutParam(q);
      assertCanViewFigure(request, { metric, level, grain, catalogue });
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
      const disclose = disclosureFor(request, ctx, metric.unit, level);
      const rate = isRateMetric(metric);
      // Rounded at the edge (docs/adr/0022), then disclosed as the single-area series is.
      const point = (r: DataTableRow) => {
        const value = roundFigure(r.value, metric.unit);
        return {
          periodStart: r.periodStart,
          value: disclose ? disclose(value) : value,
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
        canViewFigure(ANONYMOUS_VIEWER, { metric, level, grain, catalogue }) &&
          !disclosureActive(ctx, metric.unit, level)
          ? OPEN_CACHE
          : PRIVATE_CACHE,
      );
      const areaRows = () => dataTableByArea(db, status, catalogue, req, AREAS_CHUNK_ROWS);
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
      const areas = await countDataTableAreas(db, req);
      if (areas * periods.length > SERIES_AREAS_JSON_LIMIT)
        throw badRequest(
          `the selection has ${(areas * periods.length).toLocaleString('en-GB')} figures, more than a JSON ` +
            `answer holds (${SERIES_AREAS_JSON_LIMIT.toLocaleString('en-GB')}): narrow it with parent, from or ` +
            'to, or ask for format=csv',
        );
      const data = [];
      for await (const rows of areaRows()) {
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
    }),
};
