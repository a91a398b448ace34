/**
 * A chart as a file of its own (GET …/chart.svg): the chart a page draws, with the words the page puts around
 * it written into the picture, so that it still reads correctly when pasted into a slide or a board paper
 * on its own: its title and area above, its plain-English summary, and below it what the lines are, the
 * source, when the figures were refreshed, and the synthetic-data label of demo figures. Pure.
 */
import { escapeXml } from '../charts/line-chart.ts';
import type { ChartView } from './metric-panels.ts';

const FONT = 'Arial, Helvetica, sans-serif';
const PAD = 12;
const TITLE_SIZE = 18;
const TEXT_SIZE = 13;
const LINE = 1.35;
/** A character is about this share of the font size wide in Arial (a little wide: lines never run over). */
const CHAR_WIDTH = 0.56;

export interface ChartFile {
  chart: Pick<
    ChartView,
    'heading' | 'summary' | 'svg' | 'caption' | 'linesNote' | 'averageNote' | 'peerNote' | 'hasPartial'
  >;
  areaName: string;
  /** "Data refreshed 7 December 2026 at 2:58pm", or null. */
  refreshedText: string | null;
  /** The figures are synthetic demo data. */
  demo: boolean;
  /** Where the chart came from: the page's address. */
  pageUrl: string;
}

/** Words broken into lines of at most `max` characters (a longer word keeps a line of its own). */
export function wrapText(text: string, max: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (line !== '' && line.length + 1 + word.length > max) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** The size the chart is drawn at, from its root element. */
function chartSize(svg: string): { width: number; height: number } {
  const root = /^<svg\b[^>]*>/.exec(svg)?.[0] ?? '';
  const width = Number(/\swidth="([\d.]+)"/.exec(root)?.[1]);
  const height = Number(/\sheight="([\d.]+)"/.exec(root)?.[1]);
  if (!Number.isFinite(width) || !Number.isFinite(height) || width <= 0 || height <= 0) {
    throw new Error('the chart has no width and height');
  }
  return { width, height };
}

export function standaloneChartSvg(file: ChartFile): string {
  const { chart } = file;
  const { width, height } = chartSize(chart.svg);
  const chars = (size: number) => Math.max(20, Math.floor((width - 2 * PAD) / (size * CHAR_WIDTH)));
  const parts: string[] = [];
  let y = PAD;
  const write = (lines: string[], size: number, weight = 'normal', fill = '#212b32') => {
    for (const l of lines) {
      y += size * LINE;
      parts.push(
        `<text x="${PAD}" y="${y.toFixed(1)}" font-size="${size}" font-weight="${weight}" fill="${fill}">${escapeXml(l)}</text>`,
      );
    }
  };
  write(wrapText(`${chart.heading}: ${file.areaName}`, chars(TITLE_SIZE)), TITLE_SIZE, 'bold');
  if (file.demo) {
    write(
      wrapText('Synthetic demo data: not real NHS App figures.', chars(TEXT_SIZE)),
      TEXT_SIZE,
      'bold',
      '#d5281b',
    );
  }
  write(wrapText(chart.summary, chars(TEXT_SIZE)), TEXT_SIZE);
  y += PAD / 2;
  // The chart keeps its own drawing, moved below the words: its root becomes a nested <svg> placed at x, y.
  parts.push(chart.svg.replace(/^<svg\b/, `<svg x="0" y="${y.toFixed(1)}"`));
  y += height + PAD / 2;
  const notes = [
    `${chart.caption}.`,
    chart.linesNote,
    chart.averageNote,
    chart.hasPartial ? 'The dashed line and hollow marker show the partial period.' : null,
    chart.peerNote,
  ].filter((n): n is string => n !== null && n !== '');
  write(wrapText(notes.join(' '), chars(TEXT_SIZE)), TEXT_SIZE, 'normal', '#4c6272');
  const source = [
    'Source: NHS App Analytics',
    file.pageUrl,
    ...(file.refreshedText ? [file.refreshedText] : []),
  ].join(' · ');
  write(wrapText(source, chars(TEXT_SIZE)), TEXT_SIZE, 'normal', '#4c6272');
  const total = Math.ceil(y + PAD);
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${total}" width="${width}" height="${total}" ` +
    `font-family="${FONT}">` +
    `<title>${escapeXml(`${chart.heading}: ${file.areaName}`)}</title>` +
    `<rect x="0" y="0" width="${width}" height="${total}" fill="#ffffff"/>` +
    parts.join('') +
    `</svg>\n`
  );
}
