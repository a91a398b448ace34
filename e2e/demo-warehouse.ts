/**
 * A real warehouse for browser tests: the bundled NHS reference data, synthetic demo events loaded through
 * the ingest path, and the build (about 45 s at scale 0.0005 on 2 cores). Built once per test run by the
 * first file that asks (the others wait, then copy the file, so each test file has its own writable copy);
 * call `closeDemoWarehouse` in the file's afterAll.
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
import { inject } from 'vitest';
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

async function buildDemo(dbFile: string): Promise<void> {
  const dir = path.dirname(dbFile);
  const buildConfig = loadConfig({ DATA_DIR: dir, DUCKDB_MEMORY_LIMIT: '2GB' });
  const db = await openWarehouse(buildConfig);
  try {
    await initialise(db, () => undefined);
    await loadDemo(db, buildConfig, {
      scale: DEMO_SCALE,
      seed: DEMO_SEED,
      clock: demoClock,
      log: () => undefined,
    });
  } finally {
    db.close();
  }
}

const WAIT_LIMIT_MS = 15 * 60 * 1000;

/**
 * The built demo warehouse file of this run: the first caller takes a lock (an atomic mkdir) and builds it;
 * others wait for the `ready` marker. Without the run's shared folder (a file run on its own), builds privately.
 */
async function cachedDemoFile(): Promise<string | null> {
  let cacheDir: string | undefined;
  try {
    cacheDir = inject('demoCacheDir');
  } catch {
    cacheDir = undefined;
  }
  if (!cacheDir) return null;
  const buildDir = path.join(cacheDir, 'build');
  const dbFile = path.join(buildDir, 'warehouse.duckdb');
  const ready = path.join(cacheDir, 'ready');
  const failed = path.join(cacheDir, 'failed');
  let builder = false;
  try {
    fs.mkdirSync(buildDir);
    builder = true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  if (builder) {
    try {
      await buildDemo(dbFile);
      fs.writeFileSync(ready, '');
    } catch (err) {
      fs.writeFileSync(failed, String(err));
      throw err;
    }
    return dbFile;
  }
  const started = Date.now();
  while (!fs.existsSync(ready)) {
    if (fs.existsSync(failed))
      throw new Error(`building the shared demo warehouse failed: ${fs.readFileSync(failed, 'utf8')}`);
    if (Date.now() - started > WAIT_LIMIT_MS)
      throw new Error('timed out waiting for the shared demo warehouse');
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return dbFile;
}

/** The demo warehouse of this test file (its own copy), built or copied on first use. */
export function demoWarehouse(): Promise<Warehouse> {
  shared ??= (async () => {
    const source = await cachedDemoFile();
    if (source === null) {
      await buildDemo(path.join(config().dataDir, 'warehouse.duckdb'));
    } else {
      fs.copyFileSync(source, path.join(config().dataDir, 'warehouse.duckdb'));
      if (fs.existsSync(`${source}.wal`))
        fs.copyFileSync(`${source}.wal`, path.join(config().dataDir, 'warehouse.duckdb.wal'));
    }
    const db = await openWarehouse(config());
    await initialise(db, () => undefined);
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
