/**
 * Finding areas by name, ODS or ONS code, or practice postcode, across every level of today's structure
 * (closed areas included, after open ones).
 */
import type { AreaLevel } from '../domain/areas.ts';
import type { Warehouse } from '../warehouse/db.ts';
import { sql } from '../warehouse/sql.ts';
import type { AreaSearchResults } from './types.ts';

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
    postcode: string | null;
    is_current: boolean;
    parent_level: AreaLevel | null;
    parent_code: string | null;
    parent_name: string | null;
    match_rank: number;
    total: number;
  }>(sql('query/search_areas'), [query.toLowerCase(), compactCode(query), limit]);
  return {
    query,
    total: rows[0]?.total ?? 0,
    results: rows.map((r) => ({
      level: r.level,
      code: r.code,
      name: r.name,
      isCurrent: r.is_current,
      onsCode: r.ons_code,
      postcode: r.postcode,
      parent:
        r.parent_level && r.parent_code
          ? { level: r.parent_level, code: r.parent_code, name: r.parent_name ?? r.parent_code }
          : null,
      exactCode: r.match_rank === 0,
    })),
  };
}
