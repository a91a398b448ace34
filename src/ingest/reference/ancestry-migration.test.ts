/**
 * Migration 0023 fills area_ancestry on a warehouse whose hierarchy was loaded before the closure existed (from
 * its practice_ancestry, area and area_version) exactly as reference ingest (rebuildAreas) writes it now; 0024
 * then drops the practice_ancestry view it left.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Warehouse } from '../../warehouse/db.ts';
import { listMigrations, migrate } from '../../warehouse/migrate.ts';
import { rebuildAreas } from './areas.ts';

// Two releases: P3 moves ICB, P4 closes, P5 opens; PCN N2 spans two sub-ICB locations.
const RELEASES: Record<string, [string, string, string, string, string][]> = {
  '2026-01-01': [
    ['P1', 'N1', 'S1', 'I1', 'R1'],
    ['P2', 'N2', 'S1', 'I1', 'R1'],
    ['P3', 'N2', 'S2', 'I1', 'R1'],
    ['P4', 'N3', 'S3', 'I2', 'R2'],
  ],
  '2026-08-01': [
    ['P1', 'N1', 'S1', 'I1', 'R1'],
    ['P2', 'N2', 'S1', 'I1', 'R1'],
    ['P3', 'N2', 'S2', 'I2', 'R2'],
    ['P5', 'N3', 'S3', 'I2', 'R2'],
  ],
};

async function loadMap(db: Warehouse): Promise<void> {
  for (const [extract, rows] of Object.entries(RELEASES)) {
    for (const [practice, pcn, sub, icb, region] of rows) {
      await db.run(
        `INSERT INTO practice_map VALUES ($1::DATE, $2, 'Practice ' || $2, NULL, $3, 'PCN ' || $3, $4, NULL,
          'Sub-ICB ' || $4, $5, NULL, 'ICB ' || $5, $6, NULL, 'Region ' || $6, 'EMIS')`,
        [extract, practice, pcn, sub, icb, region],
      );
    }
  }
}

const UP_TO_0023 = listMigrations().filter((m) => m.version <= 23);

const CLOSURE = `SELECT structure, CAST(valid_from AS VARCHAR) AS valid_from, area_level, area_code, ancestor_level,
                        ancestor_code, depth FROM area_ancestry ORDER BY ALL`;

describe('migration 0023 (area_ancestry)', () => {
  let now: Warehouse;
  let before: Warehouse;

  beforeAll(async () => {
    now = await Warehouse.open(':memory:');
    await migrate(now);
    await loadMap(now);
    await rebuildAreas(now);
    // A warehouse migrated up to 0022, with the tables reference ingest wrote then.
    before = await Warehouse.open(':memory:');
    await migrate(
      before,
      listMigrations().filter((m) => m.version < 23),
    );
    await loadMap(before);
    for (const table of ['area', 'area_version', 'sub_icb_place']) {
      for (const row of await now.all<Record<string, unknown>>(`SELECT * FROM ${table}`)) {
        const values = Object.values(row);
        await before.run(
          `INSERT INTO ${table} VALUES (${values.map((_, i) => `$${i + 1}`).join(', ')})`,
          values as never[],
        );
      }
    }
    // The practices' rows of the old wide table: each practice's ancestor per level, from the closure.
    for (const row of await now.all<Record<string, unknown>>(
      `SELECT structure, CAST(valid_from AS VARCHAR) AS valid_from, area_code AS practice_code,
              min(ancestor_code) FILTER (WHERE ancestor_level = 'pcn') AS pcn_code,
              min(ancestor_code) FILTER (WHERE ancestor_level = 'sub_icb') AS sub_icb_code,
              min(ancestor_code) FILTER (WHERE ancestor_level = 'icb') AS icb_code,
              min(ancestor_code) FILTER (WHERE ancestor_level = 'region') AS region_code
       FROM area_ancestry WHERE area_level = 'practice' GROUP BY ALL`,
    )) {
      await before.run(
        'INSERT INTO practice_ancestry VALUES ($1, $2::DATE, $3, $4, $5, $6, $7)',
        Object.values(row) as never[],
      );
    }
  });

  afterAll(() => {
    now?.close();
    before?.close();
  });

  it('fills the closure as reference ingest writes it, and leaves practice_ancestry as a view of it', async () => {
    const wide = await before.all('SELECT * FROM practice_ancestry ORDER BY ALL');
    expect(wide).toHaveLength(5 + 1 + 2 * (4 + 1)); // current: 5 practices + UNKNOWN; per release: 4 + UNKNOWN
    expect(await migrate(before, UP_TO_0023)).toEqual([23]);
    const expected = await now.all(CLOSURE);
    expect(expected.length).toBeGreaterThan(100);
    expect(await before.all(CLOSURE)).toEqual(expected);
    expect(await before.all('SELECT * FROM practice_ancestry ORDER BY ALL')).toEqual(wide);
  });

  it('then 0024 drops the practice_ancestry view and keeps the closure', async () => {
    const views = "SELECT count(*) FROM duckdb_views() WHERE view_name = 'practice_ancestry'";
    expect(Number(await before.scalar(views))).toBe(1);
    expect(await migrate(before)).toContain(24);
    expect(Number(await before.scalar(views))).toBe(0);
    expect(await before.all(CLOSURE)).toEqual(await now.all(CLOSURE));
    expect(Number(await now.scalar(views))).toBe(0);
  });
});
