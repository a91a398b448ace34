/**
 * Reconciliation (issue 12e) on a small real warehouse (real ingest and build): official figures made up for
 * its ICBs (the computed figure plus a known offset per ICB, England the sum of the ICB rows) must come back
 * beside the computed figures with exactly those differences; the computed figure is the one the series query
 * gives on the structure of the edition (as recorded: the ICBs of the time); a month the product has no
 * figure for is null, never 0.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importMiPublication } from '../ingest/feeds/mi-publication.ts';
import { getMetricSeries } from './series.ts';
import { getDataStatus } from './status.ts';
import { getReconciliation } from './reconciliation.ts';
import { buildTestWarehouse, type TestWarehouse } from '../../test/support/api-warehouse.ts';
import { tempDir, writeCsv } from '../../test/support/feed-files.ts';

let tw: TestWarehouse;
const tmp = tempDir('reconcile-');
const OFFSET: Record<string, number> = { QA1: 3, QA2: -7, QA3: 0, UNKNOWN: 11 };
let months: string[] = [];

beforeAll(async () => {
  tw = await buildTestWarehouse();
  const cells = await tw.db.all<{ month: string; code: string; value: number }>(
    `SELECT strftime(period_start, '%Y-%m') AS month, area_code AS code, value FROM metric_value
     WHERE structure = 'as_recorded' AND metric_id = 'logins' AND grain = 'month' AND area_level = 'icb'
       AND period_start < DATE '2026-04-01' ORDER BY ALL`,
  );
  months = [...new Set(cells.map((c) => c.month))];
  const value = new Map(cells.map((c) => [`${c.month}|${c.code}`, Number(c.value)]));
  const icbLines: string[] = [];
  const england: string[] = [];
  // 2020-01: a month the product has no figure for.
  for (const m of ['2020-01', ...months]) {
    let sum = 0;
    for (const code of Object.keys(OFFSET)) {
      const official = (value.get(`${m}|${code}`) ?? 100) + OFFSET[code]!;
      sum += official;
      const region = code === 'UNKNOWN' ? 'Unknown' : code === 'QA3' ? 'Y58' : 'Y56';
      const name = code === 'UNKNOWN' ? 'Unknown' : `ICB ${code}`;
      const regionName = code === 'UNKNOWN' ? 'Unknown' : `Region ${region}`;
      icbLines.push(
        `${m}-01,${code === 'UNKNOWN' ? 'Unknown' : code},${name},${region},${regionName},${official}`,
      );
    }
    england.push(`${m}-01,${sum}`);
  }
  await importMiPublication(
    tw.db,
    writeCsv(tmp.dir, 'icb.csv', [
      'MONTH,ICB_ODS_CODE,ICB_NAME,REGION_ODS_CODE,REGION_NAME,NHS_APP_LOGINS',
      ...icbLines,
    ]),
  );
  await importMiPublication(tw.db, writeCsv(tmp.dir, 'england.csv', ['MONTH,NHS_APP_LOGINS', ...england]));
}, 120_000);

afterAll(() => {
  tw?.close();
  tmp.remove();
});

describe('official beside computed', () => {
  it('ICBs: each difference is the offset built in, on the as-recorded structure; no figure is null', async () => {
    expect(months.length).toBeGreaterThan(0);
    const rows = await getReconciliation(tw.db, { measure: 'logins', level: 'icb', code: 'QA1' });
    const status = await getDataStatus(tw.db);
    const series = await getMetricSeries(
      tw.db,
      status,
      tw.catalogue.find((m) => m.id === 'logins')!,
      {
        level: 'icb',
        code: 'QA1',
        grain: 'month',
        structure: 'as_recorded',
        includePartial: true,
      },
    );
    const computed = new Map(series.map((p) => [p.periodStart.slice(0, 7), p.value]));
    expect(rows[0]).toMatchObject({
      month: '2020-01',
      computed: null,
      difference: null,
      pctDifference: null,
    });
    for (const r of rows.slice(1)) {
      expect(r.computed).toBe(computed.get(r.month) ?? null);
      if (r.computed !== null) {
        expect(r.difference).toBe(-3);
        expect(r.pctDifference).toBeCloseTo((-3 / r.official) * 100, 10);
      }
      expect(r.computedStructure).toBe('as-recorded');
    }
    expect(rows.filter((r) => r.computed !== null).length).toBeGreaterThan(0);
  });

  it('England: official is the sum of the ICB rows, computed the England series', async () => {
    const rows = await getReconciliation(tw.db, { measure: 'logins', level: 'england' });
    for (const r of rows.filter((x) => x.month !== '2020-01')) {
      const icb = await getReconciliation(tw.db, {
        measure: 'logins',
        level: 'icb',
        from: r.month,
        to: r.month,
      });
      expect(r.official).toBe(icb.reduce((s, x) => s + x.official, 0));
      if (r.computed !== null) expect(r.difference).toBe(r.computed - r.official);
    }
  });
});
