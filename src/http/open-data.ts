/**
 * How the figure pages (National summary, /areas, area pages) show what the figure reader left out for a
 * visitor who is not signed in (src/query/figures.ts applies the open-data rule and disclosure control; a
 * restricted figure never reaches a view): "*" for suppressed counts, columns of restricted metrics
 * removed, and the notice that these are open data. No access rule is decided here.
 */
import type { Viewer } from '../domain/access.ts';
import { SUPPRESSED_TEXT } from '../domain/disclosure.ts';
import type { Grain } from '../domain/metric-definition.ts';
import { DEFAULT_RANGE, pickRange } from '../domain/time-range.ts';
import type { ChildColumn, HiddenChildren, HiddenFigures, Seen } from '../query/figures.ts';
import type { AreaChildren, AreaPage, NationalSummary, SummaryTile } from '../query/types.ts';
import { formatPeriod } from '../web/format.ts';
import type { ChildrenSort, ChildrenTableView } from '../web/views/area-children.ts';
import type { CompareWith } from '../web/views/page-state.ts';
import type { ChartView, TileView } from '../web/views/metric-panels.ts';
import { buildAreaPageView, type AreaPageView, type ChartSettings } from './pages/area/view.ts';
import { buildNationalSummaryView, type NationalSummaryView } from './pages/national-summary/view.ts';
import type { RankingLinkMetrics } from './pages/ranking/view.ts';

/**
 * Sorting by a column the figure reader emptied for this viewer would order the rows by figures they cannot
 * see: such a sort is dropped. Every other column sorts, rates included: those visitors see are open data,
 * and under disclosure control worked out from the disclosed counts (ADR 0061).
 */
export function openSort(sort: ChildrenSort | null, hidden: HiddenChildren | null): ChildrenSort | null {
  if (sort === null || hidden === null) return sort;
  return hidden.columns.has(sort.key as ChildColumn) ? null : sort;
}

/** The notice shown on pages of open data to visitors who are not signed in (partials/access-notice.njk). */
export function accessNotice(viewer: Viewer, path: string): { text: string; signInHref: string } | null {
  if (viewer.signedIn) return null;
  return {
    text: 'You are seeing open data: monthly figures for England, regions and ICBs.',
    signInHref: path === '/' ? '/sign-in' : `/sign-in?next=${encodeURIComponent(path)}`,
  };
}

/** Tile texts for suppressed latest figures: "*" rather than "no figures yet". */
function markSuppressedTiles(
  views: TileView[],
  tiles: readonly SummaryTile[],
  hidden: HiddenFigures,
): TileView[] {
  return views.map((view, i) => {
    if (!hidden.latestSuppressed.has(tiles[i]!.metricId)) return view;
    return {
      ...view,
      valueText: SUPPRESSED_TEXT,
      change: null,
      noChangeText: 'Fewer than 8: not shown in open data',
    };
  });
}

/** Chart tables with a "*" row for each suppressed period, in period order. */
function markSuppressedCharts(
  charts: ChartView[],
  tiles: readonly SummaryTile[],
  hidden: HiddenFigures,
  grain: Grain,
  settings: ChartSettings = {},
): ChartView[] {
  // The periods the charts show: the range ends with the last period of the page as read.
  const last = settings.lastPeriod ?? hidden.lastPeriod;
  return charts.map((chart, i) => {
    const tile = tiles[i]!;
    const suppressed = hidden.suppressed.get(tile.metricId);
    if (!suppressed || suppressed.size === 0) return chart;
    const rows: ChartView['rows'] = [];
    let k = 0;
    for (const p of pickRange(
      grain,
      settings.range ?? DEFAULT_RANGE,
      hidden.periods[tile.metricId] ?? [],
      last,
    )) {
      if (suppressed.has(p.periodStart)) {
        rows.push({
          period: formatPeriod(grain, p.periodStart) + (p.complete ? '' : ' (partial)'),
          value: SUPPRESSED_TEXT,
          complete: p.complete ? 'Yes' : 'No (partial)',
        });
      } else if (chart.rows[k]) {
        rows.push(chart.rows[k]!);
        k += 1;
      }
    }
    return {
      ...chart,
      summary: `${chart.summary} Counts from 1 to 7 are not shown (*) and others are rounded to the nearest 5.`,
      rows,
      tableRows: rows.map((r) => [
        { text: r.period },
        { text: r.value, format: 'numeric' as const },
        { text: r.complete },
      ]),
    };
  });
}

/** The children table without the columns the reader emptied, and "*" for suppressed counts. */
export function childrenViewFor(view: ChildrenTableView, hidden: HiddenChildren | null): ChildrenTableView {
  if (hidden === null) return view;
  // Value columns follow the name and code columns.
  const keep = view.columns.map((c) => !hidden.columns.has(c.key as ChildColumn));
  const valueKeys = view.columns.slice(2).map((c) => c.key);
  return {
    ...view,
    columns: view.columns.filter((_, i) => keep[i]),
    rows: view.rows.map((row) => {
      const suppressed = hidden.suppressed.get(row.code);
      return {
        ...row,
        values: row.values
          .map((v, j) => (suppressed?.has(valueKeys[j] as ChildColumn) ? SUPPRESSED_TEXT : v))
          .filter((_, j) => keep[j + 2]),
      };
    }),
    hasMissingRates: keep.slice(4).some(Boolean) ? view.hasMissingRates : false,
  };
}

/** The National summary's view of what the reader gave this viewer. */
export function nationalSummaryViewFor(
  seen: Seen<NationalSummary, HiddenFigures>,
  regions: Seen<AreaChildren | null, HiddenChildren>,
  sort: ChildrenSort | null,
  chart: ChartSettings = {},
): NationalSummaryView {
  const { figures: summary, hidden } = seen;
  // The range ends where the full page's does, whatever disclosure control left out.
  const settings = hidden ? { ...chart, lastPeriod: hidden.lastPeriod ?? undefined } : chart;
  const view = buildNationalSummaryView(summary, regions.figures, sort, settings);
  return {
    ...view,
    children: view.children ? childrenViewFor(view.children, regions.hidden) : null,
  };
}

/** An area page's view of what the reader gave this viewer. */
export function areaPageViewFor(
  seen: Seen<AreaPage, HiddenFigures> & { children: HiddenChildren | null },
  sort: ChildrenSort | null,
  compare: CompareWith = 'england',
  chart: ChartSettings = {},
  ranking: RankingLinkMetrics = { headline: null, second: null },
): AreaPageView {
  const { figures: page, hidden } = seen;
  if (hidden === null) return buildAreaPageView(page, sort, compare, chart, ranking);
  const settings = { ...chart, lastPeriod: hidden.lastPeriod ?? undefined };
  const view = buildAreaPageView(page, sort, compare, settings, ranking);
  return {
    ...view,
    tiles: markSuppressedTiles(view.tiles, page.tiles, hidden),
    charts: markSuppressedCharts(view.charts, page.tiles, hidden, page.grain, settings),
    children: view.children ? childrenViewFor(view.children, seen.children) : null,
  };
}
