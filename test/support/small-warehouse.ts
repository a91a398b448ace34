/**
 * Tests only: a small real warehouse (in memory) for the data table, info pages and chart CSV tests: five
 * practices in two map releases (P00004 closes; QA1 and QA2 merge into QA9), 13+ list sizes for all but
 * P00003, and a few thousand random events from January to mid-November 2026 built into the cube.
 */
import { fixedClock } from '../../src/domain/clock.ts';
import type { MetricDefinition } from '../../src/domain/metric-definition.ts';
import type { Warehouse } from '../../src/warehouse/db.ts';
import { buildWarehouse, EVENT_HEADER, fromCodes, rng, type CodesRow } from './warehouse-builder.ts';

export const RELEASES: Record<string, CodesRow[]> = {
  '2026-01-01': [
    ['P00001', 'LS1 4AP', 'U00001', '00A', 'QA1', 'Y56'],
    ['P00002', 'LS2 9AE', 'U00001', '00A', 'QA1', 'Y56'],
    ['P00003', 'NW1 1LT', 'U00002', '00B', 'QA2', 'Y56'],
    ['P00004', 'BS1 5AH', 'U00003', '00C', 'QA3', 'Y58'],
  ],
  '2026-08-01': [
    ['P00001', 'LS1 4AP', 'U00001', '00A', 'QA9', 'Y56'],
    ['P00002', 'LS2 9AE', 'U00001', '00A', 'QA9', 'Y56'],
    ['P00003', 'NW1 1LT', 'U00002', '00B', 'QA9', 'Y56'],
    ['P00005', 'BS2 0JA', 'U00003', '00C', 'QA3', 'Y58'],
  ],
};
/** 13+ list sizes; P00003 has none, so its figures are left out of rates. */
export const LIST_SIZES_13PLUS: Record<string, number> = {
  P00001: 1000,
  P00002: 500,
  P00004: 300,
  P00005: 800,
};
const PRACTICES = ['P00001', 'P00002', 'P00003', 'P00004', 'P00005', 'ZZZ999', ''];
const TYPES = ['login', 'login', 'login', 'registration', 'prescription_ordered', 'appointment_booked'];

export const FIXTURE_CLOCK = fixedClock('2026-11-21T12:00:00Z');

export interface SmallWarehouse {
  db: Warehouse;
  catalogue: MetricDefinition[];
  close(): void;
}

export async function buildSmallWarehouse(
  opts: { events?: number; demo?: boolean } = {},
): Promise<SmallWarehouse> {
  const r = rng(11);
  const start = Date.parse('2026-01-01T00:00:00Z');
  const span = Date.parse('2026-11-15T23:00:00Z') - start;
  const lines: string[] = [];
  for (let i = 0; i < (opts.events ?? 3000); i++) {
    const time = new Date(start + Math.floor(r() * span)).toISOString();
    let practice = PRACTICES[Math.floor(r() * PRACTICES.length)]!;
    if (practice === 'P00004' && time >= '2026-06-30T23:00:00Z') practice = 'P00001';
    if (practice === 'P00005' && time < '2026-08-01') practice = 'P00002';
    const type = TYPES[Math.floor(r() * TYPES.length)]!;
    const user = `u${Math.floor(r() * 300)}`;
    lines.push([`e${i}`, time, type, `s${i}`, user, practice, 'P9', 'ios'].join(','));
  }
  const built = await buildWarehouse({
    practices: Object.entries(RELEASES).flatMap(([extract, rows]) =>
      rows.map((row) => fromCodes(extract, row)),
    ),
    listSizes13plus: LIST_SIZES_13PLUS,
    events: { header: EVENT_HEADER, lines },
    clock: FIXTURE_CLOCK,
    demoEvents: opts.demo ?? false,
    ...(opts.demo ? { demoMeta: { scale: 0.5, seed: 42, generatedAt: '2026-11-21T12:00:00Z' } } : {}),
  });
  return { db: built.db, catalogue: built.catalogue, close: () => built.close() };
}
