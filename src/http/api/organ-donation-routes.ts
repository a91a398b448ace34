/**
 * GET /api/v1/organ-donation (issue 14 item 4, docs/adr/0030): the four organ donation actions users took in
 * the NHS App, for one area and grain over a range of periods, as JSON or CSV. Read by the organ donation page
 * too (src/http/pages/partners/route.ts); access and disclosure as for every area-range resource
 * (src/http/api/area-range.ts).
 */
import type { FastifyRequest } from 'fastify';
import { roundCount } from '../../domain/rounding.ts';
import type { RouteContext } from '../route-context.ts';
import { answer, structureName, type ApiRoute } from './common.ts';
import {
  AREA_RANGE_PROPERTIES,
  AREA_SCHEMA,
  AREA_STRUCTURE_SCHEMA,
  areaRangeAndStatus,
  type AreaRangeQuery,
} from './area-range.ts';
import { bool, GRAIN_SCHEMA, intOrNull, object, query, str, STRUCTURE_SCHEMA } from './schemas.ts';

export const ORGAN_DONATION_QUERY = query({ ...AREA_RANGE_PROPERTIES, structure: AREA_STRUCTURE_SCHEMA });

export async function organDonationForRequest(request: FastifyRequest, ctx: RouteContext, q: AreaRangeQuery) {
  const { range, status } = await areaRangeAndStatus(ctx, q);
  const { level, code } = range.area;
  const read = await request.figures.organDonation(status, { ...range, level, code });
  const od = read.organDonation;
  return {
    range,
    open: read.shared,
    periods: od.periods,
    metrics: od.metrics.map((m) => ({
      metric: m.metric.id,
      name: m.metric.short_name,
      total: roundCount(m.total),
      values: od.periods.map((p) => {
        const s = m.series.find((x) => x.periodStart === p.periodStart);
        return s ? roundCount(s.value) : null;
      }),
    })),
  };
}

export const ORGAN_DONATION_RESPONSE = object({
  area: AREA_SCHEMA,
  grain: GRAIN_SCHEMA,
  structure: STRUCTURE_SCHEMA,
  periods: { type: 'array', items: object({ periodStart: str, complete: bool }) },
  metrics: {
    type: 'array',
    items: object({
      metric: str,
      name: str,
      total: intOrNull,
      values: { type: 'array', items: intOrNull, description: 'one per period (null: no data)' },
    }),
  },
});

/** The CSV's columns: the period's, then one per organ donation action (shown_on organ_donation), in order. */
export function organDonationCsvColumns(od: Awaited<ReturnType<typeof organDonationForRequest>>): string[] {
  return ['areaLevel', 'areaCode', 'periodStart', 'complete', ...od.metrics.map((m) => m.metric)];
}

export function organDonationCsvRows(od: Awaited<ReturnType<typeof organDonationForRequest>>) {
  return od.periods.map((p, i) => ({
    areaLevel: od.range.area.level,
    areaCode: od.range.area.code,
    periodStart: p.periodStart,
    complete: p.complete,
    ...Object.fromEntries(od.metrics.map((m) => [m.metric, m.values[i]])),
  }));
}

export const organDonationRoute: ApiRoute = {
  url: '/api/v1/organ-donation',
  operationId: 'getOrganDonation',
  summary: 'Organ donation registrations, updates, withdrawals and look-ups in the NHS App, for one area',
  description:
    'The four organ donation actions users took in the NHS App per week or month over the loaded range (or ' +
    'from/to), counted from activity events, with their totals. Only actions in the App: not NHS Organ Donor ' +
    'Register totals. CSV: one row per period, one column per action. These metrics are outside the MI ' +
    'publication: sign-in needed (401). 400 names a bad parameter.',
  tag: 'Figures',
  access: 'signed-in',
  figureLoad: true,
  csv: true,
  cache: true,
  querystring: ORGAN_DONATION_QUERY,
  response: ORGAN_DONATION_RESPONSE,
  example: {
    area: { level: 'region', code: 'Y56', name: 'London', isCurrent: true },
    grain: 'month',
    structure: 'current',
    periods: [{ periodStart: '2026-10-01', complete: true }],
    metrics: [
      {
        metric: 'organ_donation_registrations',
        name: 'Organ donation registrations',
        total: 420,
        values: [420],
      },
    ],
  },
  handler: (ctx) => async (request, reply) => {
    const od = await organDonationForRequest(request, ctx, request.query as AreaRangeQuery);
    const { range } = od;
    return answer(request, reply, {
      open: od.open,
      json: {
        area: range.area,
        grain: range.grain,
        structure: structureName(range.structure),
        periods: od.periods,
        metrics: od.metrics,
      },
      csv: {
        columns: organDonationCsvColumns(od),
        rows: organDonationCsvRows(od),
        filename: [
          'organ-donation',
          range.area.level === 'england' ? 'england' : range.area.code,
          range.grain,
        ],
      },
    });
  },
};
