/**
 * Test kit for the map: a small real warehouse on real NHS codes (so areas match the shipped boundaries),
 * with events loaded through the ingest path and the cube built, plus the raw events for brute-force checks.
 *
 * Geography (one practice map, August 2026): North East and Yorkshire (Y63) → QHM → 16C with P00001 and
 * P00002; London (Y56) → Z9B2Z → 93C with P00003 (no list size, so London has no rates); South West (Y58) →
 * QJK → 15N with P00004, and a made-up ICB QZZ9 → sub-ICB ZZ9 with P00005 (no boundary exists for them).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fixedClock } from '../../src/domain/clock.ts';
import { londonDate } from '../../src/domain/periods.ts';
import type { MetricDefinition } from '../../src/domain/metric-definition.ts';
import { ingestEventFile } from '../../src/ingest/events.ts';
import { rebuildAreas } from '../../src/ingest/reference/areas.ts';
import { buildMetrics } from '../../src/metrics/build.ts';
import { loadCatalogue } from '../../src/metrics/catalogue.ts';
import { Warehouse } from '../../src/warehouse/db.ts';
import { migrate } from '../../src/warehouse/migrate.ts';

type Place = {
  practice: string;
  subIcb: [code: string, ons: string | null, name: string];
  icb: [code: string, ons: string | null, name: string];
  region: [code: string, ons: string | null, name: string];
};

const NENC: Place['region'] = ['Y63', 'E40000012', 'North East and Yorkshire'];
const LONDON: Place['region'] = ['Y56', 'E40000003', 'London'];
const SOUTH_WEST: Place['region'] = ['Y58', 'E40000006', 'South West'];

export const PLACES: Place[] = [
  {
    practice: 'P00001',
    subIcb: ['16C', 'E38000247', 'NHS North East and North Cumbria ICB - 16C'],
    icb: ['QHM', 'E54000050', 'NHS North East and North Cumbria Integrated Care Board'],
    region: NENC,
  },
  {
    practice: 'P00002',
    subIcb: ['16C', 'E38000247', 'NHS North East and North Cumbria ICB - 16C'],
    icb: ['QHM', 'E54000050', 'NHS North East and North Cumbria Integrated Care Board'],
    region: NENC,
  },
  {
    practice: 'P00003',
    subIcb: ['93C', 'E38000240', 'NHS West and North London ICB - 93C'],
    icb: ['Z9B2Z', 'E54000071', 'NHS West and North London Integrated Care Board'],
    region: LONDON,
  },
  {
    practice: 'P00004',
    subIcb: ['15N', 'E38000230', 'NHS Devon ICB - 15N'],
    icb: ['QJK', 'E54000037', 'NHS Devon Integrated Care Board'],
    region: SOUTH_WEST,
  },
  {
    practice: 'P00005',
    subIcb: ['ZZ9', null, 'Made-up sub-ICB location ZZ9'],
    icb: ['QZZ9', null, 'Made-up Integrated Care Board QZZ9'],
    region: SOUTH_WEST,
  },
];

/** 13+ list sizes; P00003 has none. */
export const LIST_SIZES_13PLUS: Record<string, number> = {
  P00001: 1000,
  P00002: 500,
  P00004: 800,
  P00005: 200,
};

export interface RawEvent {
  time: string;
  type: string;
  user: string;
  practice: string;
}

export interface MapTestWarehouse {
  db: Warehouse;
  catalogue: MetricDefinition[];
  events: RawEvent[];
  close(): void;
}

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

export const TEST_CLOCK = fixedClock('2026-11-21T12:00:00Z');

/** Builds the warehouse (in memory): about two seconds. */
export async function mapTestWarehouse(): Promise<MapTestWarehouse> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'map-test-'));
  const db = await Warehouse.open(':memory:');
  await migrate(db);
  for (const p of PLACES) {
    await db.run(
      `INSERT INTO practice_map VALUES (DATE '2026-08-01', $1, 'Practice ' || $1, 'LS1 4AP', 'U' || $1,
        'PCN ' || $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'EMIS')`,
      [p.practice, ...p.subIcb, ...p.icb, ...p.region],
    );
  }
  for (const [practice, patients] of Object.entries(LIST_SIZES_13PLUS)) {
    await db.run(
      "INSERT INTO list_size VALUES (DATE '2025-12-01', 'practice', $1, $2 + 200, $2, 'estimated', 'list_size_quinary')",
      [practice, patients],
    );
  }
  await rebuildAreas(db);

  // Events from 1 June to 15 November 2026 (a Sunday), with distinct times; a few with no or an
  // unrecognised practice (Unknown). P00005 (ZZ9, QZZ9) has no activity before October (zeros, not "no data").
  const practices = [...PLACES.map((p) => p.practice), 'ZZZ999', ''];
  const types = ['login', 'login', 'login', 'registration', 'prescription_ordered'];
  const r = rng(11);
  const start = Date.parse('2026-06-01T00:00:00Z');
  const span = Date.parse('2026-11-15T22:00:00Z') - start;
  const events: RawEvent[] = [];
  const lines: string[] = [];
  const seen = new Set<number>();
  for (let i = 0; i < 3000; i++) {
    let ms = start + Math.floor(r() * span);
    while (seen.has(ms)) ms++;
    seen.add(ms);
    const time = new Date(ms).toISOString();
    let practice = practices[Math.floor(r() * practices.length)]!;
    if (practice === 'P00005' && time < '2026-09-30T23:00:00Z') practice = 'P00004';
    const type = types[Math.floor(r() * types.length)]!;
    const user = `u${Math.floor(r() * 250)}`;
    events.push({ time, type, user, practice });
    lines.push([`e${i}`, time, type, `s${i}`, user, practice, 'P9', 'ios'].join(','));
  }
  const file = path.join(dir, 'events.csv');
  fs.writeFileSync(
    file,
    ['event_id,event_time,event_type,session_id,user_id,practice_code,identity_level,channel', ...lines].join(
      '\n',
    ),
  );
  const loaded = await ingestEventFile(db, file);
  if (loaded.rowsRejected !== 0) throw new Error(`${loaded.rowsRejected} test events rejected`);
  const catalogue = loadCatalogue();
  await buildMetrics(db, catalogue, TEST_CLOCK);
  return {
    db,
    catalogue,
    events,
    close() {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The Europe/London month ('YYYY-MM') of an instant. */
export function londonMonth(iso: string): string {
  return londonDate(iso).slice(0, 7);
}

/** Each practice's areas by level. */
export function ancestors(practice: string): Record<'region' | 'icb' | 'sub_icb', string> | null {
  const p = PLACES.find((x) => x.practice === practice);
  return p ? { region: p.region[0], icb: p.icb[0], sub_icb: p.subIcb[0] } : null;
}
