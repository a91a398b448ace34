/**
 * The Map page's URL state (GET /map, /map.csv): its query-string schema, the settings it names and the URL
 * that writes them back. Every link carries every setting, so a link always means the same figures. The
 * route checks what the schema cannot (the metric exists and has figures at the level, grain and period).
 */
import { GRAINS, type Grain, type MetricDefinition } from '../../../domain/metric-definition.ts';
import { MAP_LEVELS, type MapLevel } from '../../../query/map-values.ts';
import { CLASS_METHODS, type ClassMethod } from '../../../web/map/classes.ts';

export const MAP_SORT_KEYS = ['rank', 'name', 'code', 'value'] as const;
export type MapSortKey = (typeof MAP_SORT_KEYS)[number];
export type SortDir = 'asc' | 'desc';
export interface MapSort {
  key: MapSortKey;
  dir: SortDir;
}
export const DEFAULT_MAP_SORT: MapSort = { key: 'rank', dir: 'asc' };

/** What the page shows: every setting is in its URL. */
export interface MapState {
  level: MapLevel;
  metric: MetricDefinition;
  grain: Grain;
  /** Null when there is no complete period yet. */
  periodStart: string | null;
  classes: ClassMethod;
  sort: MapSort;
  /** Zoomed to one NHS England region's areas (its code), or null for all of England. */
  region?: string | null;
}

export const DEFAULT_MAP_LEVEL: MapLevel = 'icb';

export const MAP_QUERY_SCHEMA = {
  type: 'object',
  properties: {
    level: { type: 'string', enum: MAP_LEVELS },
    metric: {
      type: 'string',
      minLength: 1,
      maxLength: 64,
      pattern: '^[a-z][a-z0-9_]*$',
      description: 'must be a metric id: lower-case letters, digits and _',
    },
    grain: { type: 'string', enum: GRAINS },
    period: {
      type: 'string',
      pattern: '^[0-9]{4}-[0-9]{2}(-[0-9]{2})?$',
      description: 'must be a date as YYYY-MM-DD (or a month as YYYY-MM)',
    },
    classes: { type: 'string', enum: CLASS_METHODS },
    sort: { type: 'string', enum: MAP_SORT_KEYS },
    dir: { type: 'string', enum: ['asc', 'desc'] },
    region: {
      type: 'string',
      maxLength: 12,
      pattern: '^[A-Za-z0-9]*$',
      description: 'must be an NHS England region code (letters and digits), or empty for all of England',
    },
  },
} as const;

export interface MapQuery {
  level?: MapLevel;
  metric?: string;
  grain?: Grain;
  period?: string;
  classes?: ClassMethod;
  sort?: MapSortKey;
  dir?: 'asc' | 'desc';
  region?: string;
}

/** A /map or /map.csv URL with every setting, so a link always means the same figures. */
export function mapUrl(
  path: '/map' | '/map.csv',
  state: Pick<MapState, 'level' | 'grain' | 'periodStart' | 'classes' | 'region'> & {
    metricId: string;
    sort?: MapSort | null;
  },
  hash = '',
): string {
  const params = new URLSearchParams();
  params.set('level', state.level);
  params.set('metric', state.metricId);
  params.set('grain', state.grain);
  if (state.periodStart) params.set('period', state.periodStart);
  if (state.classes !== 'quantile') params.set('classes', state.classes);
  if (state.region) params.set('region', state.region);
  if (state.sort && (state.sort.key !== DEFAULT_MAP_SORT.key || state.sort.dir !== DEFAULT_MAP_SORT.dir)) {
    params.set('sort', state.sort.key);
    params.set('dir', state.sort.dir);
  }
  return `${path}?${params.toString()}${hash}`;
}
