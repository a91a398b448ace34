/**
 * GET /api/v1/partners, /api/v1/organ-donation and /api/v1/suppliers (issue 14 item 4, docs/adr/0030): for one
 * area and grain over a range of periods, jump-offs to integrated partner services by provider and service
 * (from events and from the WeeklyIntegratedPartners feed), the four organ donation actions, and the headline
 * rates by GP system supplier. JSON or CSV. The pages (src/http/partner-pages.ts) read through the same
 * functions, so both apply the same access and disclosure rules:
 *
 * - no figure these routes serve is open data today (the metrics are outside the MI publication, and a supplier
 *   group can be a single practice, so the supplier breakdown counts as practice-level figures), so the routes
 *   are declared 'signed-in'; the handlers still check every figure with the open-data rule
 *   (src/domain/access.ts), so opening a metric later is a change of the declared access, not of the checks;
 * - under disclosure control (src/http/api/disclosure.ts) counts served to visitors are disclosed and shares
 *   withheld (they would give the exact counts back).
 */
import type { FastifyRequest } from 'fastify';
import { ANONYMOUS_VIEWER, canViewFigure } from '../../domain/access.ts';
import { ENGLAND_CODE, type AreaLevel } from '../../domain/areas.ts';
import type { Grain, MetricDefinition } from '../../domain/metric-definition.ts';
import { roundCount, roundCoverage, roundFigure } from '../../domain/rounding.ts';
import { getAreaChain } from '../../query/area-page.ts';
import type { JumpOffSource } from '../../query/jump-offs.ts';
import {
  getOrganDonation,
  getPartnerJumpOffs,
  getSupplierBreakdown,
  organDonationMetrics,
  supplierRateMetrics,
  type PartnerJumpOffs,
  type PartnerLine,
} from '../../query/partners.ts';
import { getDataStatus } from '../../query/status.ts';
import { assertCanViewFigure } from '../access.ts';
import type { RouteContext } from '../route-context.ts';
import {
  answer,
  badRequest,
  dateParam,
  handle,
  notFound,
  partialParam,
  resolvedAreaParam,
  structureName,
  structureParam,
  type ApiRoute,
} from './common.ts';
import { disclosureActive, disclosureFor } from './disclosure.ts';
import {
  AREA_PROPERTIES,
  FORMAT_SCHEMA,
  GRAIN_SCHEMA,
  LEVEL_SCHEMA,
  PARTIAL_SCHEMA,
  PERIOD_RANGE_PROPERTIES,
  STRUCTURE_SCHEMA,
  type JsonSchema,
} from './schemas.ts';

export const JUMP_OFF_SOURCES: readonly JumpOffSource[] = ['events', 'feed'];

const AREA_RANGE_PROPERTIES: Record<string, JsonSchema> = {
  ...AREA_PROPERTIES,
  grain: GRAIN_SCHEMA,
  ...PERIOD_RANGE_PROPERTIES,
  partial: PARTIAL_SCHEMA,
  format: FORMAT_SCHEMA,
};

const AREA_STRUCTURE_SCHEMA = {
  ...STRUCTURE_SCHEMA,
  description:
    "areas on today's structure (the default for open areas) or as recorded at the time (the default for closed ones)",
};

function query(properties: Record<string, JsonSchema>): JsonSchema {
  return { type: 'object', additionalProperties: false, properties };
}

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
export const ORGAN_DONATION_QUERY = query({ ...AREA_RANGE_PROPERTIES, structure: AREA_STRUCTURE_SCHEMA });
export const SUPPLIERS_QUERY = query(AREA_RANGE_PROPERTIES);

export interface AreaRangeQuery {
  level?: AreaLevel;
  code?: string;
  grain?: Grain;
  from?: string;
  to?: string;
  partial?: string;
  structure?: 'current' | 'as-recorded';
  source?: JumpOffSource;
  format?: 'json' | 'csv';
}

export interface AreaRange {
  area: { level: AreaLevel; code: string; name: string; isCurrent: boolean };
  grain: Grain;
  from?: string;
  to?: string;
  includePartial: boolean;
  structure: 'current' | 'as_recorded';
}

/** The area and range asked for: 400 naming a bad parameter, 404 for an unknown area. */
export async function areaRangeParams(ctx: RouteContext, q: AreaRangeQuery): Promise<AreaRange> {
  const { level, code } = await resolvedAreaParam(ctx.deps.db, q);
  const from = dateParam(q.from, 'from');
  const to = dateParam(q.to, 'to');
  if (from && to && from > to) throw badRequest('querystring/from must not be after querystring/to');
  const chain = await getAreaChain(ctx.deps.db, level, code);
  if (!chain) throw notFound(`querystring/code: there is no ${level} with the code ${code}`);
  const a = chain.area;
  return {
    area: {
      level: a.level,
      code: a.code,
      name: level === 'england' ? 'England' : a.name,
      isCurrent: a.isCurrent,
    },
    grain: q.grain ?? 'month',
    from,
    to,
    includePartial: partialParam(q.partial),
    // A closed area has figures only as recorded (as on its area page); today's structure has none for it.
    structure:
      q.structure !== undefined
        ? structureParam(q.structure)
        : a.isCurrent || level === 'practice'
          ? 'current'
          : 'as_recorded',
  };
}

function metricById(ctx: RouteContext, id: string): MetricDefinition {
  const m = ctx.catalogue.find((c) => c.id === id);
  if (!m) throw new Error(`the catalogue has no metric ${id}`);
  return m;
}

/** Whether the answer is the same for everyone (a shared cache may keep it). */
function openAnswer(ctx: RouteContext, metrics: MetricDefinition[], level: AreaLevel, grain: Grain) {
  return metrics.every(
    (metric) =>
      canViewFigure(ANONYMOUS_VIEWER, { metric, level, grain, catalogue: ctx.catalogue }) &&
      !disclosureActive(ctx, metric.unit, level),
  );
}

// ---------------------------------------------------------------- partners

export type Disclose = ((value: number | null) => number | null) | null;

/** Jump-offs as the API and pages send them: counts rounded (and disclosed), shares to 4 places or withheld. */
export function jumpOffsJson(j: PartnerJumpOffs, disclose: Disclose) {
  const count = (v: number | null) => (disclose ? disclose(roundCount(v)) : roundCount(v));
  const line = (l: PartnerLine) => ({
    provider: l.provider,
    ...(l.service === null ? {} : { service: l.service }),
    total: count(l.total),
    share: disclose ? null : roundCoverage(l.share),
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

/** Checks access and reads the jump-offs of the sources asked for (API and page). */
export async function partnersForRequest(request: FastifyRequest, ctx: RouteContext, q: AreaRangeQuery) {
  const range = await areaRangeParams(ctx, q);
  const sources = q.source ? [q.source] : JUMP_OFF_SOURCES;
  const { level, code } = range.area;
  const metrics = sources.map((s) =>
    metricById(ctx, s === 'events' ? 'jump_off_clicks' : 'partner_jump_off_clicks'),
  );
  for (const metric of metrics)
    assertCanViewFigure(request, { metric, level, grain: range.grain, catalogue: ctx.catalogue });
  const status = await getDataStatus(ctx.deps.db);
  const results = await Promise.all(
    sources.map((source) =>
      getPartnerJumpOffs(ctx.deps.db, status, ctx.catalogue, { ...range, level, code, source }),
    ),
  );
  const disclose = disclosureFor(request, ctx, 'events', level);
  return {
    range,
    sources: results.map((r) => jumpOffsJson(r, disclose)),
    open: openAnswer(ctx, metrics, level, range.grain),
  };
}

const numOrNull = { type: ['number', 'null'] } as const;
const intOrNull = { type: ['integer', 'null'] } as const;
const str = { type: 'string' } as const;
function object(properties: Record<string, JsonSchema>, optional: string[] = []): JsonSchema {
  return {
    type: 'object',
    additionalProperties: false,
    required: Object.keys(properties).filter((k) => !optional.includes(k)),
    properties,
  };
}
const AREA_SCHEMA = object({ level: LEVEL_SCHEMA, code: str, name: str, isCurrent: { type: 'boolean' } });
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
  hasFigures: { type: 'boolean' },
  total: intOrNull,
  feedDays: { oneOf: [{ type: 'null' }, object({ first: str, last: str })] },
  periods: {
    type: 'array',
    items: object({ periodStart: str, complete: { type: 'boolean' }, total: intOrNull }),
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
  handler: (ctx) =>
    handle(async (request, reply) => {
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
    }),
};

// ---------------------------------------------------------------- organ donation

export async function organDonationForRequest(request: FastifyRequest, ctx: RouteContext, q: AreaRangeQuery) {
  const range = await areaRangeParams(ctx, q);
  const { level, code } = range.area;
  const metrics = organDonationMetrics(ctx.catalogue);
  for (const metric of metrics)
    assertCanViewFigure(request, { metric, level, grain: range.grain, catalogue: ctx.catalogue });
  const status = await getDataStatus(ctx.deps.db);
  const od = await getOrganDonation(ctx.deps.db, status, [...ctx.catalogue], { ...range, level, code });
  const disclose = disclosureFor(request, ctx, 'events', level);
  const count = (v: number | null) => (disclose ? disclose(roundCount(v)) : roundCount(v));
  return {
    range,
    open: openAnswer(ctx, metrics, level, range.grain),
    periods: od.periods,
    metrics: od.metrics.map((m) => ({
      metric: m.metric.id,
      name: m.metric.short_name,
      total: count(m.total),
      values: od.periods.map((p) => {
        const s = m.series.find((x) => x.periodStart === p.periodStart);
        return s ? count(s.value) : null;
      }),
    })),
  };
}

export const ORGAN_DONATION_RESPONSE = object({
  area: AREA_SCHEMA,
  grain: GRAIN_SCHEMA,
  structure: STRUCTURE_SCHEMA,
  periods: { type: 'array', items: object({ periodStart: str, complete: { type: 'boolean' } }) },
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
  handler: (ctx) =>
    handle(async (request, reply) => {
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
    }),
};

// ---------------------------------------------------------------- GP system suppliers

export async function suppliersForRequest(request: FastifyRequest, ctx: RouteContext, q: AreaRangeQuery) {
  const range = await areaRangeParams(ctx, q);
  const { level, code } = range.area;
  const metrics = supplierRateMetrics(ctx.catalogue);
  // A supplier group can be one practice: its figures are practice-level figures for the access rule.
  for (const metric of metrics)
    assertCanViewFigure(request, { metric, level: 'practice', grain: range.grain, catalogue: ctx.catalogue });
  const status = await getDataStatus(ctx.deps.db);
  const b = await getSupplierBreakdown(ctx.deps.db, status, [...ctx.catalogue], { ...range, level, code });
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
  periods: { type: 'array', items: object({ periodStart: str, complete: { type: 'boolean' } }) },
  suppliers: {
    type: 'array',
    items: object({
      supplier: str,
      practices: { type: 'integer' },
      openPractices: { type: 'integer' },
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
  handler: (ctx) =>
    handle(async (request, reply) => {
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
    }),
};
