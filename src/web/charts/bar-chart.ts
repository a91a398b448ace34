/**
 * A horizontal bar chart as inline SVG: one labelled bar per group, its value written at the bar's end. For a
 * handful of groups compared on one measure (users per 1,000 patients by age, shares by deprivation decile),
 * where the order of the groups is their own and a line would suggest a trend. The page always puts the same
 * figures in a table beside it; the SVG names itself with a title and a description.
 */
import { CHAR_WIDTH, COLOURS, FONT_SIZE, chartClasses, escapeXml, f } from './line-chart.ts';

export interface Bar {
  label: string;
  /** null: no figure (no bar, "no data" written). */
  value: number | null;
  /** The value as written at the bar's end. */
  text: string;
}

export interface BarChartOptions {
  id: string;
  title: string;
  desc: string;
  bars: readonly Bar[];
  width?: number;
  /** Extra CSS classes for the <svg> (letters, digits, -, _ and spaces only), e.g. app-chart__svg--narrow. */
  className?: string;
}

const ROW = 24;
const BAR = 16;

export function renderBarChart(options: BarChartOptions): string {
  const width = options.width ?? 640;
  const id = options.id.replace(/[^A-Za-z0-9_-]/g, '');
  const labelWidth = Math.max(...options.bars.map((b) => b.label.length), 4) * CHAR_WIDTH + 12;
  const textWidth = Math.max(...options.bars.map((b) => b.text.length), 7) * CHAR_WIDTH + 8;
  const plot = Math.max(width - labelWidth - textWidth, 40);
  const max = Math.max(...options.bars.map((b) => b.value ?? 0), 0);
  const height = options.bars.length * ROW + 8;
  const rows = options.bars.map((b, i) => {
    const y = 4 + i * ROW;
    const w = b.value === null || max <= 0 ? 0 : (plot * Math.max(b.value, 0)) / max;
    const mid = y + ROW / 2 + FONT_SIZE / 2 - 2;
    return (
      `<text x="${labelWidth - 8}" y="${f(mid)}" text-anchor="end" font-size="${FONT_SIZE}" fill="${COLOURS.text}">${escapeXml(b.label)}</text>` +
      (w > 0
        ? `<rect x="${labelWidth}" y="${f(y + (ROW - BAR) / 2)}" width="${f(w)}" height="${BAR}" fill="${COLOURS.line}"/>`
        : '') +
      `<text x="${f(labelWidth + w + 6)}" y="${f(mid)}" font-size="${FONT_SIZE}" fill="${COLOURS.text}">${escapeXml(b.value === null ? 'no data' : b.text)}</text>`
    );
  });
  const classes = chartClasses(options.className);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="${classes}" viewBox="0 0 ${width} ${height}" ` +
    `width="${width}" height="${height}" role="img" aria-labelledby="${id}-title ${id}-desc" focusable="false">` +
    `<title id="${id}-title">${escapeXml(options.title)}</title>` +
    `<desc id="${id}-desc">${escapeXml(options.desc)}</desc>` +
    `<rect x="0" y="0" width="${width}" height="${height}" fill="${COLOURS.background}"/>` +
    rows.join('') +
    `</svg>`
  );
}
