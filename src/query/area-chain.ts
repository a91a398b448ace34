/**
 * An area and the areas above it, as every page, answer and ranking names them (read through the area index,
 * src/query/area-index.ts).
 */
import type { AreaLevel } from '../domain/areas.ts';
import type { Warehouse } from '../warehouse/db.ts';
import { areaChainRows, type ChainRow } from './area-index.ts';
import type { AreaDetail, AreaRef } from './types.ts';

/** An area's reference alone, as answers name it, from its details (the details left behind). */
export function areaRefOf(area: AreaRef): AreaRef {
  return {
    level: area.level,
    code: area.code,
    name: area.name,
    placeName: area.placeName ?? null,
    isCurrent: area.isCurrent,
  };
}

function ref(r: ChainRow): AreaRef {
  return { level: r.level, code: r.code, name: r.name, isCurrent: r.is_current, placeName: r.place_name };
}

/** The area and the areas above it (England first), or null when there is no such area. */
export async function getAreaChain(
  db: Warehouse,
  level: AreaLevel,
  code: string,
): Promise<{ area: AreaDetail; ancestors: AreaRef[] } | null> {
  const rows = await areaChainRows(db, level, code);
  const self = rows[rows.length - 1];
  if (!self || self.level !== level || self.code !== code) return null;
  return {
    area: {
      ...ref(self),
      onsCode: self.ons_code,
      parentLevel: self.parent_level,
      parentCode: self.parent_code,
      postcode: self.postcode,
      supplierName: self.supplier_name,
      firstExtract: self.first_extract,
      lastExtract: self.last_extract,
    },
    ancestors: rows.slice(0, -1).map(ref),
  };
}
