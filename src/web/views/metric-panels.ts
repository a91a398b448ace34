/**
 * View helpers shared by every page that shows metrics (National summary, area pages): headline tiles,
 * trend charts with their tables, the demo-data notice and the figures' dates. Formatted text only, so
 * templates do no arithmetic. Pure and unit-tested.
 */
import type { Grain } from '../../domain/metric-definition.ts';
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
  /** The same rows in the shape of nhsuk-frontend's table macro. */
  tableRows: { text: string; format?: 'numeric' }[][];
  hasPartial: boolean;
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

export function chartView(tile: SummaryTile, points: SeriesPoint[], grain: Grain): ChartView {
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
  const chartOptions = {
    title: `${tile.name} by ${grainWord}`,
    desc: descParts.join(' '),
    points: points.map((p) => ({
      label: formatPeriodShort(grain, p.periodStart),
      value: p.value,
      partial: !p.complete,
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
  const rows = points.map((p) => ({
    period: formatPeriod(grain, p.periodStart) + (p.complete ? '' : ' (partial)'),
    value: formatValue(p.value, tile.unit),
    complete: p.complete ? 'Yes' : 'No (partial)',
  }));
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
    tableRows: rows.map((r) => [
      { text: r.period },
      { text: r.value, format: 'numeric' as const },
      { text: r.complete },
    ]),
    hasPartial: partial.length > 0,
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
