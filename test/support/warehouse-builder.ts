/**
 * Tests only: the one builder of small real warehouses (issue 9). Every test warehouse is made the way
 * production makes one — practice-map rows and list sizes, the area rebuild, a CSV of canonical events through
 * the real ingest, then the metric build — and differs only in the data it is given (small-warehouse.ts,
 * api-warehouse.ts and map-warehouse.ts are such data sets).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Clock } from '../../src/domain/clock.ts';
import type { MetricDefinition } from '../../src/domain/metric-definition.ts';
import { ingestEventFile } from '../../src/ingest/events.ts';
import { rebuildAreas } from '../../src/ingest/reference/areas.ts';
import { buildMetrics } from '../../src/metrics/build.ts';
import { loadCatalogue } from '../../src/metrics/catalogue.ts';
import { Warehouse } from '../../src/warehouse/db.ts';
import { migrate } from '../../src/warehouse/migrate.ts';
import * as buildSql from '../../src/warehouse/sql/build.ts';

/** A seeded random stream (mulberry32): the same data set on every run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One practice in one practice-map release (the columns of `practice_map`). */
export interface PracticeMapRow {
  /** The release's extract date, YYYY-MM-DD. */
  extract: string;
  practice: string;
  postcode: string;
  pcn: string;
  /** Defaults to "PCN <code>". */
  pcnName?: string;
  subIcb: [code: string, ons: string | null, name: string];
  icb: [code: string, ons: string | null, name: string];
  region: [code: string, ons: string | null, name: string];
  /** GP system supplier; EMIS unless given. */
  supplier?: string;
}

/** The short form most data sets use: codes only, names made from them ("ICB QA1"), no ONS codes. */
export type CodesRow = [
  practice: string,
  postcode: string,
  pcn: string,
  subIcb: string,
  icb: string,
  region: string,
];

export function fromCodes(
  extract: string,
  [practice, postcode, pcn, sub, icb, region]: CodesRow,
): PracticeMapRow {
  return {
    extract,
    practice,
    postcode,
    pcn,
    subIcb: [sub, null, `Sub-ICB ${sub}`],
    icb: [icb, null, `ICB ${icb}`],
    region: [region, null, `Region ${region}`],
  };
}

/** Canonical event columns every data set writes; a data set may add optional ones (e.g. p9_route). */
export const EVENT_HEADER =
  'event_id,event_time,event_type,session_id,user_id,practice_code,identity_level,channel';

export interface WarehouseSpec {
  practices: PracticeMapRow[];
  /** Patients aged 13+ by practice at 1 December 2025 (all ages: 200 more); practices left out have none. */
  listSizes13plus: Record<string, number>;
  /** The events file: its header and its lines. */
  events: { header: string; lines: string[] };
  clock: Clock;
  /** Load the events as demo data (ingest's demo flag). */
  demoEvents?: boolean;
  /** The `demo` row of warehouse_meta (shown as "synthetic data", and the scale rates use). */
  demoMeta?: { scale: number; seed: number; generatedAt: string };
  /** Loads anything else (e.g. a feed file through its importer) before the build; `dir` is for its files. */
  beforeBuild?: (db: Warehouse, dir: string) => Promise<void>;
}

export interface BuiltWarehouse {
  db: Warehouse;
  catalogue: MetricDefinition[];
  /** A temporary folder for this warehouse's files, removed by close(). */
  dir: string;
  /** Loads more event lines (same header) through ingest and rebuilds the cube: a new data version. */
  addEventLines(lines: string[]): Promise<void>;
  close(): void;
}

export async function buildWarehouse(spec: WarehouseSpec): Promise<BuiltWarehouse> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'test-warehouse-'));
  const db = await Warehouse.open(':memory:');
  await migrate(db);
  for (const p of spec.practices) {
    await db.run(
      `INSERT INTO practice_map VALUES ($1::DATE, $2, 'Practice ' || $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,
        $12, $13, $14, $15)`,
      [
        p.extract,
        p.practice,
        p.postcode,
        p.pcn,
        p.pcnName ?? `PCN ${p.pcn}`,
        ...p.subIcb,
        ...p.icb,
        ...p.region,
        p.supplier ?? 'EMIS',
      ],
    );
  }
  for (const [practice, patients] of Object.entries(spec.listSizes13plus)) {
    await db.run(
      "INSERT INTO list_size VALUES (DATE '2025-12-01', 'practice', $1, $2 + 200, $2, 'estimated', 'list_size_quinary')",
      [practice, patients],
    );
  }
  await rebuildAreas(db);

  let files = 0;
  const ingestLines = async (lines: string[]) => {
    files += 1;
    const file = path.join(dir, `events-${files}.csv`);
    fs.writeFileSync(file, [spec.events.header, ...lines].join('\n'));
    const loaded = await ingestEventFile(db, file, { demo: spec.demoEvents ?? false });
    if (loaded.rowsRejected !== 0) throw new Error(`${loaded.rowsRejected} test events rejected`);
  };
  await ingestLines(spec.events.lines);
  if (spec.demoMeta) await db.run(buildSql.setMeta, ['demo', JSON.stringify(spec.demoMeta)]);
  await spec.beforeBuild?.(db, dir);
  const catalogue = loadCatalogue();
  await buildMetrics(db, catalogue, spec.clock);
  return {
    db,
    catalogue,
    dir,
    async addEventLines(lines) {
      await ingestLines(lines);
      await buildMetrics(db, catalogue, spec.clock);
    },
    close() {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
