/**
 * A real warehouse for browser tests: the bundled NHS reference data, synthetic demo events loaded through
 * the ingest path, and the build (about 45 s at scale 0.0005 on 2 cores). One per test file (vitest runs
 * files in separate processes); call `closeDemoWarehouse` in the file's afterAll.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initialise, loadDemo, openWarehouse } from '../src/app/bootstrap.ts';
import { WarehouseQueries } from '../src/app/warehouse-queries.ts';
import { loadConfig } from '../src/config.ts';
import { fixedClock } from '../src/domain/clock.ts';
import type { AppDeps } from '../src/http/deps.ts';
import { loadCatalogue } from '../src/metrics/catalogue.ts';
import type { Warehouse } from '../src/warehouse/db.ts';

export const DEMO_SCALE = 0.0005;
export const DEMO_SEED = 7;
export const demoClock = fixedClock('2026-11-21T12:00:00Z');

let dataDir: string | undefined;
let shared: Promise<Warehouse> | undefined;

function config() {
  dataDir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'demo-e2e-'));
  return loadConfig({ DATA_DIR: dataDir, DUCKDB_MEMORY_LIMIT: '2GB' });
}

/** The demo warehouse of this test file, built on first use. */
export function demoWarehouse(): Promise<Warehouse> {
  shared ??= (async () => {
    const db = await openWarehouse(config());
    await initialise(db, () => undefined);
    await loadDemo(db, config(), {
      scale: DEMO_SCALE,
      seed: DEMO_SEED,
      clock: demoClock,
      log: () => undefined,
    });
    return db;
  })();
  return shared;
}

/** App dependencies over the demo warehouse. */
export async function demoDeps(): Promise<AppDeps> {
  const db = await demoWarehouse();
  return { db, config: config(), clock: demoClock, queries: new WarehouseQueries(db, loadCatalogue()) };
}

export async function closeDemoWarehouse(): Promise<void> {
  if (shared) (await shared).close();
  shared = undefined;
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  dataDir = undefined;
}
