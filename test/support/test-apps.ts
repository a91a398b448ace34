/**
 * The apps route tests ask for, built the way production builds them (buildApp over WarehouseQueries):
 * over the small real warehouse (api-warehouse.ts) for a visitor and for a signed-in viewer, and over the
 * shipped NHS App MI publication (the official statistics page and API).
 */
import type { FastifyInstance } from 'fastify';
import { WarehouseQueries } from '../../src/app/warehouse-queries.ts';
import { loadConfig } from '../../src/config.ts';
import type { Viewer } from '../../src/domain/access.ts';
import { fixedClock } from '../../src/domain/clock.ts';
import { loadBundledMi } from '../../src/ingest/feeds/bundled-mi.ts';
import { loadCatalogue } from '../../src/metrics/catalogue.ts';
import { buildApp } from '../../src/http/app.ts';
import type { AppDeps } from '../../src/http/deps.ts';
import type { Warehouse } from '../../src/warehouse/db.ts';
import { TEST_CLOCK, type TestWarehouse } from './api-warehouse.ts';
import { openWarehouse } from './feed-files.ts';
import { buildAppAs } from './signed-in.ts';

export const SIGNED_IN_VIEWER: Viewer = { signedIn: true, role: 'viewer', userId: 't1', via: 'session' };

/** The app's dependencies over the small real warehouse, with these environment settings. */
export function testWarehouseDeps(tw: TestWarehouse, env: Record<string, string> = {}): AppDeps {
  return {
    db: tw.db,
    config: loadConfig(env),
    clock: TEST_CLOCK,
    queries: new WarehouseQueries(tw.db, tw.catalogue),
    catalogue: tw.catalogue,
  };
}

/** One app for a visitor who is not signed in and one for a signed-in viewer, over the same data. */
export interface AppPair {
  anon: FastifyInstance;
  user: FastifyInstance;
  close(): Promise<void>;
}

export async function buildAppPair(deps: AppDeps): Promise<AppPair> {
  const anon = await buildApp(deps);
  const user = await buildAppAs({ ...deps }, SIGNED_IN_VIEWER);
  return {
    anon,
    user,
    async close() {
      await anon.close();
      await user.close();
    },
  };
}

/** A migrated warehouse holding the shipped NHS App MI publication, and the app over it. */
export async function buildOfficialApp(): Promise<{
  db: Warehouse;
  app: FastifyInstance;
  close(): Promise<void>;
}> {
  const db = await openWarehouse();
  await loadBundledMi(db);
  const catalogue = loadCatalogue();
  const app = await buildApp({
    db,
    config: loadConfig({}),
    clock: fixedClock('2026-11-21T12:00:00Z'),
    queries: new WarehouseQueries(db, catalogue),
    catalogue,
  });
  return {
    db,
    app,
    async close() {
      await app.close();
      db.close();
    },
  };
}
