/**
 * The app over the in-memory page queries (in-memory-queries.ts) and an empty in-memory warehouse: every
 * route registered, no figures loaded. For tests and scripts that look at the routes themselves (the route
 * map, the OpenAPI document).
 */
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/config.ts';
import { fixedClock } from '../../src/domain/clock.ts';
import { buildApp } from '../../src/http/app.ts';
import { Warehouse } from '../../src/warehouse/db.ts';
import { createTestQueries } from './in-memory-queries.ts';

export interface InMemoryApp {
  app: FastifyInstance;
  close(): Promise<void>;
}

export async function buildInMemoryApp(): Promise<InMemoryApp> {
  const db = await Warehouse.open(':memory:');
  const app = await buildApp({
    db,
    config: loadConfig({}),
    clock: fixedClock('2026-11-18T09:00:00Z'),
    queries: createTestQueries(),
  });
  await app.ready();
  return {
    app,
    async close() {
      await app.close();
      db.close();
    },
  };
}
