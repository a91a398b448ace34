/**
 * View helpers shared by every page that shows metrics (National summary, area pages): headline tiles,
 * trend charts with their tables, the demo-data notice and the figures' dates. Formatted text only, so
 * templates do no arithmetic. Pure and unit-tested.
 */
import { AREA_CSV_COLUMNS, areaCsvCells, csvCell } from '../../domain/csv.ts';
import type { AreaLevel } from '../../domain/areas.ts';
import type { Grain, MetricDefinition } from '../../domain/metric-definition.ts';
import { SUPPRESSED_TEXT } from '../../domain/disclosure.ts';
import { roundCount, roundCoverage, roundFigure, roundTo } from '../../domain/rounding.ts';
import type { Verdict } from '../../domain/statistics.ts';
import {
  pickRange,
  RANGE_LABELS,
  TIME_RANGES,
  rollingAverage,
  ROLLING_WEEKS,
  type TimeRange,
} from '../../domain/time-range.ts';
import type { PeerBand } from '../../query/types.ts';
import type { DataStatus, SeriesPoint, SummaryTile } from '../../query/types.ts';
import { LINE_STYLES, renderLineChart, renderSparkline } from '../charts/line-chart.ts';
import {
  describeChange,
  describeYearChange,
  directionOf,
  formatDate,
  formatDateTime,
  formatNumber,
  formatPercentChange,
  formatPeriod,
  formatPeriodInSentence,
  formatPeriodShort,
  formatValue,
  lowerFirst,
  periodEnd,
  unitSuffix,
  type Direction,
} from '../format.ts';

/** A tile's change on an earlier period. */
export interface TileChange {
  direction: Direction;
  /** "▲", "▼" or "" (hidden from screen readers). */
  arrow: string;
  /** Screen-reader words for the arrow: "Up", "Down". */
  directionWords: string;
  /** Visible text after the arrow: "4.2% on the previous month". Neutral: no colour, no judgement. */
  text: string;
}

export interface TileView {
  id: string;
  heading: string;
  description: string;
  /** "2,188,000" or "–" when there is no figure yet. */
  valueText: string;
  unitText: string;
  /** "October 2026" / "Week commencing 9 November 2026". */
  periodText: string | null;
  change: TileChange | null;
  /** Shown instead of a change when there is nothing to compare with. */
  noChangeText: string | null;
  /**
   * The change on the same period a year earlier ("12.4% on November 2025"), the seasons left out; null when
   * there is no figure for it or either period is partial. Neutral, like `change`.
   */
  yearChange?: TileChange | null;
  /** Area pages: the same figure (or a rate of it) for the area, its parent and England, as a small table. */
  comparison?: ComparisonView | null;
  /** Area pages: the area's percentile rank among areas of its level ("Higher than 73% of ICBs …"). */
  peerText?: string | null;
  /** Area pages: the comparison verdict against England or the parent, with its confidence interval. */
  verdict?: VerdictView | null;
  /**
   * Area pages, a count's tile: the rate its verdict and rank are on ("253.3 per 1,000 patients 13+"), so
   * that they are not read as about the count.
   */
  basisText?: string | null;
  /** Area pages: the rank among areas of its level, short ("Rank 10 of 36 ICBs"). */
  rankText?: string | null;
  /** Only when the rate compared covers less than all of the figure ("Coverage 97%"). */
  coverageText?: string | null;
  /** The metric's page in the data dictionary ("What is this?"). */
  dictionaryHref: string;
  /** A small decorative SVG of the trend over the page's range (its figures are in the chart's table). */
  sparkline: string | null;
}

/** A comparison verdict as shown: a tag whose words say it all (colour only repeats them). */
export interface VerdictView {
  verdict: Verdict;
  /** "Better than England", "Similar to NHS West Yorkshire ICB", "Not compared". */
  label: string;
  /** nhsuk-frontend tag modifier. */
  tagClass: string;
  /** "45.2 per 1,000 (95% confidence interval 40.1 to 50.6) against England's 41.0, October 2026." */
  detail: string;
}

/**
 * Tag colours as Fingertips uses them, in NHS tag styles: better green, similar yellow, worse red, higher
 * and lower (no polarity) blue and purple, not compared grey. The text always names the verdict.
 */
export const VERDICT_TAGS: Record<Verdict, string> = {
  better: 'nhsuk-tag--green',
  similar: 'nhsuk-tag--yellow',
  worse: 'nhsuk-tag--red',
  higher: 'nhsuk-tag--blue',
  lower: 'nhsuk-tag--purple',
  'not-compared': 'nhsuk-tag--grey',
};

/** The verdict's words against a named benchmark: "Better than England", "Similar to England". */
export function verdictLabel(verdict: Verdict, benchmark: string): string {
  switch (verdict) {
    case 'better':
      return `Better than ${benchmark}`;
    case 'worse':
      return `Worse than ${benchmark}`;
    case 'higher':
      return `Higher than ${benchmark}`;
    case 'lower':
      return `Lower than ${benchmark}`;
    case 'similar':
      return `Similar to ${benchmark}`;
    default:
      return 'Not compared';
  }
}

/** "40.1 to 50.6": a 95% interval in the figure's unit, rounded as the figure is. */
export function formatInterval(lower: number | null, upper: number | null, unit: string): string | null {
  if (lower === null || upper === null) return null;
  return `${formatValue(roundFigure(lower, unit), unit)} to ${formatValue(roundFigure(upper, unit), unit)}`;
}

export interface ComparisonView {
  /** "Logins per 1,000 patients aged 13+, October 2026". */
  caption: string;
  /** Heading of the value column: "Per 1,000" or "Percentage". */
  valueHeading: string;
  /** Coverage is shown only when some row's is below 100%. */
  showCoverage: boolean;
  rows: {
    /** The area's name; `current` marks the row of the page's own area. */
    label: string;
    href: string | null;
    current: boolean;
    valueText: string;
    /** The 95% confidence interval: "40.1 to 50.6", "–" when none. */
    ciText: string;
    coverageText: string;
  }[];
}

export interface TableRowView {
  period: string;
  value: string;
  complete: string;
  /** With a band of comparable areas: its 25th–75th and 10th–90th percentile ranges. */
  middleHalf?: string;
  middle80?: string;
  /** With `avg=4w` on a weekly chart: the 4-week rolling average of the line drawn. */
  average?: string;
}

export interface ChartView {
  id: string;
  heading: string;
  summary: string;
  /** Trusted SVG markup (every text inside is escaped by the chart module), for wide screens. */
  svg: string;
  /** The same chart drawn narrower, shown instead on small screens so its text stays readable. */
  svgNarrow: string;
  caption: string;
  tableCaption: string;
  valueHeading: string;
  rows: TableRowView[];
  /** The table's column headings and rows in the shape of nhsuk-frontend's table macro. */
  tableHead: { text: string; format?: 'numeric' }[];
  tableRows: { text: string; format?: 'numeric' }[][];
  /** How to read the band of comparable areas, when the chart draws one. */
  peerNote: string | null;
  /** Rates first: what the lines are (the area's rate, its parent's and England's), when drawn. */
  linesNote: string | null;
  hasPartial: boolean;
  /** The CSV of exactly what the chart shows; null when the page has no download for it. */
  csvHref: string | null;
  /** The chart as a picture of its own (SVG, with its title, notes and source); null when the page has none. */
  svgHref: string | null;
  /** The metric's page in the data dictionary. */
  dictionaryHref: string;
  /** What the 4-week rolling average line is, when drawn (weekly charts with `avg=4w`). */
  averageNote: string | null;
  /** Area pages: the comparison table (area, parent, England), the verdict's detail and the rank sentence. */
  comparison?: ComparisonView | null;
  verdictDetail?: string | null;
  peerText?: string | null;
}

export interface DemoView {
  scaleText: string;
  seedText: string;
  generatedText: string | null;
}

export function demoView(status: DataStatus): DemoView | null {
  if (!status.demo) return null;
  const { scale, seed, generatedAt } = status.demo;
  let generatedText: string | null = null;
  try {
    generatedText = formatDateTime(generatedAt);
  } catch {
    generatedText = null;
  }
  return { scaleText: formatNumber(scale, 6), seedText: String(seed), generatedText };
}

export function safeDateTime(iso: string | null): string | null {
  if (!iso) return null;
  try {
    return formatDateTime(iso);
  } catch {
    return null;
  }
}

export function safeDate(iso: string | null): string | null {
  if (!iso) return null;
  try {
    return formatDate(iso);
  } catch {
    return null;
  }
}

export function slug(metricId: string): string {
  return metricId.replace(/[^A-Za-z0-9_-]/g, '-');
}

export function valueHeading(unit: string): string {
  if (unit === 'percent') return 'Percentage';
  if (unit === 'per_1000') return 'Per 1,000 patients aged 13+';
  return 'Number';
}

/** The metric's entry in the data dictionary. */
export function dictionaryHref(metricId: string): string {
  return `/dictionary/${encodeURIComponent(metricId)}`;
}

/**
 * The tile's sparkline: the tile's own figure over the page's range (complete periods, as the tile's value
 * and change are), decorative; null with fewer than two.
 */
export function tileSparkline(
  tile: SummaryTile,
  points: SeriesPoint[],
  grain: Grain,
  range: TimeRange,
): string | null {
  const shown = pickRange(grain, range, points).filter((p) => p.complete);
  if (shown.length < 2) return null;
  return renderSparkline(shown.map((p) => p.value)) || null;
}

export function tileView(tile: SummaryTile, grain: Grain): TileView {
  const grainWord = grain === 'week' ? 'week' : 'month';
  const base = {
    id: slug(tile.metricId),
    heading: tile.shortName,
    description: tile.description,
    unitText: unitSuffix(tile.unit).trim(),
    dictionaryHref: dictionaryHref(tile.metricId),
    sparkline: null,
  };
  if (!tile.latest) {
    return { ...base, valueText: '–', periodText: null, change: null, noChangeText: 'No figures yet' };
  }
  const periodText =
    formatPeriod(grain, tile.latest.periodStart) + (tile.latest.complete ? '' : ' (partial)');
  const valueText = formatValue(tile.latest.value, tile.unit);
  if (!tile.previous) {
    return {
      ...base,
      valueText,
      periodText,
      change: null,
      noChangeText: `No previous ${grainWord} to compare`,
    };
  }
  if (!tile.latest.complete || !tile.previous.complete) {
    // A period still being loaded is not compared with a whole one.
    return {
      ...base,
      valueText,
      periodText,
      change: null,
      noChangeText: `No change shown for a partial ${grainWord}`,
    };
  }
  const yearEarlier = tile.yearEarlier;
  return {
    ...base,
    valueText,
    periodText,
    change: changeView(
      tile.latest.value,
      tile.previous.value,
      tile.changePct,
      tile.unit,
      `the previous ${grainWord}`,
    ),
    noChangeText: null,
    yearChange:
      yearEarlier && yearEarlier.complete
        ? changeView(
            tile.latest.value,
            yearEarlier.value,
            tile.changeOnYearPct,
            tile.unit,
            formatPeriodInSentence(grain, yearEarlier.periodStart),
          )
        : null,
  };
}

/** The change from `before` to `value`, "on" the period named by `onWhat`: points for percentages. */
function changeView(
  value: number,
  before: number,
  pct: number | null,
  unit: string,
  onWhat: string,
): TileChange {
  const direction = directionOf(value, before);
  const on = `on ${onWhat}`;
  let text: string;
  if (direction === 'same') text = `No change ${on}`;
  else if (unit === 'percent') {
    const points = Math.abs(value - before);
    text = `${formatNumber(Math.round(points * 10) / 10)} percentage points ${on}`;
  } else if (pct !== null && Number.isFinite(pct)) {
    text = `${formatPercentChange(pct)} ${on}`;
  } else {
    text = `from ${formatValue(before, unit)} ${on}`;
  }
  return {
    direction,
    arrow: direction === 'up' ? '▲' : direction === 'down' ? '▼' : '',
    directionWords: direction === 'up' ? 'Up' : direction === 'down' ? 'Down' : '',
    text,
  };
}

export interface ChartOptions {
  /** Link to the chart's CSV (see chartCsvHref). */
  csvHref?: string | null;
  /** Link to the chart as an SVG file (see chartSvgHref). */
  svgHref?: string | null;
  /**
   * The spread of the same figure across the areas of the same level, per period (drawn as a band behind
   * the line, and given in the table); `areasWord` names them in sentences ("ICBs").
   */
  peers?: { bands: PeerBand[]; areasWord: string; areaName: string } | null;
  /** Rates first (area pages): draw the rate with its parent and England lines; the table adds the rates. */
  trend?: TrendLines | null;
  /** The periods shown (default: all): the range ending with `lastPeriod` (default the series' last). */
  range?: TimeRange;
  lastPeriod?: string | null;
  /** Weekly charts: add the 4-week rolling average of the line drawn, as a line and a column. */
  average?: boolean;
}

/** Areas of a level as they read in a sentence: "ICBs", "GP practices". */
export const LEVEL_WORDS: Record<AreaLevel, string> = {
  england: 'countries',
  region: 'NHS England regions',
  icb: 'ICBs',
  sub_icb: 'sub-ICB locations',
  pcn: 'PCNs',
  practice: 'GP practices',
};

/** Where a value sits in a band, in words ("in the middle half of ICBs"). */
export function bandPosition(value: number, band: PeerBand, areasWord: string): string {
  if (value > band.p90) return `among the highest 10% of ${areasWord}`;
  if (value > band.p75) return `in the highest quarter of ${areasWord}`;
  if (value < band.p10) return `among the lowest 10% of ${areasWord}`;
  if (value < band.p25) return `in the lowest quarter of ${areasWord}`;
  return `in the middle half of ${areasWord}`;
}

/** A trend drawn rates first: the rate of the tile's figure for the area, its parent and England. */
export interface TrendLines {
  /** The rate's name and unit ("NHS App logins per 1,000 patients aged 13+", per_1000). */
  name: string;
  unit: string;
  area: SeriesPoint[];
  parent: { name: string; points: SeriesPoint[] } | null;
  england: { name: string; points: SeriesPoint[] } | null;
}

export function chartView(
  tile: SummaryTile,
  allPoints: SeriesPoint[],
  grain: Grain,
  options: ChartOptions = {},
): ChartView {
  const grainWord = grain === 'week' ? 'week' : 'month';
  const id = `chart-${slug(tile.metricId)}`;
  const trend = options.trend && options.trend.area.length > 0 ? options.trend : null;
  // Rates first: with a trend the chart draws the rate (and the band is of the rate); the table keeps
  // the counts and adds the rates beside them.
  const unit = trend ? trend.unit : tile.unit;
  const rateOf = (list: SeriesPoint[] | undefined) => new Map((list ?? []).map((p) => [p.periodStart, p]));
  const areaRate = rateOf(trend?.area);
  const parentRate = rateOf(trend?.parent?.points);
  const englandRate = rateOf(trend?.england?.points);
  const plottedAll = trend
    ? allPoints.map((p) => ({ ...p, value: areaRate.get(p.periodStart)?.value ?? Number.NaN }))
    : allPoints;
  // The average is taken over the whole series, so that the range's first weeks have one too.
  const showAverage = options.average === true && grain === 'week';
  const averageOf = new Map(
    showAverage ? rollingAverage(plottedAll).map((v, i) => [plottedAll[i]!.periodStart, v] as const) : [],
  );
  const points = pickRange(grain, options.range ?? 'all', allPoints, options.lastPeriod);
  const shown = new Set(points.map((p) => p.periodStart));
  const plotted = plottedAll.filter((p) => shown.has(p.periodStart));
  // A change to or from a partial period is never described (the tile's rule).
  const complete = tile.latest?.complete === true;
  const summary = [
    describeChange(tile.shortName, grain, tile.unit, tile.latest, tile.previous),
    complete && tile.yearEarlier?.complete
      ? describeYearChange(grain, tile.unit, tile.latest, tile.yearEarlier)
      : '',
  ]
    .filter((s) => s !== '')
    .join(' ');
  const partial = points.filter((p) => !p.complete);
  const first = points[0];
  const last = points[points.length - 1];
  const lastPlotted = plotted[plotted.length - 1];
  const range =
    first && last
      ? `from ${formatPeriodInSentence(grain, first.periodStart)} to ${formatPeriodInSentence(grain, last.periodStart)}` +
        (last.complete ? '' : ' (partial)')
      : 'No periods';
  const descParts = [summary];
  if (first && last) {
    descParts.push(
      `The chart shows ${points.length} ${grainWord}${points.length === 1 ? '' : 's'}, ${range}.`,
    );
  }
  let linesNote: string | null = null;
  if (trend) {
    const named = [
      trend.parent ? `${trend.parent.name} as a ${LINE_STYLES.parent.words}` : null,
      trend.england ? `England as a ${LINE_STYLES.england.words}` : null,
    ].filter((t): t is string => t !== null);
    linesNote =
      `The chart shows ${lowerFirst(trend.name)}: ${options.peers?.areaName ?? 'the area'} as a solid blue line` +
      (named.length > 0 ? `, ${named.join(' and ')}.` : '.');
    descParts.push(linesNote);
  }
  let averageNote: string | null = null;
  if (showAverage) {
    averageNote = `The ${LINE_STYLES.average.words} is the ${ROLLING_WEEKS}-week rolling average: the mean of each week and the ${ROLLING_WEEKS - 1} before it, shown only where all ${ROLLING_WEEKS} weeks are complete.`;
    descParts.push(averageNote);
  }
  if (partial.length > 0) descParts.push('The dashed part of the line is a partial period.');
  const peers = options.peers && options.peers.bands.length > 0 ? options.peers : null;
  const bandOf = new Map((peers?.bands ?? []).map((b) => [b.periodStart, b]));
  let peerNote: string | null = null;
  if (peers) {
    const counts = peers.bands.map((b) => b.count);
    const fewest = Math.min(...counts);
    const most = Math.max(...counts);
    const how = fewest === most ? `the ${formatNumber(most)} ${peers.areasWord}` : `the ${peers.areasWord}`;
    peerNote =
      `The shaded band behind the line shows the spread across ${how}: the darker part the middle half ` +
      '(25th to 75th percentile), the lighter part the middle 80% (10th to 90th percentile).';
    descParts.push(peerNote);
    const lastBand = lastPlotted ? bandOf.get(lastPlotted.periodStart) : undefined;
    if (lastPlotted && lastBand && Number.isFinite(lastPlotted.value)) {
      descParts.push(
        `In ${formatPeriodInSentence(grain, lastPlotted.periodStart)}, ${peers.areaName} was ${bandPosition(lastPlotted.value, lastBand, peers.areasWord)}.`,
      );
    }
  }
  const benchmark = (map: Map<string, SeriesPoint>) =>
    points.map((p) => map.get(p.periodStart)?.value ?? null);
  const averageLine = showAverage
    ? [{ kind: 'average' as const, values: points.map((p) => averageOf.get(p.periodStart) ?? null) }]
    : [];
  const chartOptions = {
    title: `${trend ? trend.name : tile.name} by ${grainWord}`,
    desc: descParts.join(' '),
    points: plotted.map((p) => ({
      label: formatPeriodShort(grain, p.periodStart),
      // Weekly ticks name the year on the first label and where it changes.
      ...(grain === 'week'
        ? { labelWithYear: formatPeriodShort(grain, p.periodStart, true), year: p.periodStart.slice(0, 4) }
        : {}),
      value: p.value,
      partial: !p.complete,
      band: bandOf.get(p.periodStart) ?? null,
    })),
    formatTick: unit === 'percent' ? (v: number) => `${formatNumber(v)}%` : undefined,
    integer: unit !== 'percent' && unit !== 'per_1000' ? undefined : false,
    lines: trend
      ? [
          ...(trend.parent ? [{ kind: 'parent' as const, values: benchmark(parentRate) }] : []),
          ...(trend.england ? [{ kind: 'england' as const, values: benchmark(englandRate) }] : []),
          ...averageLine,
        ]
      : averageLine,
  };
  const svg = renderLineChart({ ...chartOptions, id, className: 'app-chart__svg--wide' });
  const svgNarrow = renderLineChart({
    ...chartOptions,
    id: `${id}-narrow`,
    width: 360,
    height: 240,
    className: 'app-chart__svg--narrow',
  });
  const range2 = (lo: number | undefined, hi: number | undefined) =>
    lo === undefined || hi === undefined ? '–' : `${formatValue(lo, unit)} to ${formatValue(hi, unit)}`;
  const rateText = (p: SeriesPoint | undefined) => (p ? formatValue(p.value, unit) : '–');
  const averageText = (v: number | null) => (v === null ? '–' : formatValue(roundFigure(v, unit), unit));
  const rows = points.map((p) => {
    const b = bandOf.get(p.periodStart);
    return {
      period: formatPeriod(grain, p.periodStart) + (p.complete ? '' : ' (partial)'),
      value: formatValue(p.value, tile.unit),
      complete: p.complete ? 'Yes' : 'No (partial)',
      ...(trend
        ? {
            rates: [
              rateText(areaRate.get(p.periodStart)),
              ...(trend.parent ? [rateText(parentRate.get(p.periodStart))] : []),
              ...(trend.england ? [rateText(englandRate.get(p.periodStart))] : []),
            ],
          }
        : {}),
      ...(peers ? { middleHalf: range2(b?.p25, b?.p75), middle80: range2(b?.p10, b?.p90) } : {}),
      ...(showAverage ? { average: averageText(averageOf.get(p.periodStart) ?? null) } : {}),
    };
  });
  const tableHead: { text: string; format?: 'numeric' }[] = [
    { text: 'Period' },
    { text: valueHeading(tile.unit), format: 'numeric' },
  ];
  // A rate that is the tile's own figure is not repeated for the area.
  const ownRate = trend !== null && trend.unit === tile.unit && tile.unit !== 'events';
  if (trend) {
    const rateWord = trend.unit === 'percent' ? 'percentage' : 'per 1,000';
    tableHead.push(
      { text: `${options.peers?.areaName ?? 'Area'}, ${rateWord}`, format: 'numeric' },
      ...(trend.parent ? [{ text: `${trend.parent.name}, ${rateWord}`, format: 'numeric' as const }] : []),
      ...(trend.england ? [{ text: `England, ${rateWord}`, format: 'numeric' as const }] : []),
    );
  }
  if (peers) {
    tableHead.push(
      { text: `Middle half of ${peers.areasWord} (25th to 75th percentile)`, format: 'numeric' },
      { text: `Middle 80% of ${peers.areasWord} (10th to 90th percentile)`, format: 'numeric' },
    );
  }
  if (showAverage) {
    const of = trend ? (trend.unit === 'percent' ? ', percentage' : ', per 1,000') : '';
    tableHead.push({ text: `${ROLLING_WEEKS}-week rolling average${of}`, format: 'numeric' });
  }
  tableHead.push({ text: 'Complete period' });
  if (ownRate) tableHead.splice(2, 1);
  return {
    id,
    heading: tile.name,
    summary,
    svg,
    svgNarrow,
    caption: `${grain === 'week' ? 'Weekly' : 'Monthly'}, ${range}`,
    tableCaption: trend
      ? `${tile.name} and ${lowerFirst(trend.name)} by ${grainWord}`
      : `${tile.name} by ${grainWord}`,
    valueHeading: valueHeading(tile.unit),
    rows,
    tableHead,
    tableRows: rows.map((r) => [
      { text: r.period },
      { text: r.value, format: 'numeric' as const },
      ...(r.rates ?? []).slice(ownRate ? 1 : 0).map((text) => ({ text, format: 'numeric' as const })),
      ...(r.middleHalf !== undefined
        ? [
            { text: r.middleHalf, format: 'numeric' as const },
            { text: r.middle80!, format: 'numeric' as const },
          ]
        : []),
      ...(r.average !== undefined ? [{ text: r.average, format: 'numeric' as const }] : []),
      { text: r.complete },
    ]),
    hasPartial: partial.length > 0,
    csvHref: options.csvHref ?? null,
    svgHref: options.svgHref ?? null,
    dictionaryHref: dictionaryHref(tile.metricId),
    averageNote,
    peerNote,
    linesNote,
  };
}

/**
 * The latest complete period over several series, the last period of any (where every chart's range ends,
 * so that all charts of a page show the same periods), and whether any holds a partial period.
 */
export function periodsOf(series: Record<string, SeriesPoint[]>): {
  latestComplete: string | null;
  last: string | null;
  hasPartial: boolean;
} {
  let latestComplete: string | null = null;
  let last: string | null = null;
  let hasPartial = false;
  for (const points of Object.values(series)) {
    for (const p of points) {
      if (p.complete && (latestComplete === null || p.periodStart > latestComplete))
        latestComplete = p.periodStart;
      if (last === null || p.periodStart > last) last = p.periodStart;
      if (!p.complete) hasPartial = true;
    }
  }
  return { latestComplete, last, hasPartial };
}

/** The charts' time range as the view form offers it (radios), with the weekly rolling average. */
export interface RangeView {
  value: TimeRange;
  /** "Last 12 months". */
  text: string;
  /** In a heading: "the last 12 months", "all periods loaded". */
  phrase: string;
  options: { value: TimeRange; text: string; checked: boolean }[];
  /** The 4-week rolling average is asked for (`avg=4w`); it is drawn on weekly charts only. */
  average: boolean;
  /** The checkbox is offered at weekly grain (at monthly grain a chosen average is carried over, hidden). */
  averageOffered: boolean;
}

export function rangeOptions(grain: Grain, range: TimeRange, average: boolean): RangeView {
  return {
    value: range,
    text: RANGE_LABELS[range],
    phrase: range === 'all' ? 'all periods loaded' : `the ${RANGE_LABELS[range].toLowerCase()}`,
    options: TIME_RANGES.map((value) => ({ value, text: RANGE_LABELS[value], checked: value === range })),
    average,
    averageOffered: grain === 'week',
  };
}

export interface DataStatusView {
  refreshedText: string | null;
  completeUpToText: string | null;
  lastDayText: string | null;
  hasPartial: boolean;
}

/** When the data was refreshed, the last complete period shown, the last day loaded, and any partial period. */
export function dataStatusView(
  grain: Grain,
  status: DataStatus,
  series: Record<string, SeriesPoint[]>,
): DataStatusView {
  const { latestComplete, hasPartial } = periodsOf(series);
  return {
    refreshedText: safeDateTime(status.refreshedAt),
    completeUpToText: latestComplete ? formatDate(periodEnd(grain, latestComplete)) : null,
    lastDayText: safeDate(status.lastDay),
    hasPartial,
  };
}

/**
 * The CSV of one chart: a row per period it draws, with the period, whether it is complete, the area, the
 * value (and a rate's numerator, denominator and coverage), and the band of areas of the same level when
 * the chart draws one. The same figures as the chart's table.
 */
/** A point of a chart's CSV; `suppressed` (open data under disclosure control) writes "*" as its value. */
export type ChartCsvPoint = SeriesPoint & { suppressed?: boolean };

export function chartCsv(opts: {
  area: { level: AreaLevel; code: string; name: string; onsCode?: string | null };
  metric: Pick<MetricDefinition, 'id' | 'name' | 'unit'>;
  grain: Grain;
  points: ChartCsvPoint[];
  bands?: PeerBand[] | null;
}): string {
  const { area, metric, grain, points } = opts;
  const isRate = points.some((p) => p.coverage !== undefined);
  const bands =
    opts.bands && opts.bands.length > 0 ? new Map(opts.bands.map((b) => [b.periodStart, b])) : null;
  const header: string[] = [
    ...AREA_CSV_COLUMNS,
    'period_start',
    'period_end',
    'period',
    'complete',
    'metric_id',
    'metric_name',
    'unit',
    'value',
  ];
  if (isRate) header.push('numerator', 'denominator', 'coverage');
  const hasCi = points.some((p) => p.lowerCi95 !== undefined);
  if (hasCi) header.push('lower_ci_95', 'upper_ci_95', 'lower_ci_99_8', 'upper_ci_99_8');
  if (bands) header.push('peers_p10', 'peers_p25', 'peers_p75', 'peers_p90', 'peers_count');
  const lines = [header.map(csvCell).join(',')];
  for (const p of points) {
    const row: (string | number | boolean | null | undefined)[] = [
      ...areaCsvCells(area),
      p.periodStart,
      periodEnd(grain, p.periodStart),
      formatPeriod(grain, p.periodStart),
      p.complete,
      metric.id,
      metric.name,
      metric.unit,
      p.suppressed ? SUPPRESSED_TEXT : roundFigure(p.value, metric.unit),
    ];
    // Rounded at the edge (docs/adr/0022): counts whole, rates and percentages to 1 decimal.
    if (isRate) row.push(roundCount(p.numerator), roundCount(p.denominator), roundCoverage(p.coverage));
    if (hasCi) {
      const limit = (v: number | undefined) => roundFigure(v, metric.unit);
      row.push(limit(p.lowerCi95), limit(p.upperCi95), limit(p.lowerCi998), limit(p.upperCi998));
    }
    if (bands) {
      const b = bands.get(p.periodStart);
      // Percentiles interpolate between areas (and on area pages are of the rate): 1 decimal.
      const r = (v: number | undefined) => (v === undefined ? v : roundTo(v, 1));
      row.push(r(b?.p10), r(b?.p25), r(b?.p75), r(b?.p90), b?.count);
    }
    lines.push(row.map(csvCell).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
