import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initialise, loadDemo, openWarehouse } from '../src/app/bootstrap.ts';
import { WarehouseQueries } from '../src/app/warehouse-queries.ts';
import { loadConfig } from '../src/config.ts';
import { fixedClock } from '../src/domain/clock.ts';
import { loadCatalogue } from '../src/metrics/catalogue.ts';
import type { Warehouse } from '../src/warehouse/db.ts';
import { describeNationalSummary } from './national-summary.suite.ts';

// The real pipeline: bundled NHS reference data, synthetic demo events through the ingest path, the build.
const clock = fixedClock('2026-11-21T12:00:00Z');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-e2e-'));
const config = loadConfig({ DATA_DIR: dataDir, DUCKDB_MEMORY_LIMIT: '2GB' });
let shared: Promise<Warehouse> | undefined;

function demoWarehouse(): Promise<Warehouse> {
  shared ??= (async () => {
    const db = await openWarehouse(config);
    await initialise(db, () => undefined);
    await loadDemo(db, config, { scale: 0.0005, seed: 7, clock, log: () => undefined });
    return db;
  })();
  return shared;
}

afterAll(async () => {
  if (shared) (await shared).close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describeNationalSummary('National summary page (demo warehouse)', async () => ({
  deps: {
    db: await demoWarehouse(),
    config,
    clock,
    queries: new WarehouseQueries(await demoWarehouse(), loadCatalogue()),
  },
}));

describe('National summary figures against the raw events', () => {
  let queries: WarehouseQueries;
  let db: Warehouse;
  beforeAll(async () => {
    db = await demoWarehouse();
    queries = new WarehouseQueries(db, loadCatalogue());
  });

  it('shows monthly logins and registrations equal to a direct count of the loaded events', async () => {
    const summary = await queries.nationalSummary({ grain: 'month', includePartial: false });
    expect(summary.status.demo).toMatchObject({ scale: 0.0005, seed: 7 });
    for (const metricId of ['logins', 'registrations']) {
      const series = summary.series[metricId]!;
      expect(series.length).toBeGreaterThanOrEqual(20); // two years of complete months
      for (const point of series) {
        // Independent of the cube: count raw events by their London calendar month.
        const direct = await db.scalar<number>(
          `SELECT count(*) FROM activity_event
           WHERE event_type = $1 AND strftime(timezone('Europe/London', event_time), '%Y-%m') = $2`,
          [metricId === 'logins' ? 'login' : 'registration', point.periodStart.slice(0, 7)],
        );
        expect(point.value, `${metricId} ${point.periodStart}`).toBe(direct);
      }
    }
  });

  it('lists the real areas through the API model', async () => {
    const regions = await queries.listAreas({ level: 'region' });
    expect(regions!.filter((r) => r.code !== 'UNKNOWN')).toHaveLength(7);
    const icbs = await queries.listAreas({ level: 'icb' });
    expect(icbs!.filter((r) => r.isCurrent && r.code !== 'UNKNOWN')).toHaveLength(36);
  });
});
