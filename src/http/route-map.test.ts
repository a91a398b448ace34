/**
 * docs/routes.md lists exactly the routes the app registers (issue 9 item 7): a route added, removed or given
 * another access without the route map following fails here, and so does a row naming a file that does not
 * register its path. Built on the in-memory page queries: no warehouse is needed to register routes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { loadConfig, REPO_ROOT } from '../config.ts';
import { fixedClock } from '../domain/clock.ts';
import { Warehouse } from '../warehouse/db.ts';
import { createTestQueries } from '../../test/support/in-memory-queries.ts';
import { buildApp } from './app.ts';

const ROUTE_MAP = path.join(REPO_ROOT, 'docs', 'routes.md');

interface Row {
  method: string;
  url: string;
  access: string;
  file: string;
}

/** The rows of the route map's table: | Method | `path` | access | `file` | what |. */
export function routeMapRows(markdown: string): Row[] {
  const rows: Row[] = [];
  for (const line of markdown.split('\n')) {
    const m =
      /^\|\s*(GET|POST|PUT|PATCH|DELETE)\s*\|\s*`([^`]+)`\s*\|\s*([a-z-]+)\s*\|\s*`([^`]+)`\s*\|/.exec(line);
    if (m) rows.push({ method: m[1]!, url: m[2]!, access: m[3]!, file: m[4]! });
  }
  return rows;
}

let app: FastifyInstance;
let db: Warehouse;

beforeAll(async () => {
  db = await Warehouse.open(':memory:');
  app = await buildApp({
    db,
    config: loadConfig({}),
    clock: fixedClock('2026-11-18T09:00:00Z'),
    queries: createTestQueries(),
  });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  db?.close();
});

describe('the route map (docs/routes.md)', () => {
  it('lists every registered route with its access, and nothing else', () => {
    const rows = routeMapRows(fs.readFileSync(ROUTE_MAP, 'utf8'));
    const documented = rows.map((r) => `${r.method} ${r.url} ${r.access}`);
    expect(new Set(documented).size, 'a route is listed twice').toBe(documented.length);
    const registered = app.registeredRoutes.map((r) => `${r.method} ${r.url} ${r.access}`);
    expect(registered.length).toBeGreaterThan(50);
    const missing = registered.filter((r) => !documented.includes(r));
    const stale = documented.filter((r) => !registered.includes(r));
    expect(missing, 'registered but not in docs/routes.md: add a row').toEqual([]);
    expect(stale, 'in docs/routes.md but not registered (or another access)').toEqual([]);
  });

  it('names for each route a file that registers that path', () => {
    for (const r of routeMapRows(fs.readFileSync(ROUTE_MAP, 'utf8'))) {
      const file = path.join(REPO_ROOT, r.file);
      expect(fs.existsSync(file), r.file).toBe(true);
      // A wildcard route is a plugin's prefix (`prefix: '/assets/'`).
      const literal = r.url.endsWith('*') ? r.url.slice(0, -1) : r.url;
      expect(fs.readFileSync(file, 'utf8'), `${r.method} ${r.url} in ${r.file}`).toContain(`'${literal}'`);
    }
  });
});
