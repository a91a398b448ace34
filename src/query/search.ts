/**
 * Finding areas by name, ODS or ONS code, or practice postcode, across every level of today's structure
 * (closed areas included, after open ones).
 */
import { areaLabel, type AreaLevel } from '../domain/areas.ts';
import { listValue } from '@duckdb/node-api';
import { suggestSpelling } from '../domain/spelling.ts';
import { nameWords } from './area-index.ts';
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

/**
 * The text as compared with names: lower case, "&" read as "and" (NHS names use both: "Bradford District and
 * Craven", "Bramley, Wortley & Middleton PCN"), apostrophes dropped, every other run of punctuation or
 * space made one space ("St. John's" → "st johns"); letters outside a–z count as punctuation, as in
 * querySql.searchAreas, which applies the same rule to names.
 */
export function nameKey(text: string): string {
  return text
    .toLowerCase()
    .replace(/&/gu, ' and ')
    .replace(/['’‘`]/gu, '')
    .replace(/[^a-z0-9]+/gu, ' ')
    .trim();
}

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

/** searchWordsOf as querySql.searchAreas takes it ($5): a list, or NULL. */
function wordsParam(key: string) {
  const words = searchWordsOf(key);
  return words ? listValue(words) : null;
}

/** Most practices listed near a postcode that no practice has. */
export const MAX_NEARBY_PRACTICES = 10;

/** The same text as compared with codes and postcodes: upper case, no spaces ("sw1a 1aa" → "SW1A1AA"). */
export function compactCode(text: string): string {
  return text.replace(/\s+/gu, '').toUpperCase();
}

export async function searchAreas(
  db: Warehouse,
  opts: { query: string; limit?: number },
): Promise<AreaSearchResults> {
  const query = normaliseSearch(opts.query);
  const limit = Math.max(1, Math.min(opts.limit ?? MAX_SEARCH_RESULTS, MAX_SEARCH_RESULTS));
  if (query === '' || query.length > MAX_SEARCH_LENGTH) return { query, total: 0, results: [] };
  const rows = await db.all<{
    level: AreaLevel;
    code: string;
    ons_code: string | null;
    name: string;
    place_name: string | null;
    postcode: string | null;
    is_current: boolean;
    parent_level: AreaLevel | null;
    parent_code: string | null;
    parent_name: string | null;
    parent_place_name: string | null;
    contains: string | null;
    match_rank: number;
    total: number;
  }>(querySql.searchAreas, [
    nameKey(query),
    compactCode(query),
    limit,
    outwardAlone(query),
    wordsParam(nameKey(query)),
  ]);
  const outward = outwardCode(query);
  // A postcode no practice has: the practices in its outward code, else the nearest districts of its area.
  if (rows.length === 0 && outward) return nearbyPractices(db, query, outward);
  if (rows.length === 0) {
    const didYouMean = await spellingSuggestion(db, query);
    return { query, total: 0, results: [], ...(didYouMean ? { didYouMean } : {}) };
  }
  return {
    query,
    total: rows[0]?.total ?? 0,
    results: rows.map((r) => ({
      level: r.level,
      code: r.code,
      name: r.name,
      placeName: r.place_name,
      isCurrent: r.is_current,
      onsCode: r.ons_code,
      postcode: r.postcode,
      parent:
        r.parent_level && r.parent_code
          ? {
              level: r.parent_level,
              code: r.parent_code,
              name: r.parent_name ?? r.parent_code,
              placeName: r.parent_place_name,
            }
          : null,
      exactCode: r.match_rank === 0,
      ...(r.contains ? { contains: r.contains.split('; ') } : {}),
    })),
  };
}

/**
 * A search that found nothing, its misspelt words corrected from the words of the names it searches
 * (src/domain/spelling.ts), when the corrected search finds areas; else null.
 */
async function spellingSuggestion(db: Warehouse, query: string): Promise<string | null> {
  const words = await nameWords(db);
  const tokens = query.split(' ').map((text) => ({ text, key: nameKey(text) }));
  const suggestion = suggestSpelling(tokens, words);
  if (suggestion === null) return null;
  // One word that a name holds (filler words aside) finds that name: no need to search again (25–35 ms on
  // the national cube). Several might not be in one name together, so they are tried.
  const named = searchWordsOf(nameKey(suggestion)) ?? [nameKey(suggestion)];
  if (named.length === 1 && words.some((w) => w.key === named[0])) return suggestion;
  const found = await db.all<{ total: number }>(querySql.searchAreas, [
    nameKey(suggestion),
    compactCode(suggestion),
    1,
    outwardAlone(suggestion),
    wordsParam(nameKey(suggestion)),
  ]);
  return found.length > 0 ? suggestion : null;
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
