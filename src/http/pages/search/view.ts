/**
 * The search page: the form (with an error for an empty or too long search) and the results. Pure.
 */
import { areaLabel, LEVEL_LABELS } from '../../../domain/areas.ts';
import { MAX_SEARCH_LENGTH, MAX_SEARCH_RESULTS } from '../../../query/search.ts';
import type { AreaSearchResults } from '../../../query/types.ts';
import { formatNumber } from '../../../web/format.ts';
import { areaPath } from '../../../web/views/area-children.ts';

export interface SearchResultView {
  level: string;
  code: string;
  name: string;
  href: string;
  closed: boolean;
  /** "GP practice · A81001 · TS18 2AW" */
  meta: string;
  /** "Part of North Stockton PCN" */
  parentText: string | null;
}

export interface SearchView {
  /** What goes back into the search box. */
  value: string;
  error: string | null;
  resultsHeading: string | null;
  moreText: string | null;
  results: SearchResultView[];
  /** When nothing was found: the search with its misspelt words corrected, which finds areas. */
  didYouMean: { text: string; href: string } | null;
}

/** "A", "A and B", "A, B and C" ("A; B" would be ambiguous: place names have commas). */
function listText(items: readonly string[]): string {
  return items.length < 2
    ? (items[0] ?? '')
    : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** Why a search cannot run, or null when it can. */
export function searchProblem(query: string): string | null {
  if (query === '') return 'Enter a name, ODS code or postcode to search for';
  if (query.length > MAX_SEARCH_LENGTH)
    return `Search for ${MAX_SEARCH_LENGTH} characters or fewer: a name, ODS code or postcode`;
  return null;
}

/**
 * `query` is the tidied search text (normaliseSearch); `asked` says whether the page was asked to search
 * (a `q` parameter was given at all), so that the bare page shows no error.
 */
export function buildSearchView(query: string, asked: boolean, found: AreaSearchResults | null): SearchView {
  const problem = searchProblem(query);
  const value = query.slice(0, MAX_SEARCH_LENGTH);
  if (problem || !found) {
    return {
      value,
      error: asked ? problem : null,
      resultsHeading: null,
      moreText: null,
      results: [],
      didYouMean: null,
    };
  }
  const n = found.total;
  if (found.near) {
    return {
      value,
      error: null,
      resultsHeading:
        n === 0
          ? `No GP practices found near “${query}”`
          : `No area has the postcode “${query}”: GP practices in or near ${found.near}`,
      moreText: null,
      didYouMean: null,
      results: found.results.map((r) => ({
        level: r.level,
        code: r.code,
        name: areaLabel(r),
        href: areaPath(r.level, r.code),
        closed: !r.isCurrent,
        meta: [LEVEL_LABELS[r.level].singular, r.code, r.postcode].filter(Boolean).join(' · '),
        parentText:
          [r.parent ? `Part of ${areaLabel(r.parent)}` : null, r.areaText ? `in ${r.areaText}` : null]
            .filter(Boolean)
            .join(', ') || null,
      })),
    };
  }
  return {
    value,
    error: null,
    resultsHeading:
      n === 0
        ? `No areas found for “${query}”`
        : `${formatNumber(n)} ${n === 1 ? 'area' : 'areas'} found for “${query}”`,
    moreText:
      n > found.results.length
        ? `Showing the best ${formatNumber(Math.min(found.results.length, MAX_SEARCH_RESULTS))}. Add more to your search to narrow it down.`
        : null,
    didYouMean: found.didYouMean
      ? { text: found.didYouMean, href: `/search?q=${encodeURIComponent(found.didYouMean)}` }
      : null,
    results: found.results.map((r) => ({
      level: r.level,
      code: r.code,
      name: areaLabel(r),
      href: areaPath(r.level, r.code),
      closed: !r.isCurrent,
      meta: [LEVEL_LABELS[r.level].singular, r.code, r.postcode].filter(Boolean).join(' · '),
      parentText: r.contains
        ? `Holds the sub-ICB location${r.contains.length === 1 ? '' : 's'} ${listText(r.contains)}`
        : r.parent
          ? `Part of ${r.parent.level === 'england' ? 'England' : areaLabel(r.parent)}`
          : null,
    })),
  };
}
