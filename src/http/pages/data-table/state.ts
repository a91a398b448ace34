/**
 * The data table's URL state (GET /data, /data.csv): its query-string schema, the selection it names and the
 * URLs and hidden form fields that write a selection back (only non-default settings). The route checks what
 * the schema cannot (dates, the area and metrics exist, the level is at or below the area's).
 */
import { AREA_LEVELS, type AreaLevel } from '../../../domain/areas.ts';
import { CSV_LAYOUTS, type CsvLayout } from '../../../domain/csv.ts';
import { GRAINS, type Grain } from '../../../domain/metric-definition.ts';
import { AREA_CODE_SCHEMA, METRIC_ID_SCHEMA } from '../../params.ts';

const DATE_SCHEMA = {
  type: 'string',
  pattern: '^(\\d{4}-\\d{2}-\\d{2})?$',
  description: 'must be a date written YYYY-MM-DD',
} as const;

export const DATA_QUERY_SCHEMA = {
  type: 'object',
  properties: {
    level: { type: 'string', enum: AREA_LEVELS },
    area: { anyOf: [{ type: 'string', maxLength: 0 }, AREA_CODE_SCHEMA] },
    metric: {
      type: 'array',
      items: METRIC_ID_SCHEMA,
      maxItems: 30,
      description: 'must list at most 30 metrics',
    },
    grain: { type: 'string', enum: GRAINS },
    from: DATE_SCHEMA,
    to: DATE_SCHEMA,
    partial: { type: 'string', enum: ['0', '1'] },
    page: { type: 'string', pattern: '^[1-9][0-9]{0,6}$', description: 'must be a page number: 1, 2, 3 …' },
    q: { type: 'string', maxLength: 200, description: 'must be at most 200 characters' },
    format: { type: 'string', enum: ['html', 'csv'] },
    layout: { type: 'string', enum: CSV_LAYOUTS },
  },
} as const;

export interface DataQuery {
  level?: AreaLevel;
  area?: string;
  metric?: string[];
  grain?: Grain;
  from?: string;
  to?: string;
  partial?: '0' | '1';
  page?: string;
  q?: string;
  format?: 'html' | 'csv';
  layout?: CsvLayout;
}

export const DATA_PAGE_SIZE = 50;
export const DEFAULT_DATA_LEVEL: AreaLevel = 'region';

/** The selection as it appears in the URL (validated, with defaults applied). */
export interface DataSelection {
  level: AreaLevel;
  /** Upper-case area code, or null for every area at the level. */
  area: string | null;
  metrics: string[];
  /**
   * The metrics shown when none is asked for (shown_on data_table_default in their YAML, in order), which
   * URLs leave out: the catalogue's, never a list written here.
   */
  defaultMetrics: readonly string[];
  grain: Grain;
  from: string | null;
  to: string | null;
  includePartial: boolean;
  page: number;
}

/** A URL of the data table (or its CSV) with only non-default settings in its query string. */
export function dataUrl(
  sel: DataSelection,
  opts: { csv?: boolean; layout?: CsvLayout; q?: string; hash?: string } = {},
): string {
  const params = new URLSearchParams();
  if (sel.level !== DEFAULT_DATA_LEVEL) params.set('level', sel.level);
  if (sel.area) params.set('area', sel.area);
  const defaults = sel.defaultMetrics;
  const defaultMetrics =
    sel.metrics.length === defaults.length && sel.metrics.every((m, i) => m === defaults[i]);
  if (!defaultMetrics) for (const m of sel.metrics) params.append('metric', m);
  if (sel.grain !== 'month') params.set('grain', sel.grain);
  if (sel.from) params.set('from', sel.from);
  if (sel.to) params.set('to', sel.to);
  if (sel.includePartial) params.set('partial', '1');
  if (!opts.csv && sel.page > 1) params.set('page', String(sel.page));
  if (opts.q) params.set('q', opts.q);
  if (opts.csv && opts.layout === 'wide') params.set('layout', 'wide');
  const query = params.toString();
  return `${opts.csv ? '/data.csv' : '/data'}${query ? `?${query}` : ''}${opts.hash ?? ''}`;
}

/** The selection as hidden form fields (only non-default settings), without the page. */
export function selectionFields(sel: DataSelection): { name: string; value: string }[] {
  const query = dataUrl({ ...sel, page: 1 }).split('?')[1] ?? '';
  return [...new URLSearchParams(query)].map(([name, value]) => ({ name, value }));
}

/** The level a chosen area's figures are shown at: the selected level when it is at or below the area's. */
export function levelForArea(selected: AreaLevel, areaLevel: AreaLevel): AreaLevel {
  return AREA_LEVELS.indexOf(selected) >= AREA_LEVELS.indexOf(areaLevel) ? selected : areaLevel;
}
