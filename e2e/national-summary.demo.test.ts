import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WarehouseQueries } from '../src/app/warehouse-queries.ts';
import { loadCatalogue } from '../src/metrics/catalogue.ts';
import type { Warehouse } from '../src/warehouse/db.ts';
import { closeDemoWarehouse, demoDeps, demoWarehouse } from './demo-warehouse.ts';
import { describeNationalSummary } from './national-summary.suite.ts';

// The real pipeline: bundled NHS reference data, synthetic demo events through the ingest path, the build.
afterAll(closeDemoWarehouse);

describeNationalSummary('National summary page (demo warehouse)', async () => ({ deps: await demoDeps() }));

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
