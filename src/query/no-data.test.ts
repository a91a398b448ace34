/**
 * No data is not zero (issue 11 item 4): a feed figure an area never reported is absent (null, an empty CSV
 * cell, "(no data)" in pickers) in every reader — map, data table, series — while a count from events the
 * area did not have stays 0. A snapshot figure is stored for one ICB and one month only, as a feed loaded for
 * part of the country would leave it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSmallWarehouse, type SmallWarehouse } from '../../test/support/small-warehouse.ts';
import { DATA_CSV_HEADER, dataCsvRow, dataWideCsvLines } from '../http/pages/data-table/view.ts';
import { getDataTable } from './data-table.ts';
import { getMapValues, metricsWithFigures } from './map-values.ts';
import { getMetricSeries } from './series.ts';
import { getDataStatus } from './status.ts';

let w: SmallWarehouse;
const MONTH = '2026-09-01';

beforeAll(async () => {
  w = await buildSmallWarehouse({ events: 1500 });
  await w.db.run(
    `INSERT INTO metric_cell
     SELECT 0, m.metric_key, 1, DATE '2026-09-01', a.area_key, 42, NULL
     FROM metric_dim m, area_dim a
     WHERE m.metric_id = 'snapshot_logins' AND a.area_level = 'icb' AND a.area_code = 'QA9'`,
  );
}, 60_000);
afterAll(() => w?.close());

const metric = (id: string) => w.catalogue.find((m) => m.id === id)!;

describe('a feed figure an area never reported', () => {
  it('is null on the map beside the area that reported it, not 0', async () => {
    const status = await getDataStatus(w.db);
    const map = await getMapValues(w.db, w.catalogue, status, {
      metric: metric('snapshot_logins'),
      level: 'icb',
      grain: 'month',
      periodStart: MONTH,
    });
    const byCode = new Map(map.rows.map((r) => [r.code, r.value]));
    expect(byCode.get('QA9')).toBe(42);
    expect(byCode.get('QA3')).toBeNull();
  });

  it('is null in the data table and an empty CSV cell; an event count the area lacks is still 0', async () => {
    const status = await getDataStatus(w.db);
    const page = await getDataTable(
      w.db,
      status,
      w.catalogue,
      {
        level: 'icb',
        area: null,
        metrics: [metric('snapshot_logins'), metric('logins')],
        grain: 'month',
        from: MONTH,
        to: MONTH,
        includePartial: false,
      },
      { limit: 50, offset: 0 },
    );
    const cell = (code: string, id: string) =>
      page.rows.find((r) => r.areaCode === code && r.metricId === id);
    expect(cell('QA9', 'snapshot_logins')!.value).toBe(42);
    const missing = cell('QA3', 'snapshot_logins')!;
    expect(missing.value).toBeNull();
    const valueAt = DATA_CSV_HEADER.indexOf('value');
    expect(dataCsvRow(missing, 'month', metric('snapshot_logins')).split(',')[valueAt]).toBe('');
    // The wide CSV (ADR 0032): QA3's cell for the month is empty, QA9's holds its figure.
    const wide = (code: string) =>
      dataWideCsvLines(
        page.rows.filter((r) => r.areaCode === code),
        [metric('snapshot_logins')],
        [MONTH],
      ).split(',');
    expect(wide('QA3').at(-1)).toBe('\r\n');
    expect(wide('QA9').at(-1)).toBe('42\r\n');
    for (const r of page.rows.filter((x) => x.metricId === 'logins')) expect(typeof r.value).toBe('number');
  });

  it('leaves the period out of the series, while event counts fill quiet periods with 0', async () => {
    const status = await getDataStatus(w.db);
    const req = { grain: 'month' as const, structure: 'current' as const, includePartial: false };
    const qa3 = await getMetricSeries(w.db, status, metric('snapshot_logins'), {
      ...req,
      level: 'icb',
      code: 'QA3',
    });
    expect(qa3).toEqual([]);
    const qa9 = await getMetricSeries(w.db, status, metric('snapshot_logins'), {
      ...req,
      level: 'icb',
      code: 'QA9',
    });
    expect(qa9.map((p) => [p.periodStart, p.value])).toEqual([[MONTH, 42]]);
  });

  it('is marked for pickers: metrics with no figures for the selection', async () => {
    const at = (code: 'icb' | 'region') =>
      metricsWithFigures(w.db, w.catalogue, { level: code, grain: 'month', from: MONTH, to: MONTH });
    const icb = await at('icb');
    expect(icb.has('snapshot_logins')).toBe(true);
    expect(icb.has('logins')).toBe(true);
    expect(icb.has('unique_logins_per_1000')).toBe(true);
    expect(icb.has('patients_13plus')).toBe(true);
    expect(icb.has('snapshot_prescriptions')).toBe(false);
    expect(icb.has('downloads')).toBe(false);
    // Only the ICB row was stored: the regions have no snapshot figures.
    expect((await at('region')).has('snapshot_logins')).toBe(false);
  });
});
