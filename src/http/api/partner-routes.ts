/**
 * GET /api/v1/partners (issue 14 item 4, docs/adr/0030): for one area and grain over a range of periods,
 * jump-offs to integrated partner services by provider and service, from events and from the
 * WeeklyIntegratedPartners feed, as JSON or CSV. Read by the partners page too (src/http/pages/partners/route.ts);
 * access and disclosure as for every area-range resource (src/http/api/area-range.ts).
 */
import type { FastifyRequest } from 'fastify';
import { roundCount, roundCoverage } from '../../domain/rounding.ts';
import type { JumpOffSource } from '../../query/jump-offs.ts';
import { type PartnerJumpOffs, type PartnerLine } from '../../query/partners.ts';
import type { RouteContext } from '../route-context.ts';
import { answer, structureName, type ApiRoute } from './common.ts';
import {
  AREA_RANGE_PROPERTIES,
  AREA_SCHEMA,
  AREA_STRUCTURE_SCHEMA,
  areaRangeAndStatus,
  type AreaRange,
  type AreaRangeQuery,
} from './area-range.ts';
import { bool, GRAIN_SCHEMA, intOrNull, numOrNull, object, query, str, STRUCTURE_SCHEMA } from './schemas.ts';

export const JUMP_OFF_SOURCES: readonly JumpOffSource[] = ['events', 'feed'];

export const PARTNERS_QUERY = query({
  ...AREA_RANGE_PROPERTIES,
  source: {
    type: 'string',
    enum: JUMP_OFF_SOURCES,
    description:
      'events (counted from activity events) or feed (the NHS WeeklyIntegratedPartners feed); default both',
  },
  structure: AREA_STRUCTURE_SCHEMA,
});

/** Jump-offs as the API and pages send them (as the figure reader gave them): counts rounded, shares to 4 places. */
export function jumpOffsJson(j: PartnerJumpOffs) {
  const count = (v: number | null) => roundCount(v);
  const line = (l: PartnerLine) => ({
    provider: l.provider,
    ...(l.service === null ? {} : { service: l.service }),
    total: count(l.total),
    share: roundCoverage(l.share),
    values: l.values.map(count),
  });
  return {
    source: j.source,
    metric: j.metric.id,
    hasFigures: j.total !== null,
    total: count(j.total),
    feedDays: j.feedDays,
    periods: j.periods.map((p) => ({
      periodStart: p.periodStart,
      complete: p.complete,
      total: count(p.total),
    })),
    providers: j.providers.map(line),
    services: j.services.map(line),
  };
}

/** Reads the jump-offs of the sources asked for through the request's figure reader (API and page). */
export async function partnersForRequest(request: FastifyRequest, ctx: RouteContext, q: AreaRangeQuery) {
  const sources = q.source ? [q.source] : JUMP_OFF_SOURCES;
  const { range, status } = await areaRangeAndStatus(ctx, q);
  const { level, code } = range.area;
  const results = await Promise.all(
    sources.map((source) => request.figures.partnerJumpOffs(status, { ...range, level, code, source })),
  );
  return {
    range,
    sources: results.map((r) => jumpOffsJson(r.jumpOffs)),
    open: results.every((r) => r.shared),
  };
}

const LINE_SCHEMA = object(
  {
    provider: str,
    service: str,
    total: { ...intOrNull, description: 'clicks over the periods with a figure; null: no data' },
    share: { ...numOrNull, description: 'share (0 to 1) of the area’s clicks over the range' },
    values: { type: 'array', items: intOrNull, description: 'clicks per period (null: no data)' },
  },
  ['service'],
);
const SOURCE_SCHEMA = object({
  source: { type: 'string', enum: JUMP_OFF_SOURCES },
  metric: str,
  hasFigures: bool,
  total: intOrNull,
  feedDays: { oneOf: [{ type: 'null' }, object({ first: str, last: str })] },
  periods: {
    type: 'array',
    items: object({ periodStart: str, complete: bool, total: intOrNull }),
  },
  providers: { type: 'array', items: LINE_SCHEMA },
  services: { type: 'array', items: LINE_SCHEMA },
});
export const PARTNERS_RESPONSE = object({
  area: AREA_SCHEMA,
  grain: GRAIN_SCHEMA,
  structure: STRUCTURE_SCHEMA,
  sources: { type: 'array', items: SOURCE_SCHEMA },
});

export const PARTNERS_CSV_COLUMNS = [
  'source',
  'areaLevel',
  'areaCode',
  'periodStart',
  'complete',
  'provider',
  'service',
  'clicks',
  'shareOfPeriod',
] as const;

/** One CSV row per source, period and service with clicks, and per period with no data (blank clicks). */
export function partnersCsvRows(range: AreaRange, sources: ReturnType<typeof jumpOffsJson>[]) {
  const rows: Record<string, unknown>[] = [];
  for (const s of sources)
    s.periods.forEach((p, i) => {
      const base = {
        source: s.source,
        areaLevel: range.area.level,
        areaCode: range.area.code,
        periodStart: p.periodStart,
        complete: p.complete,
      };
      if (p.total === null) {
        rows.push({ ...base, provider: '', service: '', clicks: null, shareOfPeriod: null });
        return;
      }
      for (const l of s.services) {
        const v = l.values[i] ?? null;
        if (!v) continue;
        const share = l.share !== null && p.total ? roundCoverage(v / p.total) : null;
        rows.push({ ...base, provider: l.provider, service: l.service, clicks: v, shareOfPeriod: share });
      }
    });
  return rows;
}

export const partnersRoute: ApiRoute = {
  url: '/api/v1/partners',
  operationId: 'getPartnerJumpOffs',
  summary: 'Jump-offs to integrated partner services by provider and service, for one area',
  description:
    'Clicks from the NHS App into services of integrated partners (Patients Know Best, Substrakt, Engage, ' +
    'Accurx, eConsult…) per week or month over the loaded range (or from/to), by provider and by provider and ' +
    'service, with each one’s share of the area’s clicks, from two sources kept apart: `events` (counted from ' +
    'activity events; no clicks is 0) and `feed` (the NHS WeeklyIntegratedPartners feed; a period it does not ' +
    'cover is null, no data). CSV: one row per source, period and service with clicks. Weekly figures, levels ' +
    'below ICB and these metrics (outside the MI publication) need sign-in (401). 400 names a bad parameter.',
  tag: 'Figures',
  access: 'signed-in',
  figureLoad: true,
  csv: true,
  cache: true,
  querystring: PARTNERS_QUERY,
  response: PARTNERS_RESPONSE,
  example: {
    area: { level: 'icb', code: 'QWO', name: 'NHS West Yorkshire Integrated Care Board', isCurrent: true },
    grain: 'month',
    structure: 'current',
    sources: [
      {
        source: 'events',
        metric: 'jump_off_clicks',
        hasFigures: true,
        total: 1200,
        feedDays: null,
        periods: [{ periodStart: '2026-10-01', complete: true, total: 1200 }],
        providers: [{ provider: 'Patients Know Best', total: 900, share: 0.75, values: [900] }],
        services: [
          { provider: 'Patients Know Best', service: 'messages', total: 900, share: 0.75, values: [900] },
        ],
      },
    ],
  },
  handler: (ctx) => async (request, reply) => {
    const q = request.query as AreaRangeQuery;
    const { range, sources, open } = await partnersForRequest(request, ctx, q);
    return answer(request, reply, {
      open,
      json: { area: range.area, grain: range.grain, structure: structureName(range.structure), sources },
      csv: {
        columns: PARTNERS_CSV_COLUMNS,
        rows: partnersCsvRows(range, sources),
        filename: [
          'partners',
          range.area.level === 'england' ? 'england' : range.area.code,
          range.grain,
          q.source,
        ],
      },
    });
  },
};
