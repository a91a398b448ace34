/**
 * The area model, rebuilt from every practice-map release (see the SQL files under
 * src/warehouse/sql/reference.ts for the exact rules):
 *
 * - area_version: every area at every level in every release, as recorded then (plus England and Unknown).
 * - area: today's structure. Areas of the latest release are current, with their latest details. Areas seen only
 *   in older releases (closed practices, merged ICBs) are kept, not current, with their last known details and
 *   their last known parent (itself kept by the same rule), so a closed practice whose PCN still exists sits under
 *   that PCN. Root England (E92000001); an Unknown chain (code UNKNOWN at every level) under England.
 * - area_ancestry (ADR 0040): every area at every level with each of its ancestors, itself included (depth 0) up
 *   to England: 'current' (valid from 0001-01-01) on today's structure, for every area current or closed;
 *   'as_recorded' per release (valid from its extract date), the parents recorded then.
 *
 * PCNs do not nest strictly in sub-ICB locations in NHS data (a few PCNs span two or three, and the unallocated
 * PCN `U` spans dozens): a PCN's `area.parent_code` is the sub-ICB location holding most of its practices, while
 * a practice's rows in area_ancestry keep its own sub-ICB location. Roll figures up with a practice's ancestors.
 */
import type { Warehouse } from '../../warehouse/db.ts';
import { readSubIcbPlaces, storeSubIcbPlaces, subIcbPlacesSignature } from './place-names.ts';
import * as referenceSql from '../../warehouse/sql/reference.ts';

/** warehouse_meta key holding the practice-map releases the area model was last built from. */
export const AREAS_SOURCE_META_KEY = 'reference.areas_source';

/**
 * Recomputes area, area_version and area_ancestry from all practice_map releases, and sub_icb_place from the
 * shipped place-name file, in one transaction.
 */
export async function rebuildAreas(db: Warehouse): Promise<void> {
  const places = await readSubIcbPlaces();
  const placesSignature = await subIcbPlacesSignature();
  await db.transaction(async (tx) => {
    await storeSubIcbPlaces(tx, places);
    await tx.run('DELETE FROM area_version');
    await tx.run(referenceSql.areaVersionInsert);
    await tx.run('DELETE FROM area');
    await tx.run(referenceSql.areaInsertRoot);
    await tx.run(referenceSql.areaInsertFromVersions);
    await tx.run('DELETE FROM area_ancestry');
    await tx.run(referenceSql.areaAncestryInsertCurrent);
    await tx.run(referenceSql.areaAncestryInsertAsRecorded);
    const signature = (await tx.scalar<string>(referenceSql.areasSourceSignature)) ?? '';
    await tx.run(referenceSql.metaSet, [AREAS_SOURCE_META_KEY, `${signature};places:${placesSignature}`]);
  });
}

/**
 * True when the area model is missing or was built from other practice-map releases than those loaded now, or
 * from another place-name file than the one shipped.
 */
export async function areasNeedRebuild(db: Warehouse): Promise<boolean> {
  const areas = (await db.scalar<number>('SELECT count(*) AS n FROM area')) ?? 0;
  if (areas === 0) return true;
  const signature = (await db.scalar<string>(referenceSql.areasSourceSignature)) ?? '';
  const built = await db.scalar<string>(referenceSql.metaGet, [AREAS_SOURCE_META_KEY]);
  return built !== `${signature};places:${await subIcbPlacesSignature()}`;
}
