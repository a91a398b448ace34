import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { standaloneChartSvg, wrapText, type ChartFile } from './chart-file.ts';

/** Every element closed in order, and nothing outside one root `svg` (a small XML check, written out here). */
function balanced(xml: string): boolean {
  const body = xml.replace(/^<\?xml[^>]*\?>\s*/, '');
  const stack: string[] = [];
  let roots = 0;
  for (const m of body.matchAll(/<(\/?)([a-zA-Z][\w:-]*)[^>]*?(\/?)>/g)) {
    const [, close, name, selfClosing] = m;
    if (close) {
      if (stack.pop() !== name) return false;
    } else if (!selfClosing) {
      if (stack.length === 0) roots += 1;
      stack.push(name!);
    } else if (stack.length === 0) return false;
  }
  return stack.length === 0 && roots === 1;
}

const CHART =
  '<svg xmlns="http://www.w3.org/2000/svg" class="app-chart__svg" viewBox="0 0 640 280" width="640" height="280" role="img">' +
  '<title id="t">Logins</title><rect x="0" y="0" width="640" height="280" fill="#ffffff"/>' +
  '<g class="app-chart__line"><path d="M10,10 L100,50" stroke="#005eb8"/></g></svg>';

const FILE: ChartFile = {
  chart: {
    heading: 'NHS App logins',
    summary: 'Logins rose 4.2% from 2,100,000 in September 2026 to 2,188,000 in October 2026.',
    svg: CHART,
    caption: 'Monthly, from November 2025 to October 2026',
    linesNote: 'The darker line is the area’s rate; the others are its region’s and England’s.',
    averageNote: null,
    peerNote: null,
    hasPartial: false,
  },
  areaName: 'Leeds & <Bradford>',
  refreshedText: 'Data refreshed 7 December 2026 at 2:58pm',
  demo: false,
  pageUrl: '/areas/icb/QWO?range=24m',
};

describe('wrapText', () => {
  it('keeps every word, in order, in lines no longer than asked unless a word is longer alone', () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[a-z]{1,15}$/), { maxLength: 40 }),
        fc.integer({ min: 5, max: 60 }),
        (words, max) => {
          const lines = wrapText(words.join(' '), max);
          expect(lines.join(' ').split(' ').filter(Boolean)).toEqual(words);
          for (const l of lines) expect(l.length <= max || !l.includes(' ')).toBe(true);
        },
      ),
    );
  });
});

describe('standaloneChartSvg', () => {
  it('puts the chart below its title and summary and above its notes and source, in one well-formed file', () => {
    const svg = standaloneChartSvg(FILE);
    expect(balanced(svg)).toBe(true);
    expect(
      svg.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"'),
    ).toBe(true);
    // The chart's own drawing, unchanged, placed as a nested picture.
    expect(svg).toContain('<path d="M10,10 L100,50" stroke="#005eb8"/>');
    const at = (text: string) => svg.indexOf(text);
    expect(at('NHS App logins: Leeds &amp; &lt;Bradford&gt;')).toBeGreaterThan(0);
    expect(svg).not.toContain('<Bradford>');
    expect(at('NHS App logins: Leeds')).toBeLessThan(at('Logins rose 4.2%'));
    expect(at('Logins rose 4.2%')).toBeLessThan(at('<path d="M10'));
    expect(at('<path d="M10')).toBeLessThan(at('The darker line'));
    expect(at('The darker line')).toBeLessThan(at('Source: NHS App Analytics'));
    const words = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!).join(' ');
    expect(words).toContain(
      'Source: NHS App Analytics · /areas/icb/QWO?range=24m · Data refreshed 7 December 2026 at 2:58pm',
    );
    expect(svg).not.toContain('Synthetic demo data');
    // Taller than the chart by the words around it; as wide.
    const root = /<svg xmlns="http:\/\/www.w3.org\/2000\/svg" viewBox="0 0 (\d+) (\d+)"/.exec(svg)!;
    expect(Number(root[1])).toBe(640);
    expect(Number(root[2])).toBeGreaterThan(280 + 4 * 13);
  });

  it('labels synthetic demo figures, says what a dashed line is, and wraps long text within the width', () => {
    const long = 'word '.repeat(200).trim();
    const svg = standaloneChartSvg({
      ...FILE,
      demo: true,
      chart: { ...FILE.chart, summary: long, hasPartial: true },
    });
    expect(balanced(svg)).toBe(true);
    expect(svg).toContain('Synthetic demo data: not real NHS App figures.');
    const lines = [...svg.matchAll(/<text[^>]*font-size="13"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);
    expect(lines.join(' ')).toContain('The dashed line and hollow marker show the partial period.');
    // 640 px less the margins at 13 px: at most 85 characters a line.
    expect(lines.length).toBeGreaterThan(10);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(85);
  });

  it('refuses a chart with no size', () => {
    expect(() =>
      standaloneChartSvg({
        ...FILE,
        chart: { ...FILE.chart, svg: '<svg xmlns="http://www.w3.org/2000/svg"></svg>' },
      }),
    ).toThrow(/no width and height/);
  });
});
