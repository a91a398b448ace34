/**
 * The ranking page's URL state (GET /rank): the settings it names, its query string as validated, and the
 * URLs that write a state back (the page's, and the API's CSV of the same ranking). The query-string schema
 * is in route.ts: it takes the `within` pattern from the API's ranking route, which pages' state may not
 * import (docs/adr/0037).
 */
import type { AreaLevel } from '../../../domain/areas.ts';
import type { Grain } from '../../../domain/metric-definition.ts';

export const RANKING_SORT_KEYS = ['rank', 'name', 'value', 'patients', 'change'] as const;
export type RankingSortKey = (typeof RANKING_SORT_KEYS)[number];

export interface RankingState {
  metricId: string;
  level: AreaLevel;
  within: { level: AreaLevel; code: string };
  grain: Grain;
  /** The period asked for (a period start), or null for the latest complete one. */
  period: string | null;
  /** The threshold asked for, or null for the default. */
  minListSize: number | null;
  sort: RankingSortKey;
  dir: 'asc' | 'desc';
  /** The page of the table (1 first; absent: 1). The CSV always holds every row. */
  page?: number;
}

export interface RankingPageQuery {
  metric?: string;
  level?: AreaLevel;
  within?: string;
  grain?: Grain;
  period?: string;
  minListSize?: string;
  sort?: RankingSortKey;
  dir?: 'asc' | 'desc';
  page?: string;
}

/** `within` as written in URLs: icb:QWO, or england. */
export function withinParam(within: { level: AreaLevel; code: string }): string {
  return within.level === 'england' ? 'england' : `${within.level}:${within.code}`;
}

/** The page's URL for a state (only the parameters that differ from the defaults). */
export function rankingUrl(state: RankingState, path = '/rank'): string {
  const p = new URLSearchParams();
  p.set('metric', state.metricId);
  p.set('level', state.level);
  p.set('within', withinParam(state.within));
  if (state.grain !== 'month') p.set('grain', state.grain);
  if (state.period) p.set('period', state.period);
  if (state.minListSize !== null) p.set('minListSize', String(state.minListSize));
  if (state.sort !== 'rank' || state.dir !== 'asc') {
    p.set('sort', state.sort);
    p.set('dir', state.dir);
  }
  if (state.page !== undefined && state.page > 1) p.set('page', String(state.page));
  return `${path}?${p.toString()}`;
}

/** The API's CSV of the same ranking. */
export function rankingCsvUrl(state: RankingState, periodStart: string): string {
  const p = new URLSearchParams();
  p.set('metric', state.metricId);
  p.set('level', state.level);
  p.set('within', withinParam(state.within));
  if (state.grain !== 'month') p.set('grain', state.grain);
  p.set('period', periodStart);
  if (state.minListSize !== null) p.set('minListSize', String(state.minListSize));
  p.set('format', 'csv');
  return `/api/v1/ranking?${p.toString()}`;
}
