/**
 * Tests only: a small real warehouse built through the real path (practice-map rows, list sizes, area
 * rebuild, a CSV of canonical events through ingest, the metric build), for the API, cache and peers tests.
 *
 * Geography: 14 practices in 2 regions; ICBs QA1 and QA2 merge into QA9 in August 2026; practice P00014
 * closes in June; P00013 has no list size (left out of rates). Events run from 1 January to 15 November
 * 2026 (so November is partial); the warehouse is marked as demo data at scale 0.5, so rates compare with
 * half the patients.
 */
import { fixedClock } from '../../src/domain/clock.ts';
import type { MetricDefinition } from '../../src/domain/metric-definition.ts';
import type { Warehouse } from '../../src/warehouse/db.ts';
import { buildWarehouse, EVENT_HEADER, fromCodes, rng, type CodesRow } from './warehouse-builder.ts';

type Row = CodesRow;

function practices(icbFor: (i: number) => string): Row[] {
  const rows: Row[] = [];
  for (let i = 1; i <= 14; i++) {
    const code = `P${String(i).padStart(5, '0')}`;
    const pcn = `U0000${Math.ceil(i / 3)}`;
    const sub = ['00A', '00A', '00B', '00C', '00T'][Math.ceil(i / 3) - 1]!;
    const region = i <= 9 ? 'Y56' : 'Y58';
    rows.push([code, `LS${i} 1AA`, pcn, sub, icbFor(i), region]);
  }
  return rows;
}

export const TEST_RELEASES: Record<string, Row[]> = {
  '2026-01-01': practices((i) => (i <= 3 ? 'QA1' : i <= 9 ? 'QA2' : 'QA3')),
  '2026-08-01': practices((i) => (i <= 9 ? 'QA9' : 'QA3')).filter(([p]) => p !== 'P00014'),
};

export const TEST_DEMO_SCALE = 0.5;
export const TEST_CLOCK = fixedClock('2026-11-21T12:00:00Z');

export interface TestWarehouse {
  db: Warehouse;
  catalogue: MetricDefinition[];
  dir: string;
  /** Loads more events (one more login per practice on the given day) and rebuilds: a new data version. */
  addEvents(day: string): Promise<void>;
  close(): void;
}

export async function buildTestWarehouse(): Promise<TestWarehouse> {
  const listSizes: Record<string, number> = {};
  for (let i = 1; i <= 14; i++) if (i !== 13) listSizes[`P${String(i).padStart(5, '0')}`] = 200 + i * 97;

  const r = rng(11);
  const start = Date.parse('2026-01-01T00:00:00Z');
  const span = Date.parse('2026-11-15T23:00:00Z') - start;
  const types = ['login', 'login', 'login', 'registration', 'prescription_ordered', 'appointment_booked'];
  const lines: string[] = [];
  for (let i = 0; i < 5000; i++) {
    const time = new Date(start + Math.floor(r() * span)).toISOString();
    // Uneven practice sizes (skewed towards low numbers), plus Unknown and an unrecognised code.
    const pick = Math.floor(r() * r() * 16);
    let practice = pick < 14 ? `P${String(pick + 1).padStart(5, '0')}` : pick === 14 ? '' : 'ZZZ999';
    if (practice === 'P00014' && time >= '2026-06-30T23:00:00Z') practice = 'P00001';
    const type = types[Math.floor(r() * types.length)]!;
    const user = `u${Math.floor(r() * 400)}`;
    // How registrants were verified (from the index, so the random stream is unchanged).
    const route = type === 'registration' ? (['IDVM', 'PYI', 'POL'] as const)[i % 3] : '';
    lines.push([`e${i}`, time, type, `s${i}`, user, practice, 'P9', 'ios', route].join(','));
  }
  const built = await buildWarehouse({
    practices: Object.entries(TEST_RELEASES).flatMap(([extract, rows]) =>
      rows.map((row) => fromCodes(extract, row)),
    ),
    listSizes13plus: listSizes,
    events: { header: `${EVENT_HEADER},p9_route`, lines },
    clock: TEST_CLOCK,
    demoMeta: { scale: TEST_DEMO_SCALE, seed: 1, generatedAt: '2026-11-21T12:00:00.000Z' },
  });

  let extra = 0;
  return {
    db: built.db,
    catalogue: built.catalogue,
    dir: built.dir,
    async addEvents(day: string) {
      extra += 1;
      await built.addEventLines(
        TEST_RELEASES['2026-08-01']!.map(
          ([p], i) => `x${extra}-${i},${day}T12:00:00Z,login,xs${extra}-${i},xu${i},${p},P9,web,`,
        ),
      );
    },
    close: () => built.close(),
  };
}
