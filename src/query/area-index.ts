/**
 * Today's area structure held in memory, per database and per area model: an area's chain up to England is
 * walked in a map rather than by a recursive query on every page and API answer (5–8 ms a time on the
 * national cube, issue 15.3). Each lookup reads a digest of the area table (querySql.areaModelSignature,
 * 1–3 ms), and the index is read again when it differs: rebuildAreas replaces the table, but a change written
 * any other way (an operator’s fix, a test) is seen as well. A version of the published figures cannot change,
 * so its digest is read once (readOnce). An empty area table has no chains. The index also holds each
 * practice's ancestors (area_ancestry, rebuilt with the area table), from which a data table's or a many-area
 * series' areas are listed (10–14 ms of SQL a time before).
 */
import { AREA_LEVELS, type AreaLevel } from '../domain/areas.ts';
import { buildSearchIndex, type SearchIndex } from '../domain/area-search.ts';
import type { Warehouse } from '../warehouse/db.ts';
import * as querySql from '../warehouse/sql/query.ts';
import { readOnce } from '../warehouse/unchanging.ts';

export interface ChainRow {
  level: AreaLevel;
  code: string;
  ons_code: string | null;
  name: string;
  parent_level: AreaLevel | null;
  parent_code: string | null;
  postcode: string | null;
  supplier_name: string | null;
  first_extract: string | null;
  last_extract: string | null;
  is_current: boolean;
  place_name: string | null;
}

interface AreaIndex {
  signature: string;
  /** The areas and places keyed for searching, made at the first search. */
  search?: Promise<SearchIndex>;
  byKey: Map<string, ChainRow>;
  /** Each practice's ancestors on today's structure, by level (itself included). */
  practiceAncestors: Map<string, Map<AreaLevel, string>>;
  /** The practices each practice-map release lists, by extract date (YYYY-MM-DD), in date order. */
  releases: Map<string, Set<string>>;
}

/** As the recursive query: at most this many levels above the area (a cycle in bad data cannot loop). */
const MAX_DEPTH = 10;

const indexes = new WeakMap<Warehouse, Promise<AreaIndex>>();
const keyOf = (level: string, code: string) => `${level}|${code}`;

async function indexFor(db: Warehouse, signature: string): Promise<AreaIndex> {
  const held = indexes.get(db);
  if (held) {
    const index = await held.catch(() => null);
    if (index && index.signature === signature) return index;
  }
  const read = (async () => {
    const rows = await db.all<ChainRow>(querySql.areaIndex);
    const practiceAncestors = new Map<string, Map<AreaLevel, string>>();
    for (const r of await db.all(querySql.practiceAncestors)) {
      let up = practiceAncestors.get(r.practice);
      if (!up) practiceAncestors.set(r.practice, (up = new Map()));
      up.set(r.level, r.code);
    }
    const releases = new Map<string, Set<string>>();
    const listed = await db.all(querySql.releasePractices);
    for (const date of [...new Set(listed.map((r) => r.extract_date))].sort()) releases.set(date, new Set());
    for (const r of listed) releases.get(r.extract_date)!.add(r.practice);
    return {
      signature,
      byKey: new Map(rows.map((r) => [keyOf(r.level, r.code), r])),
      practiceAncestors,
      releases,
    };
  })();
  indexes.set(db, read);
  // A failed read is not kept.
  read.catch(() => {
    if (indexes.get(db) === read) indexes.delete(db);
  });
  return read;
}

/** The area table's index as it is now (read again when its digest changed); null when the table is empty. */
async function currentIndex(db: Warehouse): Promise<AreaIndex | null> {
  const signature = await readOnce(
    db,
    'area signature',
    async () => (await db.scalar<string>(querySql.areaModelSignature))!,
  );
  return signature.startsWith('0:') ? null : indexFor(db, signature);
}

/**
 * Every area and sub-ICB place keyed for searching (src/domain/area-search.ts), made once per version of the
 * area table; null when the table is empty.
 */
export async function areaSearchIndex(db: Warehouse): Promise<SearchIndex | null> {
  const index = await currentIndex(db);
  if (!index) return null;
  if (!index.search) {
    const made = (async () => {
      const places = await db.all(querySql.searchPlaces);
      return buildSearchIndex(
        [...index.byKey.values()].map((r) => ({
          level: r.level,
          code: r.code,
          onsCode: r.ons_code,
          name: r.name,
          placeName: r.place_name,
          postcode: r.postcode,
          isCurrent: r.is_current,
          parentLevel: r.parent_level,
          parentCode: r.parent_code,
        })),
        places.map((p) => ({
          subIcbCode: p.sub_icb_code,
          placeName: p.place_name,
          ccgName: p.ccg_name,
          localAuthorities: p.local_authorities,
        })),
      );
    })();
    index.search = made;
    // A failed read is not kept.
    made.catch(() => {
      if (index.search === made) delete index.search;
    });
  }
  return index.search;
}

/**
 * The codes at `level` of the practices within an area on today's structure (every practice within England),
 * from each practice's own ancestors.
 */
function codesWithin(
  practiceAncestors: AreaIndex['practiceAncestors'],
  level: AreaLevel,
  within: { level: AreaLevel; code: string },
): Set<string> {
  const codes = new Set<string>();
  for (const up of practiceAncestors.values()) {
    if (within.level !== 'england' && up.get(within.level) !== within.code) continue;
    const code = up.get(level);
    if (code !== undefined) codes.add(code);
  }
  return codes;
}

/**
 * One area on today's structure and every area above it, England first and the area itself last; no rows
 * when there is no such area (the rows of querySql.areaChain, the recursive query it stands for).
 */
export async function areaChainRows(db: Warehouse, level: AreaLevel, code: string): Promise<ChainRow[]> {
  const index = await currentIndex(db);
  if (!index) return [];
  const { byKey } = index;
  const chain: ChainRow[] = [];
  let row = byKey.get(keyOf(level, code));
  for (let depth = 0; row && depth <= MAX_DEPTH; depth++) {
    chain.push(row);
    row =
      row.parent_level && row.parent_code ? byKey.get(keyOf(row.parent_level, row.parent_code)) : undefined;
  }
  return chain.reverse();
}

/**
 * The area with this ODS code at any level, the highest level first (codes of different levels do not
 * collide; if one ever did, the highest wins); Unknown is not an area to find. Null when there is none (the
 * row of querySql.dataTableFindArea, the query it stands for).
 */
export async function areaByCode(db: Warehouse, code: string): Promise<ChainRow | null> {
  if (code === 'UNKNOWN') return null;
  const index = await currentIndex(db);
  if (!index) return null;
  const { byKey } = index;
  for (const level of AREA_LEVELS) {
    const row = byKey.get(keyOf(level, code));
    if (row) return row;
  }
  return null;
}

/** A selection of areas (the data table's and the series of many areas'): a level, within an area or not. */
export interface AreaSelection {
  level: AreaLevel;
  /** null: every open area of the level (and every practice, closed ones keep their history). */
  within: { level: AreaLevel; code: string } | null;
}

/** Unknown last, then by name as labelled (sub-ICB locations by place name, ADR 0028), name and code. */
function tableOrder(a: ChainRow, b: ChainRow): number {
  const unknown = Number(a.code === 'UNKNOWN') - Number(b.code === 'UNKNOWN');
  if (unknown !== 0) return unknown;
  for (const [x, y] of [
    [a.place_name ?? a.name, b.place_name ?? b.name],
    [a.name, b.name],
    [a.code, b.code],
  ] as const) {
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/**
 * The areas of a selection in the data table's order (the rows of querySql.dataTableAreas, the query it
 * stands for): without an area, every open area of the level and every practice; within an area at the
 * level, that area; within a higher one, the areas of the level its practices belong to.
 */
export async function areasOfSelection(db: Warehouse, sel: AreaSelection): Promise<ChainRow[]> {
  const index = await currentIndex(db);
  if (!index) return [];
  const { byKey, practiceAncestors } = index;
  const { level, within } = sel;
  let rows: ChainRow[];
  if (!within) {
    rows = [...byKey.values()].filter((r) => r.level === level && (r.is_current || level === 'practice'));
  } else if (within.level === level) {
    const row = byKey.get(keyOf(level, within.code));
    rows = row ? [row] : [];
  } else {
    rows = [];
    for (const code of codesWithin(practiceAncestors, level, within)) {
      const row = byKey.get(keyOf(level, code));
      if (row) rows.push(row);
    }
  }
  return rows.sort(tableOrder);
}

/** A member of a ranking: an area of the ranked level within the area ranked in (querySql.rankingMembers). */
export interface RankingMember {
  code: string;
  name: string;
  place_name: string | null;
  ons_code: string | null;
  is_current: boolean;
  first_extract: string | null;
  last_extract: string | null;
  /** The practice-map release in force for the period (the latest on or before it, else the first). */
  release_date: string | null;
  /** Whether that release lists the member (a practice open in the period). */
  in_release: boolean;
}

/**
 * The members of a ranking on today's structure, by code (the rows of querySql.rankingMembers for structure
 * 'current', the query it stands for): the areas of `level` that the practices within the area belong to
 * (every practice for England), Unknown never; none within a practice or when ranking England.
 */
export async function currentMembers(
  db: Warehouse,
  periodStart: string,
  level: AreaLevel,
  within: { level: AreaLevel; code: string },
): Promise<RankingMember[]> {
  if (level === 'england' || within.level === 'practice') return [];
  const index = await currentIndex(db);
  if (!index) return [];
  const { byKey, practiceAncestors, releases } = index;
  const codes = codesWithin(practiceAncestors, level, within);
  codes.delete('UNKNOWN');
  const dates = [...releases.keys()];
  const releaseDate = dates.filter((d) => d <= periodStart).pop() ?? dates[0] ?? null;
  const listed = releaseDate === null ? undefined : releases.get(releaseDate);
  return [...codes]
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((code) => {
      const a = byKey.get(keyOf(level, code));
      return {
        code,
        name: a?.name ?? code,
        place_name: a?.place_name ?? null,
        ons_code: a?.ons_code ?? null,
        is_current: a?.is_current ?? false,
        first_extract: a?.first_extract ?? null,
        last_extract: a?.last_extract ?? null,
        release_date: releaseDate,
        in_release: listed?.has(code) ?? false,
      };
    });
}
