/**
 * Turns the NationalSummary read model into what national-summary.njk shows: formatted text only, so the
 * template does no arithmetic. Pure and unit-tested.
 */
import type { Grain } from '../../domain/metric-definition.ts';
import type { AreaChildren, NationalSummary } from '../../query/types.ts';
import { childrenTableView, sortFields, type ChildrenSort, type ChildrenTableView } from './area-children.ts';
import {
  chartCsvHref,
  chartView,
  dataStatusView,
  demoView,
  tileView,
  type ChartView,
  type DemoView,
  type TileView,
} from './metric-panels.ts';

export type { ChartView, DemoView, TableRowView, TileView } from './metric-panels.ts';
export { demoView } from './metric-panels.ts';

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
  /** England's regions with their figures, when given. */
  children: ChildrenTableView | null;
  /** Hidden fields the view form carries over (the table's sort). */
  hiddenFields: { name: string; value: string }[];
}

export function buildNationalSummaryView(
  summary: NationalSummary,
  regions: AreaChildren | null = null,
  sort: ChildrenSort | null = null,
): NationalSummaryView {
  const { grain } = summary;
  const state = { path: '/', grain, includePartial: summary.includePartial, sort };
  return {
    grain,
    grainWord: grain === 'week' ? 'week' : 'month',
    includePartial: summary.includePartial,
    areaName: summary.areaName,
    ...dataStatusView(grain, summary.status, summary.series),
    demo: demoView(summary.status),
    tiles: summary.tiles.map((t) => tileView(t, grain)),
    charts: summary.tiles.map((t) =>
      chartView(t, summary.series[t.metricId] ?? [], grain, {
        csvHref: chartCsvHref(
          { level: summary.areaLevel, code: summary.areaCode },
          t.metricId,
          grain,
          summary.includePartial,
        ),
      }),
    ),
    children: regions ? childrenTableView(regions, state) : null,
    hiddenFields: sortFields(sort),
  };
}
