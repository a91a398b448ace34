/**
 * View helpers shared by every page that shows metrics (National summary, area pages): headline tiles,
 * trend charts with their tables, the demo-data notice and the figures' dates. Formatted text only, so
 * templates do no arithmetic. Pure and unit-tested.
 */
import type { AreaLevel } from '../../domain/areas.ts';
import type { Grain, MetricDefinition } from '../../domain/metric-definition.ts';
import { SUPPRESSED_TEXT } from '../../domain/disclosure.ts';
import type { PeerBand } from '../../query/peers.ts';
import type { DataStatus, SeriesPoint, SummaryTile } from '../../query/types.ts';
import { renderLineChart } from '../charts/line-chart.ts';
import {
  describeChange,
  directionOf,
  formatDate,
  formatDateTime,
  formatNumber,
  formatPercentChange,
  formatPeriod,
  formatPeriodInSentence,
  formatPeriodShort,
  formatValue,
  judge,
  periodEnd,
  unitSuffix,
  type Direction,
  type Judgement,
} from '../format.ts';

export interface TileView {
  id: string;
  heading: string;
  description: string;
  /** "2,188,000" or "–" when there is no figure yet. */
  valueText: string;
  unitText: string;
  /** "October 2026" / "Week commencing 9 November 2026". */
  periodText: string | null;
  change: {
    direction: Direction;
    /** "▲", "▼" or "" (hidden from screen readers). */
    arrow: string;
    /** Screen-reader words for the arrow: "Up", "Down". */
    directionWords: string;
    /** Visible text after the arrow: "4.2% on the previous month". */
    text: string;
    judgement: Judgement;
  } | null;
  /** Shown instead of a change when there is nothing to compare with. */
  noChangeText: string | null;
  /** Area pages: the same figure (or a rate of it) for the area, its parent and England, as a small table. */
  comparison?: ComparisonView | null;
  /** Area pages: the area's percentile rank among areas of its level ("Higher than 73% of ICBs …"). */
  peerText?: string | null;
}

export interface ComparisonView {
  /** "Logins per 1,000 patients aged 13+, October 2026". */
  caption: string;
  /** Heading of the value column: "Per 1,000" or "Percentage". */
  valueHeading: string;
  rows: {
    /** The area's name; `current` marks the row of the page's own area. */
    label: string;
    href: string | null;
    current: boolean;
    valueText: string;
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
  hasPartial: boolean;
  /** The CSV of exactly what the chart shows; null when the page has no download for it. */
  csvHref: string | null;
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

export function tileView(tile: SummaryTile, grain: Grain): TileView {
  const grainWord = grain === 'week' ? 'week' : 'month';
  const base = {
    id: slug(tile.metricId),
    heading: tile.shortName,
    description: tile.description,
    unitText: unitSuffix(tile.unit).trim(),
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
  const direction = directionOf(tile.latest.value, tile.previous.value);
  const on = `on the previous ${grainWord}`;
  let text: string;
  if (direction === 'same') text = `No change ${on}`;
  else if (tile.unit === 'percent') {
    const points = Math.abs(tile.latest.value - tile.previous.value);
    text = `${formatNumber(Math.round(points * 10) / 10)} percentage points ${on}`;
  } else if (tile.changePct !== null && Number.isFinite(tile.changePct)) {
    text = `${formatPercentChange(tile.changePct)} ${on}`;
  } else {
    text = `from ${formatValue(tile.previous.value, tile.unit)} ${on}`;
  }
  return {
    ...base,
    valueText,
    periodText,
    change: {
      direction,
      arrow: direction === 'up' ? '▲' : direction === 'down' ? '▼' : '',
      directionWords: direction === 'up' ? 'Up' : direction === 'down' ? 'Down' : '',
      text,
      judgement: judge(direction, tile.polarity),
    },
    noChangeText: null,
  };
}

export interface ChartOptions {
  /** Link to the chart's CSV (see chartCsvHref). */
  csvHref?: string | null;
  /**
   * The spread of the same figure across the areas of the same level, per period (drawn as a band behind
   * the line, and given in the table); `areasWord` names them in sentences ("ICBs").
   */
  peers?: { bands: PeerBand[]; areasWord: string; areaName: string } | null;
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

/** The address of a chart's CSV: /areas/LEVEL/CODE/chart.csv?metric=…, England's under /areas/england/. */
export function chartCsvHref(
  area: { level: AreaLevel; code: string },
  metricId: string,
  grain: Grain,
  includePartial: boolean,
): string {
  const params = new URLSearchParams({ metric: metricId });
  if (grain !== 'month') params.set('grain', grain);
  if (includePartial) params.set('partial', '1');
  return `/areas/${encodeURIComponent(area.level)}/${encodeURIComponent(area.code)}/chart.csv?${params}`;
}

export function chartView(
  tile: SummaryTile,
  points: SeriesPoint[],
  grain: Grain,
  options: ChartOptions = {},
): ChartView {
  const grainWord = grain === 'week' ? 'week' : 'month';
  const id = `chart-${slug(tile.metricId)}`;
  const summary = describeChange(tile.shortName, grain, tile.unit, tile.latest, tile.previous);
  const partial = points.filter((p) => !p.complete);
  const first = points[0];
  const last = points[points.length - 1];
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
    const lastBand = last ? bandOf.get(last.periodStart) : undefined;
    if (last && lastBand) {
      descParts.push(
        `In ${formatPeriodInSentence(grain, last.periodStart)}, ${peers.areaName} was ${bandPosition(last.value, lastBand, peers.areasWord)}.`,
      );
    }
  }
  const chartOptions = {
    title: `${tile.name} by ${grainWord}`,
    desc: descParts.join(' '),
    points: points.map((p) => ({
      label: formatPeriodShort(grain, p.periodStart),
      value: p.value,
      partial: !p.complete,
      band: bandOf.get(p.periodStart) ?? null,
    })),
    formatTick: tile.unit === 'percent' ? (v: number) => `${formatNumber(v)}%` : undefined,
    integer: tile.unit !== 'percent' && tile.unit !== 'per_1000' ? undefined : false,
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
    lo === undefined || hi === undefined
      ? '–'
      : `${formatValue(lo, tile.unit)} to ${formatValue(hi, tile.unit)}`;
  const rows = points.map((p) => {
    const b = bandOf.get(p.periodStart);
    return {
      period: formatPeriod(grain, p.periodStart) + (p.complete ? '' : ' (partial)'),
      value: formatValue(p.value, tile.unit),
      complete: p.complete ? 'Yes' : 'No (partial)',
      ...(peers ? { middleHalf: range2(b?.p25, b?.p75), middle80: range2(b?.p10, b?.p90) } : {}),
    };
  });
  const tableHead: { text: string; format?: 'numeric' }[] = [
    { text: 'Period' },
    { text: valueHeading(tile.unit), format: 'numeric' },
  ];
  if (peers) {
    tableHead.push(
      { text: `Middle half of ${peers.areasWord} (25th to 75th percentile)`, format: 'numeric' },
      { text: `Middle 80% of ${peers.areasWord} (10th to 90th percentile)`, format: 'numeric' },
    );
  }
  tableHead.push({ text: 'Complete period' });
  return {
    id,
    heading: tile.name,
    summary,
    svg,
    svgNarrow,
    caption: `${grain === 'week' ? 'Weekly' : 'Monthly'}, ${range}`,
    tableCaption: `${tile.name} by ${grainWord}`,
    valueHeading: valueHeading(tile.unit),
    rows,
    tableHead,
    tableRows: rows.map((r) => [
      { text: r.period },
      { text: r.value, format: 'numeric' as const },
      ...(r.middleHalf !== undefined
        ? [
            { text: r.middleHalf, format: 'numeric' as const },
            { text: r.middle80!, format: 'numeric' as const },
          ]
        : []),
      { text: r.complete },
    ]),
    hasPartial: partial.length > 0,
    csvHref: options.csvHref ?? null,
    peerNote,
  };
}

/** The latest complete period over several series, and whether any holds a partial period. */
export function periodsOf(series: Record<string, SeriesPoint[]>): {
  latestComplete: string | null;
  hasPartial: boolean;
} {
  let latestComplete: string | null = null;
  let hasPartial = false;
  for (const points of Object.values(series)) {
    for (const p of points) {
      if (p.complete && (latestComplete === null || p.periodStart > latestComplete))
        latestComplete = p.periodStart;
      if (!p.complete) hasPartial = true;
    }
  }
  return { latestComplete, hasPartial };
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

/** One CSV field: numbers in full, text quoted when needed, text a spreadsheet would run as a formula defused. */
export function csvField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return '';
    // Full precision (the shortest text that reads back as the same number), so nothing is lost.
    return String(value);
  }
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * The CSV of one chart: a row per period it draws, with the period, whether it is complete, the area, the
 * value (and a rate's numerator, denominator and coverage), and the band of areas of the same level when
 * the chart draws one. The same figures as the chart's table.
 */
/** A point of a chart's CSV; `suppressed` (open data under disclosure control) writes "*" as its value. */
export type ChartCsvPoint = SeriesPoint & { suppressed?: boolean };

export function chartCsv(opts: {
  area: { level: AreaLevel; code: string; name: string };
  metric: Pick<MetricDefinition, 'id' | 'name' | 'unit'>;
  grain: Grain;
  points: ChartCsvPoint[];
  bands?: PeerBand[] | null;
}): string {
  const { area, metric, grain, points } = opts;
  const isRate = points.some((p) => p.coverage !== undefined);
  const bands =
    opts.bands && opts.bands.length > 0 ? new Map(opts.bands.map((b) => [b.periodStart, b])) : null;
  const header = [
    'period_start',
    'period_end',
    'period',
    'complete',
    'area_level',
    'area_code',
    'area_name',
    'metric_id',
    'metric_name',
    'unit',
    'value',
  ];
  if (isRate) header.push('numerator', 'denominator', 'coverage');
  if (bands) header.push('peers_p10', 'peers_p25', 'peers_p75', 'peers_p90', 'peers_count');
  const lines = [header.join(',')];
  for (const p of points) {
    const row: (string | number | boolean | null | undefined)[] = [
      p.periodStart,
      periodEnd(grain, p.periodStart),
      formatPeriod(grain, p.periodStart),
      p.complete,
      area.level,
      area.code,
      area.name,
      metric.id,
      metric.name,
      metric.unit,
      p.suppressed ? SUPPRESSED_TEXT : p.value,
    ];
    if (isRate) row.push(p.numerator, p.denominator, p.coverage);
    if (bands) {
      const b = bands.get(p.periodStart);
      row.push(b?.p10, b?.p25, b?.p75, b?.p90, b?.count);
    }
    lines.push(row.map(csvField).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
