/**
 * Tests only: a small real warehouse (in memory) for the data table, info pages and chart CSV tests: five
 * practices in two map releases (P00004 closes; QA1 and QA2 merge into QA9), 13+ list sizes for all but
 * P00003, and a few thousand random events from January to mid-November 2026 built into the cube.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fixedClock } from '../../src/domain/clock.ts';
import type { MetricDefinition } from '../../src/domain/metric-definition.ts';
import { ingestEventFile } from '../../src/ingest/events.ts';
import { rebuildAreas } from '../../src/ingest/reference/areas.ts';
import { buildMetrics } from '../../src/metrics/build.ts';
import { loadCatalogue } from '../../src/metrics/catalogue.ts';
import { Warehouse } from '../../src/warehouse/db.ts';
import { migrate } from '../../src/warehouse/migrate.ts';

type Row = [practice: string, postcode: string, pcn: string, subIcb: string, icb: string, region: string];
export const RELEASES: Record<string, Row[]> = {
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

function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const FIXTURE_CLOCK = fixedClock('2026-11-21T12:00:00Z');

export interface SmallWarehouse {
  db: Warehouse;
  catalogue: MetricDefinition[];
  close(): void;
}

export async function buildSmallWarehouse(
  opts: { events?: number; demo?: boolean } = {},
): Promise<SmallWarehouse> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'small-warehouse-'));
  const db = await Warehouse.open(':memory:');
  await migrate(db);
  for (const [extract, rows] of Object.entries(RELEASES)) {
    for (const [practice, postcode, pcn, sub, icb, region] of rows) {
      await db.run(
        `INSERT INTO practice_map VALUES ($1::DATE, $2, 'Practice ' || $2, $3, $4, 'PCN ' || $4, $5, NULL,
          'Sub-ICB ' || $5, $6, NULL, 'ICB ' || $6, $7, NULL, 'Region ' || $7, 'EMIS')`,
        [extract, practice, postcode, pcn, sub, icb, region],
      );
    }
  }
  for (const [practice, patients] of Object.entries(LIST_SIZES_13PLUS)) {
    await db.run(
      "INSERT INTO list_size VALUES (DATE '2025-12-01', 'practice', $1, $2 + 200, $2, 'estimated', 'list_size_quinary')",
      [practice, patients],
    );
  }
  await rebuildAreas(db);
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
  const file = path.join(dir, 'events.csv');
  fs.writeFileSync(
    file,
    ['event_id,event_time,event_type,session_id,user_id,practice_code,identity_level,channel', ...lines].join(
      '\n',
    ),
  );
  await ingestEventFile(db, file, { demo: opts.demo ?? false });
  if (opts.demo) {
    await db.run("INSERT OR REPLACE INTO warehouse_meta VALUES ('demo', $1)", [
      JSON.stringify({ scale: 0.5, seed: 42, generatedAt: '2026-11-21T12:00:00Z' }),
    ]);
  }
  const catalogue = loadCatalogue();
  await buildMetrics(db, catalogue, FIXTURE_CLOCK);
  fs.rmSync(dir, { recursive: true, force: true });
  return { db, catalogue, close: () => db.close() };
}
