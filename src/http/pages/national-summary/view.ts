/**
 * Turns the NationalSummary read model into what national-summary.njk shows: formatted text only, so the
 * template does no arithmetic. Pure and unit-tested.
 */
import type { Grain } from '../../../domain/metric-definition.ts';
import type { AreaChildren, NationalSummary } from '../../../query/types.ts';
import { DEFAULT_RANGE } from '../../../domain/time-range.ts';
import {
  childrenTableView,
  type ChildrenSort,
  type ChildrenTableView,
} from '../../../web/views/area-children.ts';
import type { ChartSettings } from '../area/view.ts';
import {
  chartView,
  dataStatusView,
  demoView,
  periodsOf,
  rangeOptions,
  tileSparkline,
  tileView,
  type ChartView,
  type DemoView,
  type RangeView,
  type TileView,
} from '../../../web/views/metric-panels.ts';
import { chartCsvHref, chartSvgHref } from '../area/state.ts';
import { hiddenFields } from '../../../web/views/page-state.ts';
import { beforeAfterView, type BeforeAfterView } from '../../../web/views/before-after.ts';

export type { ChartView, DemoView, TableRowView, TileView } from '../../../web/views/metric-panels.ts';
export { demoView } from '../../../web/views/metric-panels.ts';

export interface NationalSummaryView {
  grain: Grain;
  grainWord: 'month' | 'week';
  includePartial: boolean;
  areaName: string;
  refreshedText: string | null;
  completeUpToText: string | null;
  lastDayText: string | null;
  hasPartial: boolean;
  demo: DemoView | null;
  tiles: TileView[];
  charts: ChartView[];
  /** The charts' time range and rolling average (docs/adr/0029). */
  range: RangeView;
  /** England's regions with their figures, when given. */
  children: ChildrenTableView | null;
  /** Hidden fields the view form carries over (the table's sort). */
  hiddenFields: { name: string; value: string }[];
  /** The page's path, the forms' action. */
  path: '/';
  /** Before and after a date (`since`): the table, or null when none was asked for. */
  beforeAfter: BeforeAfterView | null;
  beforeAfterFields: { name: string; value: string }[];
}

export function buildNationalSummaryView(
  summary: NationalSummary,
  regions: AreaChildren | null = null,
  sort: ChildrenSort | null = null,
  chart: ChartSettings = {},
): NationalSummaryView {
  const { grain } = summary;
  const range = chart.range ?? DEFAULT_RANGE;
  const average = chart.average === true;
  const since = chart.since ?? null;
  const state = { path: '/', grain, includePartial: summary.includePartial, sort, range, average, since };
  const lastPeriod = chart.lastPeriod ?? periodsOf(summary.series).last;
  return {
    grain,
    grainWord: grain === 'week' ? 'week' : 'month',
    includePartial: summary.includePartial,
    areaName: summary.areaName,
    ...dataStatusView(grain, summary.status, summary.series),
    demo: demoView(summary.status),
    tiles: summary.tiles.map((t) => ({
      ...tileView(t, grain),
      sparkline: tileSparkline(t, summary.series[t.metricId] ?? [], grain, range),
    })),
    charts: summary.tiles.map((t) =>
      chartView(t, summary.series[t.metricId] ?? [], grain, {
        range,
        lastPeriod,
        average,
        csvHref: chartCsvHref(
          { level: summary.areaLevel, code: summary.areaCode },
          t.metricId,
          grain,
          summary.includePartial,
          { range },
        ),
        svgHref: chartSvgHref({ level: summary.areaLevel, code: summary.areaCode }, t.metricId, {
          grain,
          includePartial: summary.includePartial,
          range,
          average,
        }),
      }),
    ),
    range: rangeOptions(grain, range, average),
    children: regions ? childrenTableView(regions, state) : null,
    hiddenFields: hiddenFields(state, ['grain', 'partial', 'range', 'avg']),
    path: '/',
    beforeAfter: beforeAfterView(summary, since, chart.periodCounts),
    beforeAfterFields: hiddenFields(state, ['since']),
  };
}
