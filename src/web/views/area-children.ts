/**
 * The table of an area's children (England's regions, an ICB's sub-ICB locations, a PCN's practices …) with
 * their figures for one period, sortable by any column through links (no JavaScript), and the URLs of
 * area pages. Pure and unit-tested.
 */
import { ENGLAND_CODE, LEVEL_LABELS, type AreaLevel } from '../../domain/areas.ts';
import type { Grain } from '../../domain/metric-definition.ts';
import type { AreaChildren, ChildRow } from '../../query/types.ts';
import { formatNumber, formatPeriod, formatValue } from '../format.ts';

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

/** The sort asked for in a URL; `value` means the main count. Missing parts take the column's default. */
export function parseSort(sort: string | undefined, dir: string | undefined): ChildrenSort | null {
  if (sort === undefined && dir === undefined) return null;
  const key: SortKey = sort === 'value' ? 'logins' : ((sort as SortKey | undefined) ?? DEFAULT_SORT.key);
  if (!SORT_KEYS.includes(key)) return null;
  const d: SortDir = dir === 'asc' || dir === 'desc' ? dir : firstDir(key);
  return { key, dir: d };
}

/** Names and codes sort A to Z first; figures highest first. */
function firstDir(key: SortKey): SortDir {
  return key === 'name' || key === 'code' ? 'asc' : 'desc';
}

/** What a page's links carry over: where it is, the grain, the partial period and the table's sort. */
export interface PageState {
  path: string;
  grain: Grain;
  includePartial: boolean;
  sort: ChildrenSort | null;
}

/** A page URL with only non-default settings in its query string, e.g. /areas/icb/QE1?grain=week. */
export function pageUrl(state: PageState, hash = ''): string {
  const params = new URLSearchParams();
  if (state.grain !== 'month') params.set('grain', state.grain);
  if (state.includePartial) params.set('partial', '1');
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

export function areaUrl(
  level: AreaLevel,
  code: string,
  state: Pick<PageState, 'grain' | 'includePartial'>,
): string {
  return pageUrl({
    path: areaPath(level, code),
    grain: state.grain,
    includePartial: state.includePartial,
    sort: null,
  });
}

export interface ChildrenColumnView {
  key: SortKey;
  text: string;
  numeric: boolean;
  /** Link that sorts by this column (toggling the direction of the current one). */
  href: string;
  /** For aria-sort on the current column. */
  ariaSort: 'ascending' | 'descending' | null;
}

export interface ChildrenRowView {
  code: string;
  name: string;
  href: string;
  /** Practices: postcode. */
  detail: string | null;
  closed: boolean;
  /** Figures in column order after the name and code. */
  values: string[];
}

export interface ChildrenTableView {
  id: string;
  heading: string;
  caption: string;
  columns: ChildrenColumnView[];
  rows: ChildrenRowView[];
  emptyText: string | null;
  hasClosed: boolean;
  /** Some rate could not be computed (no 13+ list size). */
  hasMissingRates: boolean;
  /** England's children: its total also holds activity with no recognised practice. */
  unknownNote: boolean;
}

const NUMERIC: Record<SortKey, (r: ChildRow) => number | null> = {
  name: () => null,
  code: () => null,
  logins: (r) => r.logins,
  users: (r) => r.users,
  rate: (r) => r.usersPer1000,
  registered: (r) => r.registeredPct,
};

const collator = new Intl.Collator('en-GB', { sensitivity: 'base', numeric: true });

/** Rows in the asked order; rows without a figure always go last; ties by name then code. */
export function sortChildren(rows: ChildRow[], sort: ChildrenSort): ChildRow[] {
  const sign = sort.dir === 'asc' ? 1 : -1;
  const byName = (a: ChildRow, b: ChildRow) =>
    collator.compare(a.name, b.name) || collator.compare(a.code, b.code);
  return [...rows].sort((a, b) => {
    if (sort.key === 'name') return sign * byName(a, b);
    if (sort.key === 'code') return sign * collator.compare(a.code, b.code);
    const x = NUMERIC[sort.key](a);
    const y = NUMERIC[sort.key](b);
    if (x === null || y === null) return x === y ? byName(a, b) : x === null ? 1 : -1;
    return sign * (x - y) || byName(a, b);
  });
}

function rateText(value: number | null, unit: 'per_1000' | 'percent'): string {
  return value === null ? '–' : formatValue(value, unit);
}

export function childrenTableView(children: AreaChildren, state: PageState): ChildrenTableView {
  const sort = state.sort ?? DEFAULT_SORT;
  const plural = LEVEL_LABELS[children.level].plural;
  const where = children.parent.level === 'england' ? 'England' : children.parent.name;
  const period = children.periodStart ? formatPeriod(children.grain, children.periodStart) : null;
  const heading = plural;
  const columnDefs: { key: SortKey; text: string; numeric: boolean }[] = [
    { key: 'name', text: 'Name', numeric: false },
    { key: 'code', text: 'ODS code', numeric: false },
    { key: 'logins', text: children.columns.logins, numeric: true },
    { key: 'users', text: children.columns.users, numeric: true },
    { key: 'rate', text: 'Users per 1,000 patients 13+', numeric: true },
    { key: 'registered', text: '% of patients 13+ registered', numeric: true },
  ];
  const columns = columnDefs.map((c): ChildrenColumnView => {
    const current = c.key === sort.key;
    const dir: SortDir = current ? (sort.dir === 'asc' ? 'desc' : 'asc') : firstDir(c.key);
    return {
      ...c,
      href: pageUrl({ ...state, sort: { key: c.key, dir } }, '#children'),
      ariaSort: current ? (sort.dir === 'asc' ? 'ascending' : 'descending') : null,
    };
  });
  const rows = sortChildren(children.rows, sort).map((r): ChildrenRowView => ({
    code: r.code,
    name: r.name,
    href: areaUrl(r.level, r.code, state),
    detail: r.postcode,
    closed: !r.isCurrent,
    values: [
      formatNumber(r.logins),
      formatNumber(r.users),
      rateText(r.usersPer1000, 'per_1000'),
      rateText(r.registeredPct, 'percent'),
    ],
  }));
  return {
    id: 'children',
    heading,
    caption: period ? `${plural} in ${where}: figures for ${period}` : `${plural} in ${where}`,
    columns,
    rows,
    emptyText: rows.length === 0 ? `No areas are part of ${where} on today’s structure.` : null,
    hasClosed: rows.some((r) => r.closed),
    hasMissingRates: children.rows.some((r) => r.usersPer1000 === null || r.registeredPct === null),
    unknownNote: children.parent.level === 'england',
  };
}

export function sortFields(sort: ChildrenSort | null): { name: string; value: string }[] {
  return sort
    ? [
        { name: 'sort', value: sort.key },
        { name: 'dir', value: sort.dir },
      ]
    : [];
}
