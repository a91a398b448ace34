/**
 * The table of an area's children (England's regions, an ICB's sub-ICB locations, a PCN's practices …) with
 * their figures for one period, sortable by any column through links (no JavaScript), and the URLs of
 * area pages. Pure and unit-tested.
 */
import { LEVEL_LABELS } from '../../domain/areas.ts';
import type { AreaChildren, ChildRow } from '../../query/types.ts';
import { formatNumber, formatPeriod, formatValue } from '../format.ts';
import {
  areaUrl,
  DEFAULT_SORT,
  firstSortDir,
  pageUrl,
  type ChildrenSort,
  type PageState,
  type SortDir,
  type SortKey,
} from './page-state.ts';

export {
  areaPath,
  areaUrl,
  DEFAULT_SORT,
  pageUrl,
  parseSort,
  SORT_KEYS,
  SORT_PARAMS,
  type ChildrenSort,
  type PageState,
  type SortDir,
  type SortKey,
} from './page-state.ts';

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
    const dir: SortDir = current ? (sort.dir === 'asc' ? 'desc' : 'asc') : firstSortDir(c.key);
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
