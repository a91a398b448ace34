/**
 * The URL state of an area page's chart CSV (GET /areas/:level/:code/chart.csv): its query-string schema,
 * parse and the link the charts write, in one place. The area page itself takes the figure pages' shared
 * state (src/web/views/page-state.ts); the CSV takes the chart's metric and the same grain, partial period
 * and range as the page (docs/adr/0029).
 */
import type { AreaLevel } from '../../../domain/areas.ts';
import { GRAINS, type Grain } from '../../../domain/metric-definition.ts';
import { DEFAULT_RANGE, TIME_RANGES, type TimeRange } from '../../../domain/time-range.ts';
import { METRIC_ID_SCHEMA } from '../../params.ts';
import { PAGE_QUERY_PROPERTIES, pageUrl, type PageState } from '../../../web/views/page-state.ts';

export const CHART_CSV_QUERY_SCHEMA = {
  type: 'object',
  required: ['metric'],
  properties: {
    metric: METRIC_ID_SCHEMA,
    grain: { type: 'string', enum: GRAINS },
    partial: { type: 'string', enum: ['0', '1'] },
    // The chart's time range, as on its page (docs/adr/0029).
    range: { type: 'string', enum: TIME_RANGES },
  },
} as const;

/**
 * GET /areas/:level/:code/chart.svg: the chart's metric and every setting of the page it is on (its range,
 * rolling average and comparison change what is drawn).
 */
export const CHART_SVG_QUERY_SCHEMA = {
  type: 'object',
  required: ['metric'],
  properties: { ...PAGE_QUERY_PROPERTIES, metric: METRIC_ID_SCHEMA },
} as const;

/** The chart CSV's query string as CHART_CSV_QUERY_SCHEMA validates it. */
export interface ChartCsvQuery {
  metric: string;
  grain?: Grain;
  partial?: '0' | '1';
  range?: TimeRange;
}

/** The address of a chart's CSV: /areas/LEVEL/CODE/chart.csv?metric=…, England's under /areas/england/. */
export function chartCsvHref(
  area: { level: AreaLevel; code: string },
  metricId: string,
  grain: Grain,
  includePartial: boolean,
  settings: { range?: TimeRange } = {},
): string {
  const params = new URLSearchParams({ metric: metricId });
  if (grain !== 'month') params.set('grain', grain);
  if (includePartial) params.set('partial', '1');
  if (settings.range && settings.range !== DEFAULT_RANGE) params.set('range', settings.range);
  return `/areas/${encodeURIComponent(area.level)}/${encodeURIComponent(area.code)}/chart.csv?${params}`;
}

/**
 * The address of a chart as an SVG file: /areas/LEVEL/CODE/chart.svg?metric=…, with the settings of the page it
 * is on (England's under /areas/england/).
 */
export function chartSvgHref(
  area: { level: AreaLevel; code: string },
  metricId: string,
  state: Omit<PageState, 'path' | 'sort' | 'since'>,
): string {
  const path = `/areas/${encodeURIComponent(area.level)}/${encodeURIComponent(area.code)}/chart.svg`;
  const url = pageUrl({ ...state, path, sort: null, since: null });
  return `${url}${url.includes('?') ? '&' : '?'}metric=${encodeURIComponent(metricId)}`;
}
