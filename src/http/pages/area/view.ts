/**
 * Turns the AreaPage read model into what area.njk shows: breadcrumbs, the area's details, tiles compared
 * with the parent and England, trend charts and the children table. Formatted text only. Pure.
 */
import { areaLabel, childLevel, LEVEL_LABELS, type AreaLevel } from '../../../domain/areas.ts';
import type { Grain } from '../../../domain/metric-definition.ts';
import type { AreaPage, AreaTile, PeerPosition } from '../../../query/types.ts';
import { roundFigure } from '../../../domain/rounding.ts';
import {
  formatCoverage,
  formatDate,
  formatPeriod,
  formatPeriodInSentence,
  formatValue,
  lowerFirst,
  periodEnd,
} from '../../../web/format.ts';
import { DEFAULT_RANGE, type TimeRange } from '../../../domain/time-range.ts';
import {
  childrenTableView,
  type ChildrenSort,
  type ChildrenTableView,
} from '../../../web/views/area-children.ts';
import {
  areaPath,
  areaUrl,
  hiddenFields,
  type CompareWith,
  type PageState,
} from '../../../web/views/page-state.ts';
import {
  chartView,
  LEVEL_WORDS,
  dataStatusView,
  demoView,
  formatInterval,
  periodsOf,
  rangeOptions,
  tileSparkline,
  tileView,
  verdictLabel,
  VERDICT_TAGS,
  type ChartView,
  type ComparisonView,
  type DemoView,
  type RangeView,
  type TileView,
  type VerdictView,
} from '../../../web/views/metric-panels.ts';
import { chartCsvHref, chartSvgHref } from './state.ts';
import { beforeAfterView, type BeforeAfterView } from '../../../web/views/before-after.ts';
import { practiceContextView, type PracticeContextView } from './practice-context.ts';
import { rankingLinks, type AreaLink, type RankingLinkMetrics } from '../ranking/view.ts';
import { isOpenView } from '../../../domain/access.ts';

export interface AreaPageView {
  grain: Grain;
  grainWord: 'month' | 'week';
  includePartial: boolean;
  name: string;
  levelLabel: string;
  /** The page's own path, the form's action. */
  path: string;
  /** The data table of this area's figures, or of the areas one level below it (task 8: one CSV of them). */
  dataTable: AreaLink;
  breadcrumbs: { text: string; href: string }[];
  details: { key: string; value: string; href?: string }[];
  closed: { heading: string; paragraphs: string[] } | null;
  refreshedText: string | null;
  completeUpToText: string | null;
  lastDayText: string | null;
  hasPartial: boolean;
  demo: DemoView | null;
  tiles: TileView[];
  comparisonNote: string | null;
  /** The benchmark of the verdicts, chosen with `compare=england|parent` (a GET form, no JavaScript). */
  compare: {
    value: CompareWith;
    options: { value: CompareWith; text: string; checked: boolean }[];
  } | null;
  charts: ChartView[];
  /** The charts' time range and rolling average (one GET form with the grain; docs/adr/0029). */
  range: RangeView;
  children: ChildrenTableView | null;
  hiddenFields: { name: string; value: string }[];
  /** Links to the rankings below the area (partials/ranking-links.njk). */
  rankingLinks: AreaLink[];
  /** Practice pages: list sizes, supplier, PCN, rank in the ICB (partials/practice-context.njk). */
  practiceContext: PracticeContextView | null;
  /** Before and after a date (`since`): the table, or null when none was asked for. */
  beforeAfter: BeforeAfterView | null;
  /** The before-and-after form's hidden fields (every other setting). */
  beforeAfterFields: { name: string; value: string }[];
}

const integer = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 0 });

const IN_AREA: Record<AreaLevel, string> = {
  england: 'in England',
  region: 'in this region',
  icb: 'in this ICB',
  sub_icb: 'in this sub-ICB location',
  pcn: 'in this PCN',
  practice: 'in this practice',
};

/** The data table's selection for an area: the areas just below it, or the practice itself. */
export function dataTableLink(level: AreaLevel, code: string, grain: Grain): AreaLink {
  const below = childLevel(level);
  const q = new URLSearchParams();
  if (level !== 'england') q.set('area', code);
  if (below) q.set('level', below);
  if (grain === 'week') q.set('grain', 'week');
  const whose = below ? `the ${LEVEL_WORDS[below]} ${IN_AREA[level]}` : 'this practice';
  return {
    text: `Every figure for ${whose}, as a table or CSV (data table)`,
    href: `/data?${q.toString()}`,
    open: isOpenView(below ?? level, grain),
  };
}

/** Coverage below 100% (as formatCoverage shows it), else null: a full figure needs no coverage note. */
function partialCoverage(coverage: number | null): string | null {
  const text = formatCoverage(coverage);
  return text === '100%' || text === '–' ? null : text;
}

function comparisonView(
  tile: AreaTile,
  page: AreaPage,
  state: Omit<PageState, 'path' | 'sort'>,
): ComparisonView | null {
  const c = tile.comparison;
  if (!c) return null;
  return {
    caption: `${c.name}, ${formatPeriod(page.grain, c.periodStart)}`,
    valueHeading: c.unit === 'percent' ? 'Percentage' : 'Per 1,000',
    showCoverage: c.figures.some((f) => f.value !== null && partialCoverage(f.coverage) !== null),
    rows: c.figures.map((f) => ({
      label: f.area.name,
      href: f.role === 'area' ? null : areaUrl(f.area.level, f.area.code, state),
      current: f.role === 'area',
      valueText: f.value === null ? 'Not available' : formatValue(roundFigure(f.value, c.unit), c.unit),
      ciText: formatInterval(f.lowerCi95, f.upperCi95, c.unit) ?? '–',
      coverageText: f.value === null ? '–' : formatCoverage(f.coverage),
    })),
  };
}

export type { CompareWith } from '../../../web/views/page-state.ts';

/**
 * The tile's verdict against England or the parent (docs/adr/0022): the area's 95% interval against the
 * benchmark's value in the latest complete period. Null when the tile compares nothing (no rate), or the
 * parent is asked for and the area's parent is England (then England is the benchmark).
 */
export function verdictView(tile: AreaTile, page: AreaPage, compare: CompareWith): VerdictView | null {
  const c = tile.comparison;
  if (!c) return null;
  const role = compare !== 'england' && c.figures.some((f) => f.role === compare) ? compare : 'england';
  const bench = c.figures.find((f) => f.role === role);
  if (!bench) return null;
  const own = c.figures.find((f) => f.role === 'area');
  const verdict =
    role === 'parent'
      ? c.comparedWithParent
      : role === 'icb'
        ? (c.comparedWithIcb ?? 'not-compared')
        : c.comparedWithEngland;
  const name = role === 'england' ? 'England' : bench.area.name;
  const period = formatPeriodInSentence(page.grain, c.periodStart);
  const interval = own ? formatInterval(own.lowerCi95, own.upperCi95, c.unit) : null;
  const valueOf = (v: number | null) =>
    v === null
      ? 'no figure'
      : `${formatValue(roundFigure(v, c.unit), c.unit)}${c.unit === 'per_1000' ? ' per 1,000' : ''}`;
  let detail: string;
  if (verdict === 'not-compared' || !own || own.value === null || interval === null) {
    detail = `Not compared with ${name} in ${period}: no confidence interval can be computed for ${page.area.name} (no list size for patients aged 13+).`;
    if (bench.value === null) detail = `Not compared with ${name} in ${period}: ${name} has no figure.`;
  } else {
    detail = `${valueOf(own.value)} (95% confidence interval ${interval}) against ${name}’s ${valueOf(bench.value)}, ${period}.`;
  }
  return { verdict, label: verdictLabel(verdict, name), tagClass: VERDICT_TAGS[verdict], detail };
}

/**
 * A count's tile is compared with England and ranked on its rate per 1,000 patients aged 13+ (its comparison
 * metric), not on the count it shows: the tile gives that rate, so that "Similar to England" and "Rank 24 of
 * 36 ICBs" are not read as about the count. Null for a tile compared on its own figure, or with no rate.
 */
export function rateBasisText(tile: AreaTile): string | null {
  const c = tile.comparison;
  if (!c || c.metricId === tile.metricId) return null;
  const own = c.figures.find((f) => f.role === 'area');
  if (!own || own.value === null) return null;
  const value = formatValue(roundFigure(own.value, c.unit), c.unit);
  return c.unit === 'per_1000' ? `${value} per 1,000 patients 13+` : `${value} of patients 13+`;
}

/** The kind of area as it reads inside a sentence. */
const NOUNS = {
  england: 'country',
  region: 'NHS England region',
  icb: 'integrated care board',
  sub_icb: 'sub-ICB location',
  pcn: 'primary care network',
  practice: 'GP practice',
} as const;

function closedView(page: AreaPage): AreaPageView['closed'] {
  const { area } = page;
  if (area.isCurrent) return null;
  const noun = NOUNS[area.level];
  const lastSeen = area.lastExtract ? ` (it was last in the release of ${formatDate(area.lastExtract)})` : '';
  const paragraphs = [
    `This ${noun} is not in the latest NHS practice map${lastSeen}: it has closed, merged or been reorganised. Its history still shows.`,
  ];
  const last = page.lastActivePeriod ? formatPeriodInSentence(page.grain, page.lastActivePeriod) : null;
  paragraphs.push(
    last
      ? `Figures are shown up to ${last}, the last ${page.grain} with activity recorded for it.`
      : `No activity is recorded for it in the loaded data by ${page.grain}.`,
  );
  if (page.structure === 'as_recorded') {
    paragraphs.push(
      'Its figures are as recorded at the time: on today’s structure its practices count in the areas they belong to now. Rates per patients are given on today’s structure only, so they are not available for it.',
    );
  } else if (area.level === 'practice') {
    paragraphs.push('Its figures still count in the totals of the areas above it.');
  }
  return { heading: `Closed ${noun}`, paragraphs };
}

function detailsView(page: AreaPage, state: Omit<PageState, 'path' | 'sort'>): AreaPageView['details'] {
  const { area, ancestors } = page;
  const rows: AreaPageView['details'] = [
    { key: 'Type of area', value: LEVEL_LABELS[area.level].singular },
    { key: 'ODS code', value: area.code },
  ];
  if (area.onsCode) rows.push({ key: 'ONS code', value: area.onsCode });
  if (area.level === 'practice') {
    rows.push({ key: 'Postcode', value: area.postcode ?? 'Not known' });
    rows.push({ key: 'GP system supplier', value: area.supplierName ?? 'Not known' });
  }
  const parent = ancestors[ancestors.length - 1];
  if (parent) {
    rows.push({
      key: 'Part of',
      value: parent.name,
      href: areaUrl(parent.level, parent.code, state),
    });
  }
  return rows;
}

/**
 * The area's percentile rank in words: "Higher than 73% of the other 35 ICBs on NHS App logins per 1,000
 * patients aged 13+ in October 2026 (ranked 10th of 36)". Null without a figure or other areas.
 */
export function peerText(position: PeerPosition, level: AreaLevel, grain: Grain): string | null {
  const { value, percentileRank, count, rank } = position;
  if (value === null || percentileRank === null || rank === null || count < 2) return null;
  const words = LEVEL_WORDS[level];
  let lead: string;
  if (percentileRank >= 100) lead = `Highest of the ${integer.format(count)} ${words}`;
  else if (percentileRank <= 0)
    lead = isJoint(position)
      ? `Joint lowest, with ${integer.format(position.equal! - 1)} others, of the ${integer.format(count)} ${words}`
      : `Lowest of the ${integer.format(count)} ${words}`;
  else {
    const pct = Math.min(99, Math.max(1, Math.round(percentileRank)));
    lead = `Higher than ${pct}% of the other ${integer.format(count - 1)} ${words}`;
  }
  const joint = isJoint(position) ? 'joint ' : '';
  return `${lead} on ${lowerFirst(position.metricName)} in ${formatPeriodInSentence(grain, position.periodStart)} (ranked ${joint}${integer.format(rank)} of ${integer.format(count)}).`;
}

/** Whether other areas share the area's figure, and so its rank. */
function isJoint(position: PeerPosition): boolean {
  return (position.equal ?? 1) > 1;
}

/**
 * The rank on a tile, short: "Rank 10 of 36 ICBs", or "Joint rank 499 of 6,129 GP practices" when others have the
 * same figure (hundreds of practices with no registrations in a week, say). The chart's section gives it in a
 * sentence.
 */
export function rankText(position: PeerPosition, level: AreaLevel): string | null {
  const { value, rank, count } = position;
  if (value === null || rank === null || count < 2) return null;
  const lead = isJoint(position) ? 'Joint rank' : 'Rank';
  return `${lead} ${integer.format(rank)} of ${integer.format(count)} ${LEVEL_WORDS[level]}`;
}

/** The charts' time range and rolling average as chosen in the URL. */
export interface ChartSettings {
  range?: TimeRange;
  average?: boolean;
  /** The date the page compares the periods before and after (`since`); null or absent: none. */
  since?: string | null;
  /** The metrics whose figures are counts per period, the only ones compared before and after. */
  periodCounts?: ReadonlySet<string>;
  /** Where the range ends (default: the last period of the page's series). */
  lastPeriod?: string | null;
}

/** An area named as pages name it (areaLabel: a sub-ICB location's place name before its NHS name). */
function labelled<T extends { name: string; placeName?: string | null }>(area: T): T {
  return { ...area, name: areaLabel(area) };
}

/** The page with every area it names (the area, ancestors, benchmarks, children) labelled by areaLabel. */
function withLabels(page: AreaPage): AreaPage {
  const trends = page.trends
    ? Object.fromEntries(
        Object.entries(page.trends).map(([id, t]) => [
          id,
          { ...t, parent: t.parent ? { ...t.parent, area: labelled(t.parent.area) } : null },
        ]),
      )
    : undefined;
  return {
    ...page,
    area: labelled(page.area),
    ancestors: page.ancestors.map(labelled),
    tiles: page.tiles.map((t) =>
      t.comparison
        ? {
            ...t,
            comparison: {
              ...t.comparison,
              figures: t.comparison.figures.map((f) => ({ ...f, area: labelled(f.area) })),
            },
          }
        : t,
    ),
    ...(trends ? { trends } : {}),
    children: page.children
      ? { ...page.children, parent: labelled(page.children.parent), rows: page.children.rows.map(labelled) }
      : null,
  };
}

export function buildAreaPageView(
  input: AreaPage,
  sort: ChildrenSort | null = null,
  compare: CompareWith = 'england',
  chart: ChartSettings = {},
  /** The ranking links' metrics (rankingLinkMetrics of the catalogue); without them, no ranking links. */
  ranking: RankingLinkMetrics = { headline: null, second: null },
): AreaPageView {
  const page = withLabels(input);
  const { grain, area } = page;
  const range = chart.range ?? DEFAULT_RANGE;
  const average = chart.average === true;
  const path = areaPath(area.level, area.code);
  const parent = page.ancestors[page.ancestors.length - 1];
  // The parent is a benchmark of its own only below a region (a region's parent is England).
  const canCompareParent = parent !== undefined && parent.level !== 'england';
  // PCNs and practices are also compared with their ICB (ADR 0064): the read model says so with its figure.
  const icb = page.tiles.flatMap((t) => t.comparison?.figures ?? []).find((f) => f.role === 'icb')?.area;
  const compareWith: CompareWith =
    compare === 'parent' && canCompareParent ? 'parent' : compare === 'icb' && icb ? 'icb' : 'england';
  const benchName =
    compareWith === 'parent' ? `${parent!.name}’s` : compareWith === 'icb' ? `${icb!.name}’s` : 'England’s';
  // What every link carries over: the settings as asked (compare too, for the pages below that have a parent).
  const since = chart.since ?? null;
  const linked = { grain, includePartial: page.includePartial, range, average, compare, since };
  const state = { path, sort, ...linked };
  const lastPeriod = chart.lastPeriod ?? periodsOf(page.series).last;
  const tiles = page.tiles.map((t) => {
    const position = page.peerPositions?.[t.metricId];
    const comparison = comparisonView(t, page, linked);
    const own = t.comparison?.figures.find((f) => f.role === 'area');
    return {
      ...tileView(t, grain),
      comparison,
      peerText: position ? peerText(position, area.level, grain) : null,
      basisText: rateBasisText(t),
      rankText: position ? rankText(position, area.level) : null,
      coverageText:
        own && own.value !== null && partialCoverage(own.coverage)
          ? `Coverage ${partialCoverage(own.coverage)}`
          : null,
      verdict: verdictView(t, page, compareWith),
      sparkline: tileSparkline(t, page.series[t.metricId] ?? [], grain, range),
    };
  });
  const hasComparison = tiles.some((t) => t.comparison);
  const comparedWith =
    parent && parent.level !== 'england'
      ? `${parent.name}${icb ? `, ${icb.name}` : ''} and England`
      : 'England';
  return {
    grain,
    grainWord: grain === 'week' ? 'week' : 'month',
    includePartial: page.includePartial,
    name: area.name,
    levelLabel: LEVEL_LABELS[area.level].singular,
    path,
    dataTable: dataTableLink(area.level, area.code, grain),
    breadcrumbs: page.ancestors.map((a) => ({
      text: a.name,
      href: areaUrl(a.level, a.code, linked),
    })),
    details: detailsView(page, linked),
    closed: closedView(page),
    ...dataStatusView(grain, page.status, page.series),
    // The data's completeness, not the area's: a closed area's figures stop earlier.
    completeUpToText: page.latestCompletePeriod
      ? formatDate(periodEnd(grain, page.latestCompletePeriod))
      : null,
    demo: demoView(page.status),
    tiles,
    comparisonNote: hasComparison
      ? `Each tile compares ${area.name} with ${comparedWith} as a rate per 1,000 GP registered patients aged 13 and over (or as a percentage of them). Rates count only practices with a list size for patients aged 13+; coverage is the share of the figure that comes from those practices. The verdict compares the 95% confidence interval of ${area.name}’s figure with ${benchName} value, as Fingertips does; the change on the previous ${grain} is shown separately and makes no judgement.`
      : null,
    compare: hasComparison
      ? {
          value: compareWith,
          options: [
            { value: 'england' as const, text: 'England', checked: compareWith === 'england' },
            ...(canCompareParent
              ? [{ value: 'parent' as const, text: parent!.name, checked: compareWith === 'parent' }]
              : []),
            ...(icb ? [{ value: 'icb' as const, text: icb.name, checked: compareWith === 'icb' }] : []),
          ],
        }
      : null,
    charts: page.tiles.map((t, i) => {
      const trend = page.trends?.[t.metricId];
      const view = chartView(t, page.series[t.metricId] ?? [], grain, {
        range,
        lastPeriod,
        average,
        csvHref: chartCsvHref(area, t.metricId, grain, page.includePartial, { range }),
        svgHref: chartSvgHref(area, t.metricId, linked),
        peers: page.peerBands?.[t.metricId]?.length
          ? { bands: page.peerBands[t.metricId]!, areasWord: LEVEL_WORDS[area.level], areaName: area.name }
          : null,
        trend: trend
          ? {
              name: trend.name,
              unit: trend.unit,
              area: trend.area,
              parent: trend.parent ? { name: trend.parent.area.name, points: trend.parent.points } : null,
              england: trend.england ? { name: 'England', points: trend.england.points } : null,
            }
          : null,
      });
      const tile = tiles[i]!;
      return {
        ...view,
        comparison: tile.comparison,
        verdictDetail: tile.verdict?.detail ?? null,
        peerText: tile.peerText,
      };
    }),
    range: rangeOptions(grain, range, average),
    children: page.children ? childrenTableView(page.children, state) : null,
    rankingLinks: rankingLinks(area, page.ancestors.find((a) => a.level === 'icb') ?? null, ranking),
    practiceContext: practiceContextView(page.practiceContext, { detailsShown: true }),
    // The view form asks for grain, partial, range, average and compare; the table's sort is carried over.
    hiddenFields: hiddenFields(state, ['grain', 'partial', 'range', 'avg', 'compare']),
    beforeAfter: beforeAfterView(page, since, chart.periodCounts),
    beforeAfterFields: hiddenFields(state, ['since']),
  };
}
