import { AREA_LEVELS, type AreaLevel } from '../domain/areas.ts';
import type { Warehouse } from '../warehouse/db.ts';
import * as querySql from '../warehouse/sql/query.ts';

export interface CellCount {
  structure: 'current' | 'as_recorded';
  grain: 'week' | 'month';
  level: AreaLevel;
  cells: number;
  first: string;
  last: string;
}

/**
 * The stored cells of one metric per structure, grain and level (`metrics explain`): from the cube, or for
 * the 13+ denominators from area_denominator. Ordered today's structure first, months before weeks, top level first.
 */
export async function getCellCounts(
  db: Warehouse,
  metricId: string,
  table: 'metric_cell' | 'area_den_cell',
): Promise<CellCount[]> {
  const rows = await db.all<{
    structure: CellCount['structure'];
    grain: CellCount['grain'];
    area_level: AreaLevel;
    cells: number | bigint;
    first: string;
    last: string;
  }>(
    table === 'metric_cell' ? querySql.metricCellCounts : querySql.denominatorCellCounts,
    table === 'metric_cell' ? [metricId] : [],
  );
  return rows
    .map((r) => ({
      structure: r.structure,
      grain: r.grain,
      level: r.area_level,
      cells: Number(r.cells),
      first: String(r.first),
      last: String(r.last),
    }))
    .sort(
      (a, b) =>
        b.structure.localeCompare(a.structure) ||
        b.grain.localeCompare(a.grain) ||
        AREA_LEVELS.indexOf(a.level) - AREA_LEVELS.indexOf(b.level),
    );
}
