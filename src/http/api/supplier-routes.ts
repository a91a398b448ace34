/**
 * GET /api/v1/suppliers (issue 14 item 4, docs/adr/0030): headline rates by GP system supplier for one area's
 * practices and grain over a range of periods, as JSON or CSV. Read by the suppliers page too
 * (src/http/pages/partners/route.ts). A supplier group can be a single practice, so its figures count as
 * practice-level figures for the open-data rule (src/http/api/area-range.ts).
 */
import type { FastifyRequest } from 'fastify';
import { ENGLAND_CODE } from '../../domain/areas.ts';
import { roundCount, roundCoverage, roundFigure } from '../../domain/rounding.ts';
import type { RouteContext } from '../route-context.ts';
import { answer, type ApiRoute } from './common.ts';
import { AREA_RANGE_PROPERTIES, AREA_SCHEMA, areaRangeAndStatus, type AreaRangeQuery } from './area-range.ts';
import { bool, GRAIN_SCHEMA, int, numOrNull, object, query, str } from './schemas.ts';

export const SUPPLIERS_QUERY = query(AREA_RANGE_PROPERTIES);

export async function suppliersForRequest(request: FastifyRequest, ctx: RouteContext, q: AreaRangeQuery) {
  // A supplier group can be one practice: the reader treats its figures as practice-level figures.
  const { range, status } = await areaRangeAndStatus(ctx, q);
  const { level, code } = range.area;
  const b = await request.figures.supplierBreakdown(status, { ...range, level, code });
  return {
    range,
    periods: b.periods,
    suppliers: b.groups.map((g) => ({
      supplier: g.supplier,
      practices: g.practices,
      openPractices: g.openPractices,
      figures: g.figures.map((f) => ({
        metric: f.metric.id,
        unit: f.metric.unit,
        countMetric: f.numerator.id,
        points: f.points.map((p) => ({
          periodStart: p.periodStart,
          count: roundCount(p.count),
          value: roundFigure(p.rate, f.metric.unit),
          numerator: roundCount(p.numerator),
          denominator: roundCount(p.denominator),
          coverage: roundCoverage(p.coverage),
        })),
      })),
    })),
  };
}

const SUPPLIER_POINT_SCHEMA = object({
  periodStart: str,
  count: { ...numOrNull, description: 'the count summed over the group’s practices (every practice)' },
  value: { ...numOrNull, description: 'the rate over practices with a 13+ list size; null: no list size' },
  numerator: numOrNull,
  denominator: { ...numOrNull, description: 'patients aged 13+ of the practices with a list size' },
  coverage: numOrNull,
});
export const SUPPLIERS_RESPONSE = object({
  area: AREA_SCHEMA,
  grain: GRAIN_SCHEMA,
  periods: { type: 'array', items: object({ periodStart: str, complete: bool }) },
  suppliers: {
    type: 'array',
    items: object({
      supplier: str,
      practices: int,
      openPractices: int,
      figures: {
        type: 'array',
        items: object({
          metric: str,
          unit: str,
          countMetric: str,
          points: { type: 'array', items: SUPPLIER_POINT_SCHEMA },
        }),
      },
    }),
  },
});

export const SUPPLIERS_CSV_COLUMNS = [
  'areaLevel',
  'areaCode',
  'supplier',
  'practices',
  'metric',
  'periodStart',
  'value',
  'count',
  'numerator',
  'denominator',
  'coverage',
] as const;

export function suppliersCsvRows(s: Awaited<ReturnType<typeof suppliersForRequest>>) {
  return s.suppliers.flatMap((g) =>
    g.figures.flatMap((f) =>
      f.points.map((p) => ({
        areaLevel: s.range.area.level,
        areaCode: s.range.area.code,
        supplier: g.supplier,
        practices: g.practices,
        metric: f.metric,
        ...p,
      })),
    ),
  );
}

export const suppliersRoute: ApiRoute = {
  url: '/api/v1/suppliers',
  operationId: 'getSupplierBreakdown',
  summary: 'Headline figures by GP system supplier, for one area’s practices',
  description:
    'The area’s practices (today’s structure) grouped by their GP system supplier in the practice map ' +
    '(SUPPLIER_NAME; blank is Unknown): per week or month, users logging in and logins per 1,000 patients aged ' +
    '13+ and the % of patients aged 13+ registered, with the counts (summed over the group’s practices) and ' +
    'the rates’ parts. Rates count only practices with a 13+ list size, as every rate does. A group can be a ' +
    'single practice, so these are practice-level figures: sign-in needed (401). 400 names a bad parameter.',
  tag: 'Figures',
  access: 'signed-in',
  figureLoad: true,
  csv: true,
  cache: true,
  querystring: SUPPLIERS_QUERY,
  response: SUPPLIERS_RESPONSE,
  example: {
    area: { level: 'england', code: ENGLAND_CODE, name: 'England', isCurrent: true },
    grain: 'month',
    periods: [{ periodStart: '2026-10-01', complete: true }],
    suppliers: [
      {
        supplier: 'EMIS',
        practices: 3700,
        openPractices: 3650,
        figures: [
          {
            metric: 'unique_logins_per_1000',
            unit: 'per_1000',
            countMetric: 'unique_logins',
            points: [
              {
                periodStart: '2026-10-01',
                count: 9120000,
                value: 312.4,
                numerator: 9110000,
                denominator: 29160000,
                coverage: 0.9989,
              },
            ],
          },
        ],
      },
    ],
  },
  handler: (ctx) => async (request, reply) => {
    const s = await suppliersForRequest(request, ctx, request.query as AreaRangeQuery);
    return answer(request, reply, {
      open: false,
      json: { area: s.range.area, grain: s.range.grain, periods: s.periods, suppliers: s.suppliers },
      csv: {
        columns: SUPPLIERS_CSV_COLUMNS,
        rows: suppliersCsvRows(s),
        filename: [
          'suppliers',
          s.range.area.level === 'england' ? 'england' : s.range.area.code,
          s.range.grain,
        ],
      },
    });
  },
};
