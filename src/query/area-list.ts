/** The area lists (API /areas, pickers): an area level, optionally under an area above it. */
import { parentLevel, type AreaLevel } from '../domain/areas.ts';
import type { Warehouse } from '../warehouse/db.ts';
import * as querySql from '../warehouse/sql/query.ts';
import type { AreaListItem } from './types.ts';

function item(r: querySql.AreaListRow & { code: string }): AreaListItem {
  return {
    code: r.code,
    onsCode: r.ons_code,
    name: r.name,
    placeName: r.place_name,
    level: r.level,
    parentCode: r.parent_code,
    parentLevel: r.parent_level,
    isCurrent: r.is_current,
  };
}

/**
 * Areas at `level` on today's structure, optionally only those under `parent` (the code of its direct
 * parent, or of any area above the level by ODS or ONS code: issue 11). Null when no such parent exists.
 */
export async function listAreas(
  db: Warehouse,
  opts: { level: AreaLevel; parent?: string },
): Promise<AreaListItem[] | null> {
  if (opts.parent !== undefined) {
    const pLevel = parentLevel(opts.level);
    const found = pLevel ? await db.one(querySql.findArea, [pLevel, opts.parent]) : undefined;
    if (!found) return listAreasUnder(db, opts.level, opts.parent);
  }
  return (await db.all(querySql.listAreas, [opts.level, opts.parent ?? null])).map(item);
}

/**
 * The areas of `level` under the area with code `ancestor` (ODS or ONS) at any level above it, on today's
 * structure, by name; null when no area above `level` has that code.
 */
async function listAreasUnder(
  db: Warehouse,
  level: AreaLevel,
  ancestor: string,
): Promise<AreaListItem[] | null> {
  const rows = await db.all(querySql.areasUnder, [level, ancestor]);
  if (!rows[0]?.found) return null;
  return rows.filter((r): r is typeof r & { code: string } => r.code !== null).map(item);
}
