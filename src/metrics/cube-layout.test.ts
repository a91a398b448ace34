/**
 * How a build lays out the cells it stores (buildSql.storeCells): the recent periods apart from the history,
 * each part in metric, grain, structure, area and period order, so that an incremental build's deletes and
 * reads of recent periods skip the history by its zone maps, and a page's read of one metric still finds it in
 * one range per part.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Warehouse } from '../warehouse/db.ts';
import { migrate } from '../warehouse/migrate.ts';
import * as buildSql from '../warehouse/sql/build.ts';
import { recentFrom } from './build.ts';

let db: Warehouse;

beforeAll(async () => {
  db = await Warehouse.open(':memory:');
  await migrate(db);
});

afterAll(() => db?.close());

describe('the cube layout', () => {
  it('the recent part starts at the week holding the first day of the month two months before the last day', () => {
    // November 2026's last day → 1 September 2026 (a Tuesday) → the week from Monday 31 August.
    expect(recentFrom('2026-11-22')).toBe('2026-08-31');
    expect(recentFrom('2026-11-01')).toBe('2026-08-31');
    // March 2026 → 1 January 2026 (a Thursday) → Monday 29 December 2025.
    expect(recentFrom('2026-03-31')).toBe('2025-12-29');
  });

  it('stores the history first, then the recent periods, each sorted by metric, grain, structure, area, period', async () => {
    await db.run(buildSql.createCellBuild);
    // Cells in a scrambled order: 3 metrics × 2 grains × 2 structures × 3 areas × 6 periods either side of the cut.
    await db.run(`INSERT INTO cell_build
      SELECT s, m, 0, g, DATE '2026-06-01' + INTERVAL (p * 20) DAY, a, m * 1000 + p, NULL
      FROM range(2) t1(s), range(3) t2(m), range(2) t3(g), range(3) t4(a), range(6) t5(p)
      ORDER BY hash(s, m, g, a, p)`);
    const cut = '2026-08-01';
    await db.run(buildSql.storeCells, [cut]);
    const rows = await db.all<{ recent: boolean; k: string }>(
      `SELECT period_start >= DATE '${cut}' AS recent,
              printf('%d|%d|%d|%05d|%s', metric_key, grain, structure, area_key, period_start) AS k
       FROM metric_cell ORDER BY rowid`,
    );
    expect(rows).toHaveLength(2 * 3 * 2 * 3 * 6);
    const firstRecent = rows.findIndex((r) => r.recent);
    expect(firstRecent).toBeGreaterThan(0);
    expect(rows.slice(0, firstRecent).every((r) => !r.recent)).toBe(true);
    expect(rows.slice(firstRecent).every((r) => r.recent)).toBe(true);
    for (const part of [rows.slice(0, firstRecent), rows.slice(firstRecent)]) {
      const keys = part.map((r) => r.k);
      expect(keys).toEqual([...keys].sort());
    }
  });
});
