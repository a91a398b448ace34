/**
 * Test kit for the map: a small real warehouse on real NHS codes (so areas match the shipped boundaries),
 * with events loaded through the ingest path and the cube built, plus the raw events for brute-force checks.
 *
 * Geography (one practice map, August 2026): North East and Yorkshire (Y63) → QHM → 16C with P00001 and
 * P00002; London (Y56) → Z9B2Z → 93C with P00003 (no list size, so London has no rates); South West (Y58) →
 * QJK → 15N with P00004, and a made-up ICB QZZ9 → sub-ICB ZZ9 with P00005 (no boundary exists for them).
 */
import { fixedClock } from '../../src/domain/clock.ts';
import { londonDate } from '../../src/domain/periods.ts';
import type { MetricDefinition } from '../../src/domain/metric-definition.ts';
import type { Warehouse } from '../../src/warehouse/db.ts';
import { buildWarehouse, EVENT_HEADER, rng } from './warehouse-builder.ts';

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

export const TEST_CLOCK = fixedClock('2026-11-21T12:00:00Z');

/** Builds the warehouse (in memory): about two seconds. */
export async function mapTestWarehouse(): Promise<MapTestWarehouse> {
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
  const built = await buildWarehouse({
    practices: PLACES.map((p) => ({
      extract: '2026-08-01',
      practice: p.practice,
      postcode: 'LS1 4AP',
      pcn: `U${p.practice}`,
      pcnName: `PCN ${p.practice}`,
      subIcb: p.subIcb,
      icb: p.icb,
      region: p.region,
    })),
    listSizes13plus: LIST_SIZES_13PLUS,
    events: { header: EVENT_HEADER, lines },
    clock: TEST_CLOCK,
  });
  return { db: built.db, catalogue: built.catalogue, events, close: () => built.close() };
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
