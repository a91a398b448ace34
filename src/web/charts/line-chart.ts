/**
 * Server-side line charts as accessible inline SVG: no JavaScript, no inline styles (the CSP forbids them),
 * every text escaped. Pure: data in, SVG string out.
 */
import { formatCompact } from '../format.ts';

export interface ChartPoint {
  /** Axis label for the period, e.g. "Nov 2026" or "9 Nov". */
  label: string;
  /**
   * Weekly charts: the label with its year ("9 Nov 2026") and the year, used on the first label drawn and
   * on the first drawn in each new year, so that the axis says which year it is.
   */
  labelWithYear?: string;
  year?: string;
  value: number;
  /** The period is not yet complete: drawn with a dashed line and a hollow marker. */
  partial?: boolean;
  /**
   * The spread of the same figure across comparable areas in this period, drawn as a band behind the line:
   * the outer band from p10 to p90, the inner (darker) one from p25 to p75. Periods without one leave a gap.
   */
  band?: { p10: number; p25: number; p75: number; p90: number } | null;
}

export interface LineChartOptions {
  /** Prefix for element ids (title, description); made safe for an id attribute. */
  id: string;
  /** Short accessible name, e.g. "Logins by month". */
  title: string;
  /** Longer description read by screen readers, e.g. the plain-English summary. */
  desc: string;
  points: ChartPoint[];
  width?: number;
  height?: number;
  /** Formats y-axis tick values; defaults to compact numbers (2.5m, 500k). */
  formatTick?: (value: number) => string;
  /** Values are whole numbers (counts): ticks never fall between integers. */
  integer?: boolean;
  /** Extra CSS classes for the <svg> (letters, digits, -, _ and spaces only). */
  className?: string;
  /**
   * Benchmark lines drawn thinner behind the main line, one value per point (null: no figure): the
   * parent area (dark grey, long dashes) and England (purple, dots). Styles differ by dash as well as
   * colour, so they are told apart without colour; the page names them in the caption and the table.
   */
  lines?: { kind: 'parent' | 'england' | 'average'; values: (number | null)[] }[];
}

/** How a benchmark line is drawn; exported for the page's key. */
export const LINE_STYLES = {
  parent: { colour: '#425563', dash: '9 5', words: 'dark grey long-dashed line' },
  england: { colour: '#330072', dash: '2 4', words: 'purple dotted line' },
  // NHS dark green (contrast 5.1:1 on white): the rolling average, dashes and dots.
  average: { colour: '#006747', dash: '10 3 2 3', words: 'green dash-dotted line' },
} as const;

export const COLOURS = {
  line: '#005eb8', // NHS blue
  bandOuter: '#dbe6f3', // pale NHS blue: the middle 80% of peers
  bandInner: '#a9c5e6', // the middle 50%
  grid: '#d8dde0', // NHS grey 4
  axis: '#4c6272', // NHS grey 1
  text: '#212b32', // NHS black
  background: '#ffffff',
};

export const CHAR_WIDTH = 7; // rough width of a 13px character, for spacing labels
export const FONT_SIZE = 13;

/** The class attribute of a chart's <svg>: app-chart__svg and the extra classes (letters, digits, -, _ only). */
export function chartClasses(extra: string | undefined): string {
  return ['app-chart__svg', ...(extra ?? '').replace(/[^A-Za-z0-9_ -]/g, '').split(' ')]
    .filter(Boolean)
    .join(' ');
}

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;',
  );
}

function safeId(id: string): string {
  const cleaned = id.replace(/[^A-Za-z0-9_-]/g, '-');
  return /^[A-Za-z]/.test(cleaned) ? cleaned : `chart-${cleaned}`;
}

/**
 * "Nice" axis ticks (steps of 1, 2 or 5 × 10ⁿ) covering [min, max] with about `count` intervals.
 * The first tick is ≤ min and the last ≥ max. With `integer`, the step is at least 1.
 */
export function niceTicks(min: number, max: number, count = 5, integer = false): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) throw new RangeError('ticks need finite bounds');
  if (min > max) [min, max] = [max, min];
  const scale = Math.max(Math.abs(min), Math.abs(max));
  if (scale < 1e-100) {
    // Zero (or indistinguishable from it): a unit axis.
    [min, max] = [min < 0 ? -1 : 0, max > 0 || min >= 0 ? 1 : 0];
  } else if (max - min <= scale * 1e-12) {
    // One value: pad it by a tenth.
    min -= scale * 0.1;
    max += scale * 0.1;
  }
  const rough = (max - min) / Math.max(1, count);
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const residual = rough / magnitude;
  let step = (residual <= 1 ? 1 : residual <= 2 ? 2 : residual <= 5 ? 5 : 10) * magnitude;
  if (integer && step < 1) step = 1;
  // Round tick values to the step's decimals, so 0.1 + 0.2 prints as 0.3 (works at any magnitude).
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  const clean = (n: number) => (decimals <= 20 ? Number(n.toFixed(decimals)) : Number(n.toPrecision(15)));
  const eps = 1e-9;
  let first = Math.floor(min / step + eps);
  let last = Math.ceil(max / step - eps);
  if (clean(first * step) > min) first--;
  if (clean(last * step) < max) last++;
  if (last === first) last++;
  const ticks: number[] = [];
  for (let i = first; i <= last && ticks.length <= 100; i++) ticks.push(clean(i * step));
  return ticks;
}

/** Which x labels to draw so they do not overlap: always the latest, then every k-th going back. */
export function labelIndices(n: number, plotWidth: number, longestLabel: number): number[] {
  if (n <= 0) return [];
  const maxLabels = Math.max(1, Math.floor(plotWidth / (longestLabel * CHAR_WIDTH + 16)));
  const step = Math.ceil(n / maxLabels);
  const out: number[] = [];
  for (let i = n - 1; i >= 0; i -= step) out.unshift(i);
  return out;
}

/** A coordinate to one decimal place, as every chart writes it. */
export function f(n: number): string {
  return String(Math.round(n * 10) / 10);
}

/**
 * A point of a line or band, in whole units of the viewBox (at most 1.2 px on screen): long weekly series
 * are most of a page's bytes (docs/adr/0029), and a tenth of a unit is invisible.
 */
function pt(x: number, y: number): string {
  return `${Math.round(x)},${Math.round(y)}`;
}

export function renderLineChart(options: LineChartOptions): string {
  const width = options.width ?? 640;
  const height = options.height ?? 260;
  const id = safeId(options.id);
  const titleId = `${id}-title`;
  const descId = `${id}-desc`;
  const formatTick = options.formatTick ?? formatCompact;
  const points = options.points;
  const finite = points.filter((p) => Number.isFinite(p.value)).map((p) => p.value);
  const hasBand = (p: ChartPoint): p is ChartPoint & { band: NonNullable<ChartPoint['band']> } =>
    Boolean(p.band) && [p.band!.p10, p.band!.p25, p.band!.p75, p.band!.p90].every((v) => Number.isFinite(v));
  const bandExtent = points.filter(hasBand).flatMap((p) => [p.band.p10, p.band.p90]);
  const lines = options.lines ?? [];
  const lineExtent = lines.flatMap((l) =>
    l.values.filter((v): v is number => v !== null && Number.isFinite(v)),
  );

  const classes = chartClasses(options.className);
  const open =
    `<svg xmlns="http://www.w3.org/2000/svg" class="${classes}" viewBox="0 0 ${width} ${height}" ` +
    `width="${width}" height="${height}" role="img" aria-labelledby="${titleId} ${descId}" focusable="false">` +
    `<title id="${titleId}">${escapeXml(options.title)}</title>` +
    `<desc id="${descId}">${escapeXml(options.desc)}</desc>` +
    `<rect x="0" y="0" width="${width}" height="${height}" fill="${COLOURS.background}"/>`;

  if (finite.length === 0) {
    return (
      open +
      `<text x="${f(width / 2)}" y="${f(height / 2)}" text-anchor="middle" font-size="${FONT_SIZE + 2}" ` +
      `fill="${COLOURS.text}">No figures to show</text></svg>`
    );
  }

  const integer = options.integer ?? finite.every((v) => Number.isInteger(v));
  const ticks = niceTicks(
    Math.min(0, ...finite, ...bandExtent, ...lineExtent),
    Math.max(0, ...finite, ...bandExtent, ...lineExtent),
    5,
    integer,
  );
  const yMin = ticks[0]!;
  const yMax = ticks[ticks.length - 1]!;
  const tickLabels = ticks.map((t) => formatTick(t));

  const longestTick = Math.max(...tickLabels.map((l) => l.length));
  const longestX = Math.max(1, ...points.map((p) => (p.labelWithYear ?? p.label).length));
  const margin = {
    top: 12,
    right: Math.max(16, (longestX * CHAR_WIDTH) / 2 + 6),
    bottom: 36,
    // Room for the tick labels, and for half of the first period label, which is centred on the axis.
    left: Math.max(
      longestTick * CHAR_WIDTH + 14,
      (((points[0]?.labelWithYear ?? points[0]?.label)?.length ?? 0) * CHAR_WIDTH) / 2 + 6,
    ),
  };
  const plotW = Math.max(10, width - margin.left - margin.right);
  const plotH = Math.max(10, height - margin.top - margin.bottom);
  const x = (i: number) =>
    points.length === 1 ? margin.left + plotW / 2 : margin.left + (i * plotW) / (points.length - 1);
  const y = (v: number) => margin.top + plotH - ((v - yMin) / (yMax - yMin)) * plotH;

  const parts: string[] = [open];

  // Horizontal grid lines and y tick labels.
  parts.push(`<g class="app-chart__y-axis" font-size="${FONT_SIZE}" fill="${COLOURS.text}">`);
  ticks.forEach((t, i) => {
    const ty = y(t);
    parts.push(
      `<line x1="${f(margin.left)}" x2="${f(margin.left + plotW)}" y1="${f(ty)}" y2="${f(ty)}" ` +
        `stroke="${t === 0 ? COLOURS.axis : COLOURS.grid}" stroke-width="1"/>`,
      `<text x="${f(margin.left - 8)}" y="${f(ty + 4)}" text-anchor="end">${escapeXml(tickLabels[i]!)}</text>`,
    );
  });
  parts.push('</g>');

  // X axis baseline and period labels.
  const baseY = margin.top + plotH;
  parts.push(`<g class="app-chart__x-axis" font-size="${FONT_SIZE}" fill="${COLOURS.text}">`);
  parts.push(
    `<line x1="${f(margin.left)}" x2="${f(margin.left + plotW)}" y1="${f(baseY)}" y2="${f(baseY)}" ` +
      `stroke="${COLOURS.axis}" stroke-width="1"/>`,
  );
  let lastYear: string | undefined;
  for (const i of labelIndices(points.length, plotW, longestX)) {
    const px = x(i);
    const p = points[i]!;
    const label = p.labelWithYear && p.year !== lastYear ? p.labelWithYear : p.label;
    lastYear = p.year;
    parts.push(
      `<line x1="${f(px)}" x2="${f(px)}" y1="${f(baseY)}" y2="${f(baseY + 5)}" stroke="${COLOURS.axis}" stroke-width="1"/>`,
      `<text x="${f(px)}" y="${f(baseY + 20)}" text-anchor="middle">${escapeXml(label)}</text>`,
    );
  }
  parts.push('</g>');

  // The band of comparable areas, behind the line: one polygon per run of periods that have one.
  if (bandExtent.length > 0) {
    const runs: number[][] = [];
    points.forEach((p, i) => {
      if (!hasBand(p)) return;
      const last = runs[runs.length - 1];
      if (last && last[last.length - 1] === i - 1) last.push(i);
      else runs.push([i]);
    });
    const area = (run: number[], lo: 'p10' | 'p25', hi: 'p75' | 'p90') => {
      // A single period is drawn as a short bar so that it stays visible.
      const xs = run.length === 1 ? [x(run[0]!) - 3, x(run[0]!) + 3] : run.map(x);
      const idx = run.length === 1 ? [run[0]!, run[0]!] : run;
      const top = idx.map((i, k) => pt(xs[k]!, y(points[i]!.band![hi])));
      const bottom = idx.map((i, k) => pt(xs[k]!, y(points[i]!.band![lo]))).reverse();
      return [...top, ...bottom].join(' ');
    };
    const band: string[] = [];
    band.push('<g class="app-chart__band" stroke="none">');
    for (const run of runs) {
      band.push(
        `<polygon class="app-chart__band-outer" points="${area(run, 'p10', 'p90')}" fill="${COLOURS.bandOuter}"/>`,
        `<polygon class="app-chart__band-inner" points="${area(run, 'p25', 'p75')}" fill="${COLOURS.bandInner}"/>`,
      );
    }
    band.push('</g>');
    // Behind the grid lines, so that they can still be read through it.
    parts.splice(1, 0, ...band);
  }

  // Benchmark lines (parent, England), behind the area's line.
  for (const line of lines) {
    const style = LINE_STYLES[line.kind];
    const path: string[] = [];
    let pen = false;
    line.values.forEach((v, i) => {
      if (v === null || !Number.isFinite(v) || i >= points.length) {
        pen = false;
        return;
      }
      path.push(`${pen ? 'L' : 'M'}${pt(x(i), y(v))}`);
      pen = true;
    });
    if (path.length === 0) continue;
    parts.push(
      `<g class="app-chart__benchmark app-chart__benchmark--${line.kind}" fill="none">` +
        `<path d="${path.join(' ')}" stroke="${style.colour}" stroke-width="2" stroke-dasharray="${style.dash}" ` +
        'stroke-linecap="round"/></g>',
    );
  }

  // The line: solid between complete periods, dashed into (or between) partial ones.
  const segments: { from: number; to: number; dashed: boolean }[] = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const a = points[i]!;
    const b = points[i + 1]!;
    if (!Number.isFinite(a.value) || !Number.isFinite(b.value)) continue;
    segments.push({ from: i, to: i + 1, dashed: Boolean(a.partial || b.partial) });
  }
  // Consecutive segments of the same style join into one path.
  const runs: { indices: number[]; dashed: boolean }[] = [];
  for (const s of segments) {
    const last = runs[runs.length - 1];
    if (last && last.dashed === s.dashed && last.indices[last.indices.length - 1] === s.from) {
      last.indices.push(s.to);
    } else {
      runs.push({ indices: [s.from, s.to], dashed: s.dashed });
    }
  }
  parts.push('<g class="app-chart__line" fill="none">');
  for (const run of runs) {
    const d = run.indices.map((i, k) => `${k === 0 ? 'M' : 'L'}${pt(x(i), y(points[i]!.value))}`).join(' ');
    parts.push(
      `<path d="${d}" stroke="${COLOURS.line}" stroke-width="3" stroke-linejoin="round" stroke-linecap="round"` +
        (run.dashed ? ' stroke-dasharray="6 5"' : '') +
        '/>',
    );
  }
  parts.push('</g>');

  // Markers (skipped for long series, where they would merge into a blob and weigh down the page), always
  // for the latest and partial points. Half a year of weeks has them on a wide chart.
  const showAll = points.length <= Math.floor(width / 24);
  parts.push('<g class="app-chart__markers">');
  points.forEach((p, i) => {
    if (!Number.isFinite(p.value) || (!showAll && !p.partial && i !== points.length - 1)) return;
    parts.push(
      `<circle cx="${f(x(i))}" cy="${f(y(p.value))}" r="${p.partial ? 4.5 : 4}" ` +
        (p.partial
          ? `fill="${COLOURS.background}" stroke="${COLOURS.line}" stroke-width="2"/>`
          : `fill="${COLOURS.line}"/>`),
    );
  });
  parts.push('</g></svg>');
  return parts.join('');
}

/**
 * A sparkline for a headline tile: the values as one line in a small box, decorative (hidden from screen
 * readers: the chart and its table below give the figures). Null values leave a gap.
 */
export function renderSparkline(values: (number | null)[], width = 120, height = 32): string {
  const finite = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (finite.length < 2) return '';
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  const pad = 3;
  const x = (i: number) => pad + (i * (width - 2 * pad)) / Math.max(1, values.length - 1);
  const y = (v: number) => (hi === lo ? height / 2 : pad + ((hi - v) * (height - 2 * pad)) / (hi - lo));
  let pen = false;
  const d: string[] = [];
  values.forEach((v, i) => {
    if (v === null || !Number.isFinite(v)) {
      pen = false;
      return;
    }
    d.push(`${pen ? 'L' : 'M'}${f(x(i))},${f(y(v))}`);
    pen = true;
  });
  const last = values.length - 1;
  const lastValue = values[last];
  const dot =
    lastValue !== null && lastValue !== undefined && Number.isFinite(lastValue)
      ? `<circle cx="${f(x(last))}" cy="${f(y(lastValue))}" r="2.5" fill="${COLOURS.line}"/>`
      : '';
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="app-sparkline" viewBox="0 0 ${width} ${height}" ` +
    `width="${width}" height="${height}" aria-hidden="true" focusable="false">` +
    `<path d="${d.join(' ')}" fill="none" stroke="${COLOURS.line}" stroke-width="2" stroke-linejoin="round"/>${dot}</svg>`
  );
}
