/**
 * What every API route shares: its definition (one object that both registers the route and describes it
 * in the OpenAPI document), errors in the API's JSON shape, and answering in JSON or CSV.
 */
import type { FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import { AREA_LEVELS, ENGLAND_CODE, type AreaLevel } from '../../domain/areas.ts';
import type { MetricDefinition } from '../../domain/metric-definition.ts';
import { isIsoDate } from '../../domain/periods.ts';
import type { Warehouse } from '../../warehouse/db.ts';
import { reasonPhrase } from '../errors.ts';
import type { RouteContext } from '../route-context.ts';
import { Readable } from 'node:stream';
import { csvFilename, toCsv, toWideCsv } from '../../domain/csv.ts';
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

/** An error answer the routes give themselves (the error handler gives the others, in the same shape). */
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

/** Sends an ApiError as `{error, message}`; anything else is rethrown for the app's error handler. */
export function sendApiError(reply: FastifyReply, err: unknown) {
  if (!(err instanceof ApiError)) throw err;
  return reply
    .code(err.statusCode)
    .header('Cache-Control', 'no-store')
    .type('application/json; charset=utf-8')
    .send({ error: reasonPhrase(err.statusCode), message: err.message });
}

/** Wraps a handler so that ApiErrors become their answers. */
export function handle(
  fn: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>,
): RouteHandlerMethod {
  return async function (request, reply) {
    try {
      return await fn(request, reply);
    } catch (err) {
      return sendApiError(reply, err);
    }
  };
}

export const OPEN_CACHE = 'public, max-age=300';
export const PRIVATE_CACHE = 'private, no-cache';

export interface Answer {
  json: unknown;
  csv?: {
    columns: readonly string[];
    rows: readonly object[];
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
      wide ? toWideCsv(wide.keyColumns, wide.periods, wide.rows) : toCsv(a.csv.columns, a.csv.rows),
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
