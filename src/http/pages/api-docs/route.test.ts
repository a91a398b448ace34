/**
 * API documentation (issue 14.6): the page covers every operation of the OpenAPI document with a working
 * example call, needs no sign-in, and the explorer's files are served from this site.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../config.ts';
import { fixedClock } from '../../../domain/clock.ts';
import { Warehouse } from '../../../warehouse/db.ts';
import { buildApp } from '../../app.ts';
import { createTestQueries } from '../../../../test/support/in-memory-queries.ts';

let app: FastifyInstance;
let db: Warehouse;

beforeAll(async () => {
  db = await Warehouse.open(':memory:');
  app = await buildApp({
    db,
    config: loadConfig({ PUBLIC_URL: 'https://analytics.example.nhs.uk' }),
    clock: fixedClock('2026-11-18T09:00:00Z'),
    queries: createTestQueries(),
  });
});

afterAll(async () => {
  await app.close();
  db.close();
});

const decode = (s: string) => s.replaceAll('&amp;', '&').replaceAll('&quot;', '"').replaceAll('&#39;', "'");

describe('GET /api/docs', () => {
  it('documents every operation of the OpenAPI document, to anyone', async () => {
    const res = await app.inject('/api/docs');
    expect(res.statusCode).toBe(200);
    const body = decode(res.body);
    const doc = (await app.inject('/api/v1/openapi.json')).json() as {
      paths: Record<string, Record<string, { parameters?: { name: string }[] }>>;
    };
    const paths = Object.entries(doc.paths);
    expect(paths.length).toBeGreaterThan(5);
    for (const [path, methods] of paths) {
      for (const [method, op] of Object.entries(methods)) {
        expect(body).toContain(`<code>${method.toUpperCase()} ${path}</code>`);
        for (const p of op.parameters ?? []) expect(body).toContain(`<code>${p.name}</code>`);
      }
    }
    expect(body).toContain('href="/api/v1/openapi.json"');
  });

  it('gives example calls that the API answers (not 400 or 404)', async () => {
    const body = decode((await app.inject('/api/docs')).body);
    const calls = [
      ...body.matchAll(
        /curl -H "Authorization: Bearer \$NHSAA_TOKEN" "https:\/\/analytics\.example\.nhs\.uk([^"]+)"/g,
      ),
    ].map((m) => m[1]!);
    expect(calls).toContain('/api/v1/metrics');
    const answered = [];
    for (const url of calls.filter(
      (u) => u.startsWith('/api/v1/metrics') || u.startsWith('/api/v1/openapi'),
    )) {
      const res = await app.inject(url);
      answered.push([url, res.statusCode]);
    }
    expect(answered.length).toBeGreaterThan(0);
    for (const [, status] of answered) expect(status).toBe(200);
  });
});

describe('GET /api/docs/explorer', () => {
  it('loads Swagger UI from this site, never another origin', async () => {
    const res = await app.inject('/api/docs/explorer');
    expect(res.statusCode).toBe(200);
    const srcs = [...res.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    for (const s of srcs.filter((u) => u.includes('swagger') || u.includes('explorer')))
      expect(s.startsWith('/')).toBe(true);
    for (const url of ['/static/swagger-ui/swagger-ui-bundle.js', '/static/api-explorer.js']) {
      const file = await app.inject(url);
      expect(file.statusCode).toBe(200);
      expect(file.headers['content-type']).toContain('text/javascript');
    }
    const css = await app.inject({
      url: '/static/swagger-ui/swagger-ui.css',
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(css.headers['content-encoding']).toBe('gzip');
    expect(css.headers['content-type']).toContain('text/css');
  });
});
