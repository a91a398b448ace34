/**
 * The JSON and CSV API under /api/v1 (issue 4): the one table of its routes. Each resource has its module
 * (src/http/api/*-routes.ts) exporting its route definitions (src/http/api/common.ts ApiRoute: URL, access,
 * schemas, example, handler); this table registers them with their schemas and describes them in the
 * OpenAPI document served at /api/v1/openapi.json. See docs/adr/0010-api-and-caching.md and 0038.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { REPO_ROOT } from '../../config.ts';
import { ADMIN_REFRESH_API, ADMIN_REFRESH_OPENAPI } from '../refresh-routes.ts';
import type { RouteContext } from '../route-context.ts';
import type { ApiRoute } from './common.ts';
import { ERROR_SCHEMA, query } from './schemas.ts';
import { beforeAfterRoute } from './before-after-routes.ts';
import { bookingRoute } from './booking-routes.ts';
import { breakdownRoute } from './breakdown-routes.ts';
import { buildOpenApi } from './openapi.ts';
import {
  officialDemographicsRoute,
  officialEditionsRoute,
  officialReconciliationRoute,
  officialRoute,
} from './official-routes.ts';
import { organDonationRoute } from './organ-donation-routes.ts';
import { partnersRoute } from './partner-routes.ts';
import { peersRoute } from './peer-routes.ts';
import { rankingRoute } from './ranking-routes.ts';
import { areaRoute, areasRoute, metricRoute, metricsRoute } from './reference-routes.ts';
import { seriesAreasRoute, seriesRoute } from './series-routes.ts';
import { summaryRoute } from './summary-routes.ts';
import { suppliersRoute } from './supplier-routes.ts';

export const OPENAPI_URL = '/api/v1/openapi.json';

const OPENAPI_QUERY = query({});
const OPENAPI_RESPONSE = { type: 'object', additionalProperties: true } as const;

/** Every data route of the API, in the order the OpenAPI document lists them. */
export const API_ROUTES: readonly ApiRoute[] = [
  metricsRoute,
  metricRoute,
  areasRoute,
  areaRoute,
  seriesRoute,
  seriesAreasRoute,
  breakdownRoute,
  summaryRoute,
  beforeAfterRoute,
  peersRoute,
  rankingRoute,
  partnersRoute,
  organDonationRoute,
  suppliersRoute,
  officialRoute,
  officialEditionsRoute,
  officialReconciliationRoute,
  officialDemographicsRoute,
  bookingRoute,
];

const openApiRoute: ApiRoute = {
  url: OPENAPI_URL,
  operationId: 'getOpenApi',
  summary: 'This description of the API (OpenAPI 3.1)',
  description: 'Generated from the schemas the routes validate their parameters and answers with.',
  tag: 'About',
  access: 'public',
  csv: false,
  cache: false,
  querystring: OPENAPI_QUERY,
  response: OPENAPI_RESPONSE,
  example: { openapi: '3.1.0' },
  handler: () => async () => undefined,
};

function packageVersion(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** The OpenAPI document of every /api/v1 route (the description route included). */
export function openApiDocument(): Record<string, unknown> {
  const doc = buildOpenApi([...API_ROUTES, openApiRoute], packageVersion());
  // "Refresh now" (src/http/refresh-routes.ts): the one state-changing API route.
  (doc.paths as Record<string, unknown>)[ADMIN_REFRESH_API] = ADMIN_REFRESH_OPENAPI;
  return doc;
}

export function registerApiRoutes(app: FastifyInstance, ctx: RouteContext): void {
  for (const r of API_ROUTES) {
    app.get(
      r.url,
      {
        config: { access: r.access, cache: r.cache, ...(r.figureLoad ? { figureLoad: true } : {}) },
        schema: {
          summary: r.summary,
          ...(r.params ? { params: r.params } : {}),
          querystring: r.querystring,
          response: { 200: r.response, '4xx': ERROR_SCHEMA },
        },
      },
      r.handler(ctx),
    );
  }

  const document = JSON.stringify(openApiDocument());
  app.get(
    OPENAPI_URL,
    { config: { access: 'public' }, schema: { summary: openApiRoute.summary, querystring: OPENAPI_QUERY } },
    async (_request, reply) =>
      reply
        .header('Cache-Control', 'public, max-age=3600')
        .type('application/json; charset=utf-8')
        .send(document),
  );
}
