/**
 * GET /api/v1/summary: the headline tiles of the National summary or of an area page (the pages' read model,
 * src/query/national-summary.ts and src/query/area-page.ts). Tiles a viewer may not see are left out.
 */
import type { Grain } from '../../domain/metric-definition.ts';
import { AREA_CSV_COLUMNS } from '../../domain/csv.ts';
import { roundChange, roundCount, roundCoverage, roundFigure } from '../../domain/rounding.ts';
import type { Verdict } from '../../domain/statistics.ts';
import { latestCompletePeriod } from '../../query/area-page.ts';
import type { SeenPoint } from '../../query/figures.ts';
import {
  answer,
  areaFields,
  areaNotFound,
  ENGLAND_REF,
  partialParam,
  resolvedAreaParam,
  type ApiRoute,
  type FigureQuery,
} from './common.ts';
import {
  AREA_CODE_PARAM,
  AREA_REF,
  bool,
  CONFIDENCE_FIELDS,
  CONFIDENCE_KEYS,
  FORMAT_SCHEMA,
  GRAIN_SCHEMA,
  LEVEL_SCHEMA,
  num,
  numOrNull,
  object,
  PARTIAL_SCHEMA,
  query,
  str,
  strOrNull,
  VERDICT_SCHEMA,
} from './schemas.ts';

export const SUMMARY_QUERY = query({
  level: { ...LEVEL_SCHEMA, description: 'default england (the National summary)' },
  code: AREA_CODE_PARAM,
  grain: GRAIN_SCHEMA,
  partial: PARTIAL_SCHEMA,
  format: FORMAT_SCHEMA,
});

const TILE_POINT = {
  anyOf: [
    { type: 'null' },
    object(
      {
        periodStart: str,
        value: num,
        complete: bool,
        numerator: num,
        denominator: num,
        coverage: numOrNull,
        ...CONFIDENCE_FIELDS,
      },
      ['numerator', 'denominator', 'coverage', ...CONFIDENCE_KEYS],
    ),
  ],
};

export const SUMMARY_RESPONSE = object({
  area: AREA_REF,
  grain: GRAIN_SCHEMA,
  includePartial: bool,
  refreshedAt: strOrNull,
  latestCompletePeriod: strOrNull,
  demo: bool,
  hiddenTiles: { type: 'integer', description: 'tiles left out because they need sign-in' },
  data: {
    type: 'array',
    items: object(
      {
        metricId: str,
        name: str,
        shortName: str,
        unit: str,
        polarity: str,
        latest: TILE_POINT,
        previous: TILE_POINT,
        changePct: numOrNull,
        yearEarlier: {
          ...TILE_POINT,
          description:
            'the same period a year earlier (the same month, or the week 52 weeks before); null when there is no figure for it',
        },
        changeOnYearPct: {
          ...numOrNull,
          description:
            '% change of latest on yearEarlier; null when either is missing or partial, or it is 0',
        },
        comparedWithEngland: VERDICT_SCHEMA,
        comparison: {
          anyOf: [
            { type: 'null' },
            object({
              metricId: str,
              name: str,
              unit: str,
              derived: bool,
              periodStart: str,
              figures: {
                type: 'array',
                items: object({
                  role: { type: 'string', enum: ['area', 'parent', 'icb', 'england'] },
                  level: LEVEL_SCHEMA,
                  code: str,
                  name: str,
                  value: numOrNull,
                  coverage: numOrNull,
                  ...CONFIDENCE_FIELDS,
                }),
              },
              comparedWithEngland: VERDICT_SCHEMA,
              comparedWithParent: VERDICT_SCHEMA,
              comparedWithIcb: {
                ...VERDICT_SCHEMA,
                description: 'PCNs and practices: against their ICB’s value (not-compared otherwise)',
              },
            }),
          ],
        },
      },
      ['comparison', 'comparedWithEngland'],
    ),
  },
});

/** A tile's point as the API sends it: rounded at the edge, with a rate's parts and confidence limits. */
function tilePoint(p: SeenPoint | null, unit: string) {
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
    'the % change, and the same period a year earlier with the % change on it; below England each tile ' +
    'also compares a rate with the parent area and England. Tiles a viewer may not see are left out ' +
    '(counted in hiddenTiles); 401 when none is left.',
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
        yearEarlier: { periodStart: '2025-10-01', value: 1950000, complete: true },
        changeOnYearPct: 12.21,
      },
    ],
  },
  handler: (ctx) => async (request, reply) => {
    const q = request.query as FigureQuery;
    const { level, code } = await resolvedAreaParam(ctx.deps.db, q);
    const grain: Grain = q.grain ?? 'month';
    const includePartial = partialParam(q.partial);
    const read = await request.figures.summary({ level, code, grain, includePartial });
    if (!read) throw areaNotFound(level, code);
    const { area, onsCode, status } = read;
    const data = read.tiles.map((t) => {
      let comparison = null;
      if (t.comparison) {
        const c = t.comparison;
        comparison = {
          metricId: c.metricId,
          name: c.name,
          unit: c.unit,
          derived: c.derived,
          periodStart: c.periodStart,
          figures: c.figures.map((f) => ({
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
          })),
          comparedWithEngland: c.comparedWithEngland,
          comparedWithParent: c.comparedWithParent,
          comparedWithIcb: c.comparedWithIcb ?? 'not-compared',
        };
      }
      const verdict: Verdict = comparison?.comparedWithEngland ?? 'not-compared';
      return {
        metricId: t.metricId,
        name: t.name,
        shortName: t.shortName,
        unit: t.unit,
        polarity: t.polarity,
        latest: tilePoint(t.latest, t.unit),
        previous: tilePoint(t.previous, t.unit),
        changePct: roundChange(t.changePct),
        yearEarlier: tilePoint(t.yearEarlier, t.unit),
        changeOnYearPct: roundChange(t.changeOnYearPct),
        comparedWithEngland: verdict,
        ...(level === 'england' ? {} : { comparison }),
      };
    });
    return answer(request, reply, {
      // What anyone may see, and nothing more: otherwise the answer depends on who asks.
      open: read.shared,
      json: {
        area,
        grain,
        includePartial,
        refreshedAt: status.refreshedAt,
        latestCompletePeriod: latestCompletePeriod(grain, status),
        demo: status.demo !== null,
        hiddenTiles: read.hiddenTiles,
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
          'yearEarlierPeriodStart',
          'yearEarlierValue',
          'changeOnYearPct',
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
            yearEarlierPeriodStart: t.yearEarlier?.periodStart,
            yearEarlierValue: t.yearEarlier?.value,
            changeOnYearPct: t.changeOnYearPct,
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
  },
};
