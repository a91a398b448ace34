/**
 * What visitors who are not signed in see on the figure pages (National summary, /areas, area pages): open
 * figures only (src/domain/access.ts), with statistical disclosure control below England when configured
 * (src/domain/disclosure.ts). The read models are filtered before any view is built, so a restricted
 * figure never reaches a template, chart or table; a few view texts are then adjusted ("*" for suppressed
 * counts, columns of restricted metrics removed).
 */
import { isOpenFigure, OPEN_DATA_GRAINS, OPEN_DATA_LEVELS, type Viewer } from '../domain/access.ts';
import type { AreaLevel } from '../domain/areas.ts';
import { discloseCount, disclosureApplies, SUPPRESSED_TEXT } from '../domain/disclosure.ts';
import type { Grain, MetricDefinition } from '../domain/metric-definition.ts';
import { changePct } from '../query/national-summary.ts';
import { childColumns } from '../query/area-page.ts';
import type { AreaChildren, AreaPage, NationalSummary, SeriesPoint, SummaryTile } from '../query/types.ts';
import { formatPeriod } from '../web/format.ts';
import type { ChildrenSort, ChildrenTableView } from '../web/views/area-children.ts';
import { buildAreaPageView, type AreaPageView, type ChartSettings } from './pages/area/view.ts';
import { pickRange, DEFAULT_RANGE } from '../domain/time-range.ts';
import { periodsOf } from '../web/views/metric-panels.ts';
import { buildNationalSummaryView, type NationalSummaryView } from './pages/national-summary/view.ts';
import { rankingLinkMetrics } from './pages/ranking/view.ts';
import type { ChartView, TileView } from '../web/views/metric-panels.ts';
import { SignInRequiredError } from './access.ts';
import type { RouteContext } from './route-context.ts';

export interface OpenDataContext {
  catalogue: ReadonlyMap<string, MetricDefinition>;
  /** OPEN_DATA_DISCLOSURE. */
  disclosure: boolean;
}

/** What the figure pages need to filter open data, from a route module's context. */
export function openDataContext(ctx: RouteContext): OpenDataContext {
  return { catalogue: catalogueMap(ctx.catalogue), disclosure: ctx.deps.config.auth.openDataDisclosure };
}

export function catalogueMap(catalogue: readonly MetricDefinition[]): ReadonlyMap<string, MetricDefinition> {
  return new Map(catalogue.map((m) => [m.id, m]));
}

/** Whether a catalogue metric's figure at this level and grain is open data (unknown metrics are not). */
export function isOpenMetric(
  ctx: OpenDataContext,
  metricId: string,
  level: AreaLevel,
  grain: Grain,
): boolean {
  const metric = ctx.catalogue.get(metricId);
  return metric !== undefined && isOpenFigure({ metric, level, grain, catalogue: ctx.catalogue });
}

/** Anonymous visitors may open a figure page only for open levels and grains; otherwise they sign in. */
export function requireOpenPage(viewer: Viewer, level: AreaLevel, grain: Grain): void {
  if (viewer.signedIn) return;
  if (!OPEN_DATA_GRAINS.includes(grain)) {
    throw new SignInRequiredError('Sign in with an NHS email address to see weekly figures.');
  }
  if (!OPEN_DATA_LEVELS.includes(level)) {
    throw new SignInRequiredError('Sign in with an NHS email address to see figures for local areas.');
  }
}

/**
 * Sorting by a column the visitor cannot see would reveal its order: such a sort is dropped. Rate columns are
 * still dropped for visitors, though open now (issue 11): a conservative default until sorts check the rule.
 */
export function openSort(viewer: Viewer, sort: ChildrenSort | null): ChildrenSort | null {
  if (viewer.signedIn || sort === null) return sort;
  return sort.key === 'rate' || sort.key === 'registered' ? null : sort;
}

/** The notice shown on pages of open data to visitors who are not signed in (partials/access-notice.njk). */
export function accessNotice(viewer: Viewer, path: string): { text: string; signInHref: string } | null {
  if (viewer.signedIn) return null;
  return {
    text: 'You are seeing open data: monthly figures for England, regions and ICBs.',
    signInHref: path === '/' ? '/sign-in' : `/sign-in?next=${encodeURIComponent(path)}`,
  };
}

/** Periods (first days) whose count was suppressed, per metric. */
export type Suppressed = Map<string, Set<string>>;

interface Filtered<T extends SummaryTile> {
  tiles: T[];
  series: Record<string, SeriesPoint[]>;
  suppressed: Suppressed;
}

/**
 * Keeps only the open tiles and series of a page at `level`/`grain`, applying disclosure control to counts
 * below England when configured (suppressed points are left out of the series and noted in `suppressed`;
 * the tiles' latest/previous/change are recomputed from disclosed figures). Comparisons are removed (their
 * verdicts and confidence intervals are not part of open data yet).
 */
export function openTilesAndSeries<T extends SummaryTile>(
  ctx: OpenDataContext,
  level: AreaLevel,
  grain: Grain,
  tiles: readonly T[],
  series: Record<string, SeriesPoint[]>,
): Filtered<T> {
  const out: Filtered<T> = { tiles: [], series: {}, suppressed: new Map() };
  for (const tile of tiles) {
    if (!isOpenMetric(ctx, tile.metricId, level, grain)) continue;
    const points = series[tile.metricId] ?? [];
    const withoutComparison = ('comparison' in tile ? { ...tile, comparison: null } : { ...tile }) as T;
    if (!disclosureApplies({ enabled: ctx.disclosure, level, unit: tile.unit })) {
      out.tiles.push(withoutComparison);
      out.series[tile.metricId] = points;
      continue;
    }
    const hidden = new Set<string>();
    const disclose = (p: SeriesPoint | null): SeriesPoint | null => {
      if (!p) return null;
      const d = discloseCount(p.value);
      if (d.suppressed) {
        hidden.add(p.periodStart);
        return null;
      }
      return { periodStart: p.periodStart, value: d.value, complete: p.complete };
    };
    const kept = points.map(disclose).filter((p): p is SeriesPoint => p !== null);
    const latest = disclose(tile.latest);
    const previous = disclose(tile.previous);
    out.series[tile.metricId] = kept;
    out.suppressed.set(tile.metricId, hidden);
    out.tiles.push({ ...withoutComparison, latest, previous, changePct: changePct(latest, previous) });
  }
  return out;
}

/** Tile texts for suppressed latest figures: "*" rather than "no figures yet". */
export function markSuppressedTiles(
  views: TileView[],
  tiles: readonly SummaryTile[],
  source: readonly SummaryTile[],
  suppressed: Suppressed,
): TileView[] {
  return views.map((view, i) => {
    const tile = tiles[i]!;
    const original = source.find((t) => t.metricId === tile.metricId);
    const hidden = suppressed.get(tile.metricId);
    if (!original?.latest || !hidden?.has(original.latest.periodStart)) return view;
    return {
      ...view,
      valueText: SUPPRESSED_TEXT,
      change: null,
      noChangeText: 'Fewer than 8: not shown in open data',
    };
  });
}

/** Chart tables with a "*" row for each suppressed period, in period order. */
export function markSuppressedCharts(
  charts: ChartView[],
  tiles: readonly SummaryTile[],
  source: Record<string, SeriesPoint[]>,
  suppressed: Suppressed,
  grain: Grain,
  settings: ChartSettings = {},
): ChartView[] {
  // The periods the charts show: the range ends with the last period of the page as loaded.
  const last = settings.lastPeriod ?? periodsOf(source).last;
  return charts.map((chart, i) => {
    const tile = tiles[i]!;
    const hidden = suppressed.get(tile.metricId);
    if (!hidden || hidden.size === 0) return chart;
    const rows: ChartView['rows'] = [];
    let k = 0;
    for (const p of pickRange(grain, settings.range ?? DEFAULT_RANGE, source[tile.metricId] ?? [], last)) {
      if (hidden.has(p.periodStart)) {
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

/**
 * An area's children for a visitor: null when the children's level is not open; otherwise counts
 * disclosure-controlled (suppressed ones set to 0 for sorting, listed in the returned set) and the columns
 * of metrics that are not open removed (rates of open counts are open: src/domain/access.ts). Signed-in
 * viewers get the children unchanged.
 */
export function openChildren(
  ctx: OpenDataContext,
  viewer: Viewer,
  children: AreaChildren | null,
): { children: AreaChildren | null; suppressedCodes: Map<string, Set<'logins' | 'users'>> } {
  const suppressedCodes = new Map<string, Set<'logins' | 'users'>>();
  if (viewer.signedIn || children === null) return { children, suppressedCodes };
  if (!OPEN_DATA_LEVELS.includes(children.level) || !OPEN_DATA_GRAINS.includes(children.grain)) {
    return { children: null, suppressedCodes };
  }
  const open = (id: string) => isOpenMetric(ctx, id, children.level, children.grain);
  const columnIds = childColumns([...ctx.catalogue.values()]);
  const loginsOpen = open(columnIds.logins);
  const usersOpen = open(columnIds.users);
  const disclosing = disclosureApplies({ enabled: ctx.disclosure, level: children.level, unit: 'events' });
  const rows = children.rows.map((r) => {
    const count = (key: 'logins' | 'users', value: number, isOpen: boolean): number => {
      if (!isOpen) return 0;
      if (!disclosing) return value;
      const d = discloseCount(value);
      if (d.suppressed) {
        const set = suppressedCodes.get(r.code) ?? new Set();
        set.add(key);
        suppressedCodes.set(r.code, set);
        return 0;
      }
      return d.value;
    };
    return {
      ...r,
      logins: count('logins', r.logins, loginsOpen),
      users: count('users', r.users, usersOpen),
      usersPer1000: open(columnIds.usersPer1000) ? r.usersPer1000 : null,
      usersPer1000Coverage: open(columnIds.usersPer1000) ? r.usersPer1000Coverage : null,
      registeredPct: open(columnIds.registeredPct) ? r.registeredPct : null,
      registeredPctCoverage: open(columnIds.registeredPct) ? r.registeredPctCoverage : null,
    };
  });
  return { children: { ...children, rows }, suppressedCodes };
}

/** The children table as a visitor sees it: columns of restricted metrics removed, suppressed counts "*". */
export function openChildrenView(
  ctx: OpenDataContext,
  viewer: Viewer,
  children: AreaChildren,
  view: ChildrenTableView,
  suppressedCodes: Map<string, Set<'logins' | 'users'>>,
): ChildrenTableView {
  if (viewer.signedIn) return view;
  const columnIds = childColumns([...ctx.catalogue.values()]);
  const metricOf: Record<string, string> = {
    logins: columnIds.logins,
    users: columnIds.users,
    rate: columnIds.usersPer1000,
    registered: columnIds.registeredPct,
  };
  // Value columns follow the name and code columns.
  const keep = view.columns.map((c) => {
    const metric = metricOf[c.key];
    return metric === undefined || isOpenMetric(ctx, metric, children.level, children.grain);
  });
  const valueKeys = view.columns.slice(2).map((c) => c.key);
  return {
    ...view,
    columns: view.columns.filter((_, i) => keep[i]),
    rows: view.rows.map((row) => {
      const hidden = suppressedCodes.get(row.code);
      return {
        ...row,
        values: row.values
          .map((v, j) => (hidden?.has(valueKeys[j] as 'logins' | 'users') ? SUPPRESSED_TEXT : v))
          .filter((_, j) => keep[j + 2]),
      };
    }),
    hasMissingRates: keep.slice(4).some(Boolean) ? view.hasMissingRates : false,
  };
}

/** The National summary's view for this viewer (open figures only for visitors). */
export function nationalSummaryViewFor(
  ctx: OpenDataContext,
  viewer: Viewer,
  summary: NationalSummary,
  regions: AreaChildren | null,
  sort: ChildrenSort | null,
  chart: ChartSettings = {},
): NationalSummaryView {
  if (viewer.signedIn) return buildNationalSummaryView(summary, regions, sort, chart);
  const filtered = openTilesAndSeries(ctx, 'england', summary.grain, summary.tiles, summary.series);
  const { children, suppressedCodes } = openChildren(ctx, viewer, regions);
  // The range ends where the full page's does, whatever disclosure control leaves out.
  const lastPeriod = periodsOf(summary.series).last;
  const view = buildNationalSummaryView(
    { ...summary, tiles: filtered.tiles, series: filtered.series },
    children,
    sort,
    { ...chart, lastPeriod },
  );
  return {
    ...view,
    children:
      view.children && children
        ? openChildrenView(ctx, viewer, children, view.children, suppressedCodes)
        : null,
  };
}

/** An area page's view for this viewer (open figures only for visitors; the page must be an open one). */
export function areaPageViewFor(
  ctx: OpenDataContext,
  viewer: Viewer,
  page: AreaPage,
  sort: ChildrenSort | null,
  compare: 'england' | 'parent' = 'england',
  chart: ChartSettings = {},
): AreaPageView {
  const ranking = rankingLinkMetrics([...ctx.catalogue.values()]);
  if (viewer.signedIn) return buildAreaPageView(page, sort, compare, chart, ranking);
  const level = page.area.level;
  const filtered = openTilesAndSeries(ctx, level, page.grain, page.tiles, page.series);
  const { children, suppressedCodes } = openChildren(ctx, viewer, page.children);
  // Peer ranks compare rates (not open data); bands of counts are left out under disclosure control.
  const peers = { peerPositions: undefined, peerBands: ctx.disclosure ? undefined : page.peerBands };
  const settings = { ...chart, lastPeriod: periodsOf(page.series).last };
  const view = buildAreaPageView(
    { ...page, tiles: filtered.tiles, series: filtered.series, children, ...peers },
    sort,
    compare,
    settings,
    ranking,
  );
  return {
    ...view,
    comparisonNote: null,
    tiles: markSuppressedTiles(view.tiles, filtered.tiles, page.tiles, filtered.suppressed),
    charts: markSuppressedCharts(
      view.charts,
      filtered.tiles,
      page.series,
      filtered.suppressed,
      page.grain,
      settings,
    ),
    children:
      view.children && children
        ? openChildrenView(ctx, viewer, children, view.children, suppressedCodes)
        : null,
  };
}

/** The regions table of /areas for this viewer. */
export function regionsViewFor(
  ctx: OpenDataContext,
  viewer: Viewer,
  regions: AreaChildren | null,
  build: (children: AreaChildren) => ChildrenTableView,
): ChildrenTableView | null {
  const { children, suppressedCodes } = openChildren(ctx, viewer, regions);
  if (!children) return null;
  return openChildrenView(ctx, viewer, children, build(children), suppressedCodes);
}
