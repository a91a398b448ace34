/**
 * What every API route shares: its definition (one object that both registers the route and describes it
 * in the OpenAPI document), the errors it raises (answered by the app's error handler, src/http/errors.ts,
 * in the API's one JSON shape), the parameters several routes read alike, and answering in JSON or CSV.
 */
import type { FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import { AREA_LEVELS, ENGLAND_CODE, type AreaLevel } from '../../domain/areas.ts';
import type { Grain, MetricDefinition } from '../../domain/metric-definition.ts';
import { isIsoDate } from '../../domain/periods.ts';
import { areaRefOf, getAreaChain } from '../../query/area-chain.ts';
import type { AreaRef } from '../../query/types.ts';
import type { Warehouse } from '../../warehouse/db.ts';
import type { RouteContext } from '../route-context.ts';
import { Readable } from 'node:stream';
import { areaCsvFields, csvFilename, toCsv, toWideCsv } from '../../domain/csv.ts';
import type { JsonSchema } from './schemas.ts';
import * as querySql from '../../warehouse/sql/query.ts';

export interface ApiRoute {
  /** Fastify path, e.g. /api/v1/areas/:level/:code. */
  url: string;
  operationId: string;
  summary: string;
  description: string;
  tag: 'Reference' | 'Figures' | 'About';
  /** public; figures (open, each figure checked); signed-in (staff only, e.g. booking MI). */
  access: 'public' | 'figures' | 'signed-in';
  /** Answers CSV with format=csv. */
  csv: boolean;
  /** Its CSV rows start with the area columns (src/domain/csv.ts AREA_CSV_COLUMNS, ADR 0032). */
  csvAreaColumns?: boolean;
  params?: JsonSchema;
  querystring: JsonSchema;
  /** Schema of the 200 JSON response. */
  response: JsonSchema;
  /** A 200 response as documented in the OpenAPI document (checked against `response` in the tests). */
  example: unknown;
  /** Cached by src/http/cache.ts (data version, URL and viewer). */
  cache: boolean;
  /** A signed-in route that computes figures: under the figure routes' load control (src/http/load-control.ts). */
  figureLoad?: boolean;
  handler: (ctx: RouteContext) => RouteHandlerMethod;
}

/**
 * A 400 or 404 a route raises with a message naming the parameter at fault; the app's error handler
 * (src/http/errors.ts) answers it, as it answers every other error, `{error, message}` on API paths.
 */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function badRequest(message: string): ApiError {
  return new ApiError(400, message);
}

export function notFound(message: string): ApiError {
  return new ApiError(404, message);
}

export const OPEN_CACHE = 'public, max-age=300';
export const PRIVATE_CACHE = 'private, no-cache';

export interface Answer {
  json: unknown;
  csv?: {
    columns: readonly string[];
    /** The rows, or a function giving them: built only when CSV was asked for (a JSON answer never needs them). */
    rows: readonly object[] | (() => readonly object[]);
    filename: (string | null | undefined)[];
    /** The same figures with layout=wide (ADR 0032): key columns, then a column per period. */
    wide?: {
      keyColumns: readonly string[];
      periods: readonly string[];
      rows: readonly { keys: readonly unknown[]; values: ReadonlyMap<string, unknown> }[];
    };
  };
  /** Whether anyone may see this answer (open data or reference data): a shared cache may keep it. */
  open: boolean;
}

/** The layout asked for: wide only with format=csv (the routes that take it list it in their schema). */
export function layoutParam(q: { format?: string; layout?: string }): 'long' | 'wide' {
  if (q.layout === 'wide' && q.format !== 'csv')
    throw badRequest('querystring/layout applies to CSV only: add format=csv');
  return q.layout === 'wide' ? 'wide' : 'long';
}

/** Sends a CSV download: a whole body, or lines streamed as they are written (app.ts gzips either). */
export function sendCsv(
  reply: FastifyReply,
  filename: (string | null | undefined)[],
  body: string | AsyncIterable<string>,
) {
  return reply
    .type('text/csv; charset=utf-8')
    .header('Content-Disposition', `attachment; filename="${csvFilename(filename)}"`)
    .send(typeof body === 'string' ? body : Readable.from(body));
}

/** Answers JSON, or CSV when the query asked for format=csv (wide with layout=wide where offered). */
export function answer(request: FastifyRequest, reply: FastifyReply, a: Answer) {
  reply.header('Cache-Control', a.open ? OPEN_CACHE : PRIVATE_CACHE);
  const q = request.query as { format?: string; layout?: string };
  if (q.format === 'csv' && a.csv) {
    const wide = layoutParam(q) === 'wide' ? a.csv.wide : undefined;
    return sendCsv(
      reply,
      wide ? [...a.csv.filename, 'wide'] : a.csv.filename,
      wide
        ? toWideCsv(wide.keyColumns, wide.periods, wide.rows)
        : toCsv(a.csv.columns, typeof a.csv.rows === 'function' ? a.csv.rows() : a.csv.rows),
    );
  }
  return reply.type('application/json; charset=utf-8').send(a.json);
}

/** The metric with this id, or a 404 naming the parameter. */
export function findMetric(
  catalogue: readonly MetricDefinition[],
  id: string,
  param = 'metric',
): MetricDefinition {
  const metric = catalogue.find((m) => m.id === id);
  if (!metric)
    throw notFound(`querystring/${param}: there is no metric with the id ${id} (see /api/v1/metrics)`);
  return metric;
}

/** The area asked for: level (default England) and code (upper-cased; England's by default). */
export function areaParam(q: { level?: AreaLevel; code?: string }): { level: AreaLevel; code: string } {
  const level = q.level ?? 'england';
  const code = q.code?.toUpperCase();
  if (level === 'england') {
    if (code !== undefined && code !== ENGLAND_CODE)
      throw notFound(`querystring/code: England's code is ${ENGLAND_CODE}`);
    return { level, code: ENGLAND_CODE };
  }
  if (code === undefined) throw badRequest('querystring/code is required below England');
  return { level, code };
}

const ONS_CODE = /^[EWSN]\d{8}$/;

/**
 * The ODS code an area code stands for: an ONS code (E54000050 for an ICB, E40000003 for a region) is resolved to
 * the ODS code of the area of that level with it; any other code, or an ONS code no area has, is returned as it is.
 */
export async function odsCodeOf(db: Warehouse, level: AreaLevel, code: string): Promise<string> {
  if (level === 'england' || !ONS_CODE.test(code)) return code;
  return (await db.scalar<string>(querySql.areaCodeByOns, [level, code])) ?? code;
}

/** areaParam, with an ONS code resolved to its area's ODS code. */
export async function resolvedAreaParam(
  db: Warehouse,
  q: { level?: AreaLevel; code?: string },
): Promise<{ level: AreaLevel; code: string }> {
  const { level, code } = areaParam(q);
  return { level, code: await odsCodeOf(db, level, code) };
}

/** The query of the figure routes (each declares in its schema which of these it takes). */
export interface FigureQuery {
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

export const ENGLAND_REF = {
  level: 'england',
  code: ENGLAND_CODE,
  name: 'England',
  isCurrent: true,
} as const;

/** The area of the OpenAPI document's examples below England. */
export const EXAMPLE_ICB = {
  level: 'icb',
  code: 'QMJ',
  name: 'NHS North Central London Integrated Care Board',
  isCurrent: true,
} as const;

/** The 404 of an area code that names no area of its level. */
export function areaNotFound(level: AreaLevel, code: string, param = 'code'): ApiError {
  return notFound(`querystring/${param}: there is no ${level} with the code ${code}`);
}

/** The area with this level and ODS code, or a 404 naming the parameter. */
export async function findArea(
  db: Warehouse,
  level: AreaLevel,
  code: string,
  param = 'code',
): Promise<{ area: AreaRef; onsCode: string | null }> {
  const chain = await getAreaChain(db, level, code);
  if (!chain) throw areaNotFound(level, code, param);
  const { area } = chain;
  return { area: areaRefOf(area), onsCode: area.onsCode };
}

/** An area's CSV cells (ADR 0032) from its reference and ONS code. */
export function areaFields(area: AreaRef, onsCode: string | null) {
  return areaCsvFields({
    code: area.code,
    name: area.name,
    placeName: area.placeName ?? null,
    level: area.level,
    onsCode,
  });
}

/** The metric, the area (an ONS code resolved) and the grain a figure route is asked for. */
export async function metricAreaParams(ctx: RouteContext, q: FigureQuery) {
  const metric = findMetric(ctx.catalogue, q.metric);
  const { level, code } = await resolvedAreaParam(ctx.deps.db, q);
  const grain = grainParam(metric, q.grain);
  return { metric, level, code, grain };
}

/** `from` and `to`: real dates, the first not after the last. */
export function dateRangeParam(q: { from?: string; to?: string }): {
  from: string | undefined;
  to: string | undefined;
} {
  const from = dateParam(q.from, 'from');
  const to = dateParam(q.to, 'to');
  if (from && to && from > to) throw badRequest('querystring/from must not be after querystring/to');
  return { from, to };
}

/** The grain asked for (default month), which the metric must have. */
export function grainParam(metric: MetricDefinition, grain: 'week' | 'month' | undefined) {
  const g = grain ?? 'month';
  if (!metric.grains.includes(g))
    throw badRequest(
      `querystring/grain must be one of: ${metric.grains.join(', ')} for the metric ${metric.id}`,
    );
  return g;
}

/** Whether a metric has figures at this level (its lowest geography is at or below it). */
export function availableAt(metric: MetricDefinition, level: AreaLevel): boolean {
  return AREA_LEVELS.indexOf(metric.lowest_geography) >= AREA_LEVELS.indexOf(level);
}

export function levelParam(metric: MetricDefinition, level: AreaLevel, param = 'level') {
  if (!availableAt(metric, level)) {
    const levels = AREA_LEVELS.slice(0, AREA_LEVELS.indexOf(metric.lowest_geography) + 1);
    throw badRequest(`querystring/${param} must be one of: ${levels.join(', ')} for the metric ${metric.id}`);
  }
}

/** A date parameter that passed the pattern: it must also be a real date. */
export function dateParam(value: string | undefined, name: string): string | undefined {
  if (value !== undefined && !isIsoDate(value))
    throw badRequest(`querystring/${name} must be a real date like 2026-04-01`);
  return value;
}

export function partialParam(value: string | undefined): boolean {
  return value === '1' || value === 'true';
}

export function structureParam(value: string | undefined): 'current' | 'as_recorded' {
  return value === 'as-recorded' ? 'as_recorded' : 'current';
}

export function structureName(value: 'current' | 'as_recorded'): 'current' | 'as-recorded' {
  return value === 'as_recorded' ? 'as-recorded' : 'current';
}
