/**
 * The OpenAPI 3.1 document of /api/v1, generated from the route definitions themselves (their query and
 * path schemas, response schemas and examples), so it says exactly what the routes accept and answer.
 */
import { AREA_CSV_COLUMNS } from '../../domain/csv.ts';
import type { ApiRoute } from './common.ts';
import { ERROR_SCHEMA, type JsonSchema } from './schemas.ts';

const ERRORS: Record<string, string> = {
  '400': 'A parameter is not valid; the message names it',
  '401':
    'The figures asked for need sign-in (weekly figures, levels below ICB, metrics outside the MI publication)',
  '404': 'No such metric or area; the message names the parameter',
};

/** `/api/v1/areas/:level/:code` → `/api/v1/areas/{level}/{code}`. */
export function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

interface ObjectSchema {
  properties?: Record<string, JsonSchema>;
  required?: string[];
}

function parameters(schema: JsonSchema | undefined, where: 'query' | 'path') {
  const s = (schema ?? {}) as ObjectSchema;
  return Object.entries(s.properties ?? {}).map(([name, prop]) => {
    const { description, ...rest } = prop as { description?: string };
    return {
      name,
      in: where,
      required: where === 'path' || (s.required ?? []).includes(name),
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}

/** What a route's CSV holds: the area columns of figure CSVs, and the wide layout where offered (ADR 0032). */
function csvDescription(r: ApiRoute): string {
  const props = (r.querystring.properties ?? {}) as Record<string, unknown>;
  let text = 'CSV with a header row (format=csv)';
  if (r.csvAreaColumns)
    text += `; every row starts with ${AREA_CSV_COLUMNS.join(', ')} (the area its figures are of)`;
  if ('layout' in props)
    text +=
      '; with layout=wide a row per area and a column per period, headed by its start date (YYYY-MM-DD), ' +
      'an empty cell where there is no figure';
  return text;
}

export function buildOpenApi(routes: readonly ApiRoute[], version: string): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (const r of routes) {
    const content: Record<string, unknown> = {
      'application/json': { schema: r.response, example: r.example },
    };
    if (r.csv) content['text/csv'] = { schema: { type: 'string', description: csvDescription(r) } };
    const responses: Record<string, unknown> = { '200': { description: r.summary, content } };
    for (const [code, description] of Object.entries(ERRORS)) {
      if (code === '401' && r.access === 'public') continue;
      responses[code] = {
        description,
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      };
    }
    if (r.cache) responses['304'] = { description: 'Not modified (If-None-Match held the ETag)' };
    paths[openApiPath(r.url)] = {
      get: {
        operationId: r.operationId,
        summary: r.summary,
        description: r.description,
        tags: [r.tag],
        ...(r.access === 'figures' ? { security: [{}, { session: [] }] } : {}),
        ...(r.access === 'signed-in' ? { security: [{ session: [] }] } : {}),
        parameters: [...parameters(r.params, 'path'), ...parameters(r.querystring, 'query')],
        responses,
      },
    };
  }
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    info: {
      title: 'NHS App Analytics API',
      version,
      description:
        'How people in England use the NHS App, from England down to a GP practice, weekly and monthly: ' +
        'the same figures as the dashboard. JSON by default, CSV with format=csv: every figure CSV starts ' +
        'with area_code, area_name, area_place_name, area_level, area_ons_code, and series take layout=wide (a row per area, ' +
        'a column per period). Open data (monthly ' +
        'figures for England, regions and ICBs of the metrics in the NHS App Management Information ' +
        'publication) needs no sign-in; everything else answers 401 to anonymous requests. Responses ' +
        'carry an ETag that changes when the data is refreshed. On synthetic demo data, every answer of ' +
        'computed figures carries the header X-Demo-Data: synthetic, and files are named synthetic-demo_….',
      license: { name: 'MIT (software); figures: Open Government Licence v3.0', identifier: 'MIT' },
    },
    servers: [{ url: '/' }],
    tags: [
      { name: 'Reference', description: 'Metrics and areas' },
      { name: 'Figures', description: 'Series, breakdowns, summaries and peer comparisons' },
      { name: 'About', description: 'This description' },
    ],
    paths,
    components: {
      schemas: { Error: ERROR_SCHEMA },
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'session', description: 'A signed-in session' },
      },
    },
  };
}
