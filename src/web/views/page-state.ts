/**
 * The typed URL state of the figure pages (National summary, /areas, area pages): what their query string
 * says and how links write it back, in one place (issue 14.3, docs/adr/0029). Every link and form on those
 * pages carries the same settings, so a chosen range, grain, average or benchmark survives the others.
 * Pure and unit-tested.
 */
import { ENGLAND_CODE, type AreaLevel } from '../../domain/areas.ts';
import type { Grain } from '../../domain/metric-definition.ts';
import { DEFAULT_RANGE, TIME_RANGES, type TimeRange } from '../../domain/time-range.ts';

export const SORT_KEYS = ['name', 'code', 'logins', 'users', 'rate', 'registered'] as const;
export type SortKey = (typeof SORT_KEYS)[number];
/** Accepted in URLs: the column keys, and `value` for the main count (logins). */
export const SORT_PARAMS = [...SORT_KEYS, 'value'] as const;
export type SortDir = 'asc' | 'desc';

export interface ChildrenSort {
  key: SortKey;
  dir: SortDir;
}

export const DEFAULT_SORT: ChildrenSort = { key: 'name', dir: 'asc' };

/** The rolling average a weekly chart may add (`avg=4w`). */
export const AVERAGES = ['4w'] as const;

/** What area pages compare with: England (default) or the area's parent (`compare=parent`). */
export type CompareWith = 'england' | 'parent' | 'icb';

/**
 * The query string of a figure page as validated by the route's schema (PAGE_QUERY_SCHEMA, built from the
 * lists here). Unknown parameters are ignored.
 */
export interface PageQuery {
  grain?: Grain;
  partial?: '0' | '1';
  sort?: (typeof SORT_PARAMS)[number];
  dir?: SortDir;
  /** Area pages: the benchmark of the verdicts (docs/adr/0022). */
  compare?: CompareWith;
  range?: TimeRange;
  avg?: (typeof AVERAGES)[number];
  /** Area pages: a date to compare the periods before and after (a campaign's start, say). */
  since?: string;
}

/** The JSON schema properties of PageQuery, for the routes' validation (bad values: a 400 naming them). */
export const PAGE_QUERY_PROPERTIES = {
  grain: { type: 'string', enum: ['month', 'week'] },
  partial: { type: 'string', enum: ['0', '1'] },
  sort: { type: 'string', enum: SORT_PARAMS },
  dir: { type: 'string', enum: ['asc', 'desc'] },
  compare: { type: 'string', enum: ['england', 'parent', 'icb'] },
  range: { type: 'string', enum: TIME_RANGES },
  avg: { type: 'string', enum: AVERAGES },
  // The shape only: a date that does not exist (30 February) is said on the page, next to its field.
  since: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
} as const;

/**
 * The query-string schema of the figure pages. Unknown parameters are ignored (shared links pick up tracking
 * parameters); known ones are checked.
 */
export const PAGE_QUERY_SCHEMA = { type: 'object', properties: PAGE_QUERY_PROPERTIES } as const;

/** What a page's links carry over: where it is and its settings (defaults left out of URLs). */
export interface PageState {
  path: string;
  grain: Grain;
  includePartial: boolean;
  sort: ChildrenSort | null;
  /** Charts' time range; absent means the default. */
  range?: TimeRange;
  /** Weekly charts add a 4-week rolling average. */
  average?: boolean;
  /** Area pages: the verdicts' benchmark; absent means England. */
  compare?: CompareWith;
  /** Area pages: the date the periods before and after are compared around; absent or null: none. */
  since?: string | null;
}

/** The settings every figure page shares (the sort and compare only matter where there is a table or a verdict). */
export type PageSettings = Omit<PageState, 'path' | 'range' | 'average' | 'compare'> & {
  range: TimeRange;
  average: boolean;
  compare: CompareWith;
};

/** The sort asked for in a URL; `value` means the main count. Missing parts take the column's default. */
export function parseSort(sort: string | undefined, dir: string | undefined): ChildrenSort | null {
  if (sort === undefined && dir === undefined) return null;
  const key: SortKey = sort === 'value' ? 'logins' : ((sort as SortKey | undefined) ?? DEFAULT_SORT.key);
  if (!SORT_KEYS.includes(key)) return null;
  const d: SortDir = dir === 'asc' || dir === 'desc' ? dir : firstSortDir(key);
  return { key, dir: d };
}

/** Names and codes sort A to Z first; figures highest first. */
export function firstSortDir(key: SortKey): SortDir {
  return key === 'name' || key === 'code' ? 'asc' : 'desc';
}

/** A page's settings from its validated query string. */
export function parsePageQuery(query: PageQuery): PageSettings {
  return {
    grain: query.grain ?? 'month',
    includePartial: query.partial === '1',
    sort: parseSort(query.sort, query.dir),
    range: query.range ?? DEFAULT_RANGE,
    average: query.avg === '4w',
    compare: query.compare ?? 'england',
    since: query.since ?? null,
  };
}

/** A page URL with only non-default settings in its query string, e.g. /areas/icb/QE1?grain=week&range=13w. */
export function pageUrl(state: PageState, hash = ''): string {
  const params = new URLSearchParams();
  if (state.grain !== 'month') params.set('grain', state.grain);
  if (state.includePartial) params.set('partial', '1');
  if (state.range && state.range !== DEFAULT_RANGE) params.set('range', state.range);
  if (state.average) params.set('avg', '4w');
  if (state.compare && state.compare !== 'england') params.set('compare', state.compare);
  if (state.since) params.set('since', state.since);
  if (state.sort) {
    params.set('sort', state.sort.key);
    params.set('dir', state.sort.dir);
  }
  const query = params.toString();
  return `${state.path}${query ? `?${query}` : ''}${hash}`;
}

/** The path of an area's page (England's is the National summary). */
export function areaPath(level: AreaLevel, code: string): string {
  if (level === 'england' && code === ENGLAND_CODE) return '/';
  return `/areas/${encodeURIComponent(level)}/${encodeURIComponent(code)}`;
}

/** Another area's page with the same settings (its own table's sort starts afresh). */
export function areaUrl(level: AreaLevel, code: string, state: Omit<PageState, 'path' | 'sort'>): string {
  return pageUrl({ ...state, path: areaPath(level, code), sort: null });
}

/** The hidden fields a form carries over so that submitting it keeps the settings it does not ask for. */
export function hiddenFields(
  state: Omit<PageState, 'path'>,
  asked: readonly ('grain' | 'partial' | 'range' | 'avg' | 'compare' | 'sort' | 'since')[],
): { name: string; value: string }[] {
  const url = new URL(pageUrl({ ...state, path: '/' }), 'http://x');
  const out: { name: string; value: string }[] = [];
  for (const [name, value] of url.searchParams) {
    if (asked.includes(name as (typeof asked)[number]) || (name === 'dir' && asked.includes('sort')))
      continue;
    out.push({ name, value });
  }
  return out;
}
