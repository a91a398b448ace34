/**
 * Finding areas by name, ODS or ONS code, or practice postcode, across every level of today's structure
 * (closed areas included, after open ones).
 */
import { areaLabel } from '../domain/areas.ts';
import {
  compactCode,
  nameKey,
  searchIndex,
  type SearchIndex,
  type SearchTerms,
} from '../domain/area-search.ts';
import { suggestSpelling } from '../domain/spelling.ts';
import { areaSearchIndex } from './area-index.ts';
import type { Warehouse } from '../warehouse/db.ts';
import type { AreaSearchResults } from './types.ts';
import * as querySql from '../warehouse/sql/query.ts';

/** Longest search accepted (characters, after tidying). */
export const MAX_SEARCH_LENGTH = 100;
/** Most results returned. */
export const MAX_SEARCH_RESULTS = 50;

/**
 * The search text as matched: control characters removed, runs of white space made one space, trimmed.
 * Returns '' when nothing is left.
 */
export function normaliseSearch(text: string): string {
  return text
    .replace(/\p{Cc}|\p{Cf}/gu, ' ')
    .replace(/\s+/gu, ' ')
    .trim();
}

export { compactCode, nameKey } from '../domain/area-search.ts';

/** UK postcode (full, "LS1 4AP") or its outward part alone ("LS1"): the outward code, upper case; else null. */
export function outwardCode(text: string): string | null {
  const c = compactCode(text);
  const full = /^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$/.exec(c);
  if (full) return full[1]!;
  return /^[A-Z]{1,2}[0-9][A-Z0-9]?$/.test(c) ? c : null;
}

/** The outward code when the text is one and nothing more ("ls1" → "LS1"; "LS1 4AP" → null); else null. */
export function outwardAlone(text: string): string | null {
  const outward = outwardCode(text);
  return outward !== null && outward === compactCode(text) ? outward : null;
}

/**
 * Words a search may hold that say what kind of area is wanted, or join words, rather than name one: left out
 * of the words each matched name must hold ("London region", "Leeds GP", "Kent & Medway").
 */
export const SEARCH_FILLER_WORDS: ReadonlySet<string> = new Set([
  'and',
  'the',
  'of',
  'nhs',
  'region',
  'regions',
  'icb',
  'icbs',
  'ccg',
  'ccgs',
  'pcn',
  'pcns',
  'gp',
  'gps',
  'practice',
  'practices',
  'surgery',
]);

/**
 * The words of a search (its name key's), each of which a matched name must hold at the start of one of its
 * words, in any order; filler words are left out unless nothing else is left. Null when that would match
 * nothing more than the search as one piece of text does (a single word, none left out).
 */
export function searchWordsOf(key: string): string[] | null {
  const all = key.split(' ').filter((w) => w !== '');
  const named = all.filter((w) => !SEARCH_FILLER_WORDS.has(w));
  const words = named.length > 0 ? named : all;
  return words.length > 1 || words.length < all.length ? words : null;
}

/** A tidied search as the search's rules take it (src/domain/area-search.ts, querySql.searchAreas). */
export function searchTerms(query: string, limit: number): SearchTerms {
  return {
    key: nameKey(query),
    compact: compactCode(query),
    outward: outwardAlone(query),
    words: searchWordsOf(nameKey(query)),
    limit,
  };
}

/** Most practices listed near a postcode that no practice has. */
export const MAX_NEARBY_PRACTICES = 10;

export async function searchAreas(
  db: Warehouse,
  opts: { query: string; limit?: number },
): Promise<AreaSearchResults> {
  const query = normaliseSearch(opts.query);
  const limit = Math.max(1, Math.min(opts.limit ?? MAX_SEARCH_RESULTS, MAX_SEARCH_RESULTS));
  if (query === '' || query.length > MAX_SEARCH_LENGTH) return { query, total: 0, results: [] };
  const index = await areaSearchIndex(db);
  const { total, hits } = index ? searchIndex(index, searchTerms(query, limit)) : { total: 0, hits: [] };
  const outward = outwardCode(query);
  // A postcode no practice has: the practices in its outward code, else the nearest districts of its area.
  if (hits.length === 0 && outward) return nearbyPractices(db, query, outward);
  if (hits.length === 0) {
    const didYouMean = index ? spellingSuggestion(index, query) : null;
    return { query, total: 0, results: [], ...(didYouMean ? { didYouMean } : {}) };
  }
  return {
    query,
    total,
    results: hits.map(({ area: a, parent, contains, matchRank }) => ({
      level: a.level,
      code: a.code,
      name: a.name,
      placeName: a.placeName,
      isCurrent: a.isCurrent,
      onsCode: a.onsCode,
      postcode: a.postcode,
      parent:
        a.parentLevel && a.parentCode
          ? {
              level: a.parentLevel,
              code: a.parentCode,
              name: parent?.name ?? a.parentCode,
              placeName: parent?.placeName ?? null,
            }
          : null,
      exactCode: matchRank === 0,
      ...(contains ? { contains } : {}),
    })),
  };
}

/**
 * A search that found nothing, its misspelt words corrected from the words of the names it searches
 * (src/domain/spelling.ts), when the corrected search finds areas; else null.
 */
function spellingSuggestion(index: SearchIndex, query: string): string | null {
  const tokens = query.split(' ').map((text) => ({ text, key: nameKey(text) }));
  const suggestion = suggestSpelling(tokens, index.words);
  if (suggestion === null) return null;
  return searchIndex(index, searchTerms(suggestion, 1)).total > 0 ? suggestion : null;
}

async function nearbyPractices(db: Warehouse, query: string, outward: string): Promise<AreaSearchResults> {
  const m = /^([A-Z]{1,2})([0-9]+)/.exec(outward)!;
  const letters = m[1]!;
  const district = Number(m[2]);
  const rows = await db.all<{
    code: string;
    name: string;
    postcode: string;
    parent_code: string | null;
    parent_name: string | null;
    sub_icb_code: string | null;
    sub_icb_name: string | null;
    sub_icb_place_name: string | null;
    icb_name: string | null;
  }>(querySql.searchPostcodeNearby, [letters, district, outward, MAX_NEARBY_PRACTICES]);
  return {
    query,
    total: rows.length,
    near: outward,
    results: rows.map((r) => ({
      level: 'practice' as const,
      code: r.code,
      name: r.name,
      isCurrent: true,
      onsCode: null,
      postcode: r.postcode,
      parent: r.parent_code
        ? { level: 'pcn' as const, code: r.parent_code, name: r.parent_name ?? r.parent_code }
        : null,
      exactCode: false,
      areaText:
        [
          r.sub_icb_name ? areaLabel({ name: r.sub_icb_name, placeName: r.sub_icb_place_name }) : null,
          r.icb_name,
        ]
          .filter(Boolean)
          .join(', ') || null,
    })),
  };
}
