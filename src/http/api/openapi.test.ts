/**
 * The OpenAPI document describes every /api/v1 route the app registers, and nothing else; its examples are
 * valid against the response schemas the routes serialise with (live responses are checked against them
 * in api.test.ts).
 */
import { Ajv } from 'ajv';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildInMemoryApp, type InMemoryApp } from '../../../test/support/in-memory-app.ts';
import { openApiPath } from './openapi.ts';
import { API_ROUTES, openApiDocument } from './routes.ts';

let built: InMemoryApp;
let app: FastifyInstance;

beforeAll(async () => {
  built = await buildInMemoryApp();
  app = built.app;
});

afterAll(async () => {
  await built?.close();
});

/** Every route's full path and methods, from Fastify's printed route tree. */
export function registeredRoutes(tree: string): { path: string; methods: string[] }[] {
  const out: { path: string; methods: string[] }[] = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^([│ ]*)(?:├── |└── )(.*) \(([^)]*)\)$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    const full = depth === 0 ? m[2]! : `${stack[depth - 1]!.replace(/\/$/, '')}/${m[2]!.replace(/^\//, '')}`;
    stack[depth] = full;
    out.push({ path: full, methods: m[3]!.split(',').map((s) => s.trim()) });
  }
  return out;
}

type Doc = {
  openapi: string;
  paths: Record<
    string,
    {
      get: {
        responses: Record<string, { content?: Record<string, { schema: object; example?: unknown }> }>;
        parameters: { name: string; in: string; required: boolean }[];
      };
    }
  >;
};

describe('the OpenAPI document', () => {
  it('is served at /api/v1/openapi.json as OpenAPI 3.1', async () => {
    const res = await app.inject('/api/v1/openapi.json');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const doc = res.json() as Doc;
    expect(doc.openapi).toBe('3.1.0');
    expect(doc).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
  });

  it('lists every /api/v1 route the app registers, and only those', async () => {
    const doc = (await app.inject('/api/v1/openapi.json')).json() as Doc;
    const registered = registeredRoutes(app.printRoutes({ commonPrefix: false }))
      .filter((r) => r.path.startsWith('/api/v1'))
      .map((r) => openApiPath(r.path))
      .sort();
    expect(registered.length).toBeGreaterThanOrEqual(9);
    expect(Object.keys(doc.paths).sort()).toEqual(registered);
    // And no method is registered under /api/v1 without being described (POST /api/v1/admin/refresh is).
    const paths = doc.paths as unknown as Record<string, Record<string, unknown>>;
    const other = registeredRoutes(app.printRoutes({ commonPrefix: false })).filter(
      (r) =>
        r.path.startsWith('/api/v1') &&
        r.methods.some((m) => m !== 'HEAD' && paths[openApiPath(r.path)]?.[m.toLowerCase()] === undefined),
    );
    expect(other).toEqual([]);
  });

  it('describes each route’s parameters as the route validates them', async () => {
    const doc = openApiDocument() as unknown as Doc;
    for (const r of API_ROUTES) {
      const op = doc.paths[openApiPath(r.url)]!.get;
      const query = r.querystring as { properties: Record<string, unknown>; required?: string[] };
      expect(op.parameters.filter((p) => p.in === 'query').map((p) => p.name)).toEqual(
        Object.keys(query.properties),
      );
      for (const p of op.parameters.filter((x) => x.in === 'query'))
        expect(p.required).toBe((query.required ?? []).includes(p.name));
      const pathParams = [...r.url.matchAll(/:([a-z]+)/g)].map((m) => m[1]);
      expect(op.parameters.filter((p) => p.in === 'path').map((p) => p.name)).toEqual(pathParams);
      // A parameter the document does not list is refused.
      const valid: Record<string, string> = { metric: 'logins', level: 'icb', code: 'QMJ' };
      const params = new URLSearchParams((query.required ?? []).map((k): [string, string] => [k, valid[k]!]));
      params.set('not_a_parameter', '1');
      const path = r.url.replace(':level', 'icb').replace(':code', 'QMJ').replace(':id', 'logins');
      const res = await app.inject(`${path}?${params}`);
      // Signed-in routes refuse a visitor before reading parameters (booking-routes.test.ts checks theirs).
      if (r.access === 'signed-in') {
        expect(res.statusCode, r.url).toBe(401);
        continue;
      }
      expect(res.statusCode, r.url).toBe(400);
      expect(res.json().message).toMatch(/not_a_parameter/);
    }
  });

  it('has examples that are valid against the response schemas', () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    const doc = openApiDocument() as unknown as Doc;
    for (const r of API_ROUTES) {
      const json = doc.paths[openApiPath(r.url)]!.get.responses['200']!.content!['application/json']!;
      const validate = ajv.compile(json.schema);
      const ok = validate(json.example);
      expect(ok, `${r.url}: ${JSON.stringify(validate.errors)}`).toBe(true);
      expect(json.example).toBeDefined();
      // The schemas are strict: an example with an unknown field would fail.
      expect(validate({ ...(json.example as object), surprise: 1 })).toBe(false);
    }
  });
});

describe('the CSV columns and layouts in the document (ADR 0032)', () => {
  it('lists layout=long|wide on the series routes and says every figure CSV starts with the area columns', () => {
    const paths = openApiDocument().paths as Record<
      string,
      {
        get: {
          parameters: { name: string; schema: { enum?: string[] } }[];
          responses: Record<string, unknown>;
        };
      }
    >;
    const csvText = (p: string) =>
      (paths[p]!.get.responses['200'] as { content: Record<string, { schema: { description: string } }> })
        .content['text/csv']!.schema.description;
    for (const p of ['/api/v1/series', '/api/v1/series/areas']) {
      const layout = paths[p]!.get.parameters.find((x) => x.name === 'layout');
      expect(layout?.schema.enum, p).toEqual(['long', 'wide']);
      expect(csvText(p), p).toMatch(/layout=wide/);
    }
    for (const p of [
      '/api/v1/series',
      '/api/v1/series/areas',
      '/api/v1/breakdown',
      '/api/v1/summary',
      '/api/v1/peers',
      '/api/v1/ranking',
    ])
      expect(csvText(p), p).toContain('area_code, area_name, area_place_name, area_level, area_ons_code');
    expect(paths['/api/v1/breakdown']!.get.parameters.map((x) => x.name)).not.toContain('layout');
  });
});
