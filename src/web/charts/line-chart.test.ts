import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeXml, labelIndices, niceTicks, renderLineChart, type ChartPoint } from './line-chart.ts';

const months = ['May 2026', 'Jun 2026', 'Jul 2026', 'Aug 2026', 'Sep 2026', 'Oct 2026'];

function chart(points: ChartPoint[], extra: Partial<Parameters<typeof renderLineChart>[0]> = {}): string {
  return renderLineChart({ id: 'c1', title: 'Logins by month', desc: 'Logins rose.', points, ...extra });
}

function texts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);
}

describe('niceTicks', () => {
  it('gives round steps that cover the range', () => {
    expect(niceTicks(0, 2_188_000)).toEqual([0, 500_000, 1_000_000, 1_500_000, 2_000_000, 2_500_000]);
    expect(niceTicks(0, 100)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(0, 7, 5, true)).toEqual([0, 2, 4, 6, 8]);
    expect(niceTicks(0, 0, 5, true)).toEqual([0, 1]);
    expect(niceTicks(0, 0.3)).toEqual([0, 0.1, 0.2, 0.3]);
    expect(niceTicks(-5, 5)).toEqual([-6, -4, -2, 0, 2, 4, 6]);
  });

  it('always covers [min, max] with few, increasing ticks', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1e12, max: 1e12, noNaN: true }),
        fc.double({ min: -1e12, max: 1e12, noNaN: true }),
        fc.boolean(),
        (a, b, integer) => {
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          const ticks = niceTicks(lo, hi, 5, integer);
          expect(ticks.length).toBeGreaterThanOrEqual(2);
          expect(ticks.length).toBeLessThanOrEqual(12);
          expect(ticks[0]!).toBeLessThanOrEqual(lo);
          expect(ticks[ticks.length - 1]!).toBeGreaterThanOrEqual(hi);
          for (let i = 1; i < ticks.length; i++) expect(ticks[i]!).toBeGreaterThan(ticks[i - 1]!);
          if (integer && Math.abs(hi) < 1e15) ticks.forEach((t) => expect(Number.isInteger(t)).toBe(true));
        },
      ),
    );
  });
});

describe('labelIndices', () => {
  it('keeps the latest label and spaces the others', () => {
    expect(labelIndices(0, 500, 8)).toEqual([]);
    expect(labelIndices(1, 500, 8)).toEqual([0]);
    expect(labelIndices(6, 570, 8)).toEqual([0, 1, 2, 3, 4, 5]);
    const many = labelIndices(104, 570, 6);
    expect(many[many.length - 1]).toBe(103);
    expect(many.length).toBeLessThanOrEqual(Math.floor(570 / (6 * 7 + 16)));
  });
});

describe('renderLineChart', () => {
  it('is an accessible image with a title, description, axes and a line', () => {
    const svg = chart(months.map((label, i) => ({ label, value: 1_850_500 + i * 60_000 })));
    expect(svg).toMatch(/^<svg [^>]*role="img"[^>]*aria-labelledby="c1-title c1-desc"/);
    expect(svg).toContain('<title id="c1-title">Logins by month</title>');
    expect(svg).toContain('<desc id="c1-desc">Logins rose.</desc>');
    expect(texts(svg)).toEqual(expect.arrayContaining(['0', '500k', '1m', '1.5m', '2m', ...months]));
    expect(svg.match(/<path /g)).toHaveLength(1);
    expect(svg).not.toContain('stroke-dasharray');
    expect(svg.match(/<circle /g)).toHaveLength(6);
    expect(svg).not.toMatch(/style=/); // the CSP forbids inline styles
    expect(svg).not.toContain('NaN');
  });

  it('draws the partial period dashed with a hollow marker', () => {
    const svg = chart([
      { label: 'Sep', value: 10 },
      { label: 'Oct', value: 12 },
      { label: 'Nov', value: 6, partial: true },
    ]);
    const paths = svg.match(/<path [^>]*>/g)!;
    expect(paths).toHaveLength(2);
    expect(paths[0]).not.toContain('stroke-dasharray');
    expect(paths[1]).toContain('stroke-dasharray');
    expect(svg).toMatch(/<circle [^>]*fill="#ffffff" stroke="#005eb8"/);
  });

  it('handles no points, one point and all zeros', () => {
    const empty = chart([]);
    expect(empty).toContain('No figures to show');
    expect(empty).toContain('<title id="c1-title">');
    const one = chart([{ label: 'Oct 2026', value: 5 }]);
    expect(one).not.toContain('<path');
    expect(one.match(/<circle /g)).toHaveLength(1);
    expect(texts(one)).toContain('Oct 2026');
    const zeros = chart(months.map((label) => ({ label, value: 0 })));
    expect(zeros).not.toContain('NaN');
    expect(texts(zeros)).toEqual(expect.arrayContaining(['0', '1']));
    expect(zeros).not.toContain('Infinity');
  });

  it('thins x labels for long series and skips markers', () => {
    const points = Array.from({ length: 104 }, (_, i) => ({ label: `w${i}`, value: i * 1000 }));
    const svg = chart(points);
    const labels = texts(svg).filter((t) => t.startsWith('w'));
    expect(labels.length).toBeLessThan(20);
    expect(labels[labels.length - 1]).toBe('w103');
    expect((svg.match(/<circle /g) ?? []).length).toBe(1);
  });

  it('handles very large numbers and non-finite values without breaking', () => {
    const svg = chart([
      { label: 'a', value: 3_400_000_000 },
      { label: 'b', value: Number.NaN },
      { label: 'c', value: 3_900_000_000 },
    ]);
    expect(texts(svg)).toContain('4bn');
    expect(svg).not.toContain('NaN');
    expect(svg).not.toContain('<path'); // no two neighbouring finite points
  });

  it('escapes every text it writes', () => {
    const evil = '<script>alert("x")</script> & \'';
    const svg = renderLineChart({
      id: '"><img src=x onerror=alert(1)>',
      title: evil,
      desc: evil,
      points: [{ label: evil, value: 1 }],
    });
    expect(svg).not.toContain('<script>');
    expect(svg).not.toContain('<img');
    expect(svg).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;');
    expect(escapeXml('a<b>&"\'')).toBe('a&lt;b&gt;&amp;&quot;&#39;');
    const classed = chart([{ label: 'a', value: 1 }], { className: 'wide" onload="x' });
    expect(classed).toContain('class="app-chart__svg wide onloadx"');
  });

  it('uses a custom tick format', () => {
    const svg = chart(
      [
        { label: 'a', value: 74.1 },
        { label: 'b', value: 76.2 },
      ],
      { formatTick: (v) => `${v}%` },
    );
    expect(texts(svg)).toContain('80%');
  });
});

describe('renderLineChart with a band of comparable areas', () => {
  const band = (p10: number, p25: number, p75: number, p90: number) => ({ p10, p25, p75, p90 });

  it('draws the outer and inner band behind the grid and the line, and scales the axis to cover it', () => {
    const svg = chart(
      months.map((label, i) => ({
        label,
        value: 10 + i,
        band: band(5, 8, 20, 40 + i),
      })),
    );
    const outer = [...svg.matchAll(/<polygon class="app-chart__band-outer" points="([^"]+)"/g)];
    const inner = [...svg.matchAll(/<polygon class="app-chart__band-inner" points="([^"]+)"/g)];
    expect(outer).toHaveLength(1);
    expect(inner).toHaveLength(1);
    // Six periods: six points along the top and six back along the bottom.
    expect(outer[0]![1]!.split(' ')).toHaveLength(12);
    // The axis reaches the band's highest p90 (45), above the line's highest value (15).
    expect(texts(svg)).toContain('50');
    expect(svg.indexOf('app-chart__band')).toBeLessThan(svg.indexOf('app-chart__y-axis'));
    expect(svg.indexOf('app-chart__band')).toBeLessThan(svg.indexOf('app-chart__line'));
    // The inner band lies inside the outer one: its top is lower on screen (larger y) at every period.
    const ys = (pts: string) => pts.split(' ').map((xy) => Number(xy.split(',')[1]));
    const o = ys(outer[0]![1]!);
    const n = ys(inner[0]![1]!);
    for (let i = 0; i < 6; i++) expect(n[i]!).toBeGreaterThanOrEqual(o[i]!);
    for (let i = 6; i < 12; i++) expect(n[i]!).toBeLessThanOrEqual(o[i]!);
  });

  it('leaves a gap where a period has no band, and draws a lone period as a short bar', () => {
    const svg = chart(
      months.map((label, i) => ({
        label,
        value: 10,
        band: i === 2 || i === 4 ? null : band(1, 2, 3, 4),
      })),
    );
    const outer = [...svg.matchAll(/<polygon class="app-chart__band-outer" points="([^"]+)"/g)].map(
      (m) => m[1]!,
    );
    expect(outer.map((p) => p.split(' ').length)).toEqual([4, 4, 4]);
    expect(chart(months.map((label) => ({ label, value: 1 })))).not.toContain('polygon');
  });

  it('draws the parent and England as dashed and dotted lines behind the area, in the y range, with gaps', () => {
    const svg = chart(
      months.map((label) => ({ label, value: 10 })),
      {
        lines: [
          { kind: 'parent', values: [12, 12, null, 12, 12, 12] },
          { kind: 'england', values: [40, 40, 40, 40, 40, 40] },
        ],
      },
    );
    const parent = /app-chart__benchmark--parent[^>]*><path d="([^"]+)"[^>]*stroke-dasharray="9 5"/.exec(svg);
    const england = /app-chart__benchmark--england[^>]*><path d="([^"]+)"[^>]*stroke-dasharray="2 4"/.exec(
      svg,
    );
    expect(parent).not.toBeNull();
    expect(england).not.toBeNull();
    // The gap (no parent figure in July) starts a new sub-path.
    expect(parent![1]!.match(/M/g)).toHaveLength(2);
    // The axis reaches England's 40 although the area's line stays at 10.
    expect(texts(svg)).toContain('40');
    // Behind the area's line.
    expect(svg.indexOf('app-chart__benchmark--england')).toBeLessThan(svg.indexOf('app-chart__line'));
  });
});

describe('weekly ticks and the rolling average', () => {
  // Nine weeks from Monday 1 December 2025 to Monday 26 January 2026, labelled as the pages label weeks.
  const starts = [
    ['1 Dec', '2025'],
    ['8 Dec', '2025'],
    ['15 Dec', '2025'],
    ['22 Dec', '2025'],
    ['29 Dec', '2025'],
    ['5 Jan', '2026'],
    ['12 Jan', '2026'],
    ['19 Jan', '2026'],
    ['26 Jan', '2026'],
  ] as const;
  const weekly: ChartPoint[] = starts.map(([label, year], i) => ({
    label,
    labelWithYear: `${label} ${year}`,
    year,
    value: 10 * (i + 1),
  }));

  it('names the year on the first label drawn and where the year changes', () => {
    // 640 wide: a plot of 640 − 41 − 44.5 = 554.5 px fits 5 labels of 93 px, so every other one is drawn
    // (indices 8, 6, 4, 2, 0): the year on the first, and on 12 January, the first drawn in 2026.
    const x = texts(chart(weekly).split('app-chart__x-axis')[1]!);
    expect(x).toEqual(['1 Dec 2025', '15 Dec', '29 Dec', '12 Jan 2026', '26 Jan']);
    // 360 wide: 274.5 px fit 2 labels, every fifth (indices 8, 3): each is the first drawn in its year.
    const narrow = texts(chart(weekly, { width: 360, height: 240 }).split('app-chart__x-axis')[1]!);
    expect(narrow).toEqual(['22 Dec 2025', '26 Jan 2026']);
    // Wide enough for every label: 5 January is the first of 2026.
    const wide = texts(chart(weekly, { width: 1400 }).split('app-chart__x-axis')[1]!);
    expect(wide).toEqual([
      '1 Dec 2025',
      '8 Dec',
      '15 Dec',
      '22 Dec',
      '29 Dec',
      '5 Jan 2026',
      '12 Jan',
      '19 Jan',
      '26 Jan',
    ]);
  });

  it('draws the rolling average as a green dash-dotted line with gaps where there is none', () => {
    const svg = chart(weekly, {
      lines: [{ kind: 'average', values: [null, null, null, 25, 35, 45, 55, 65, 75] }],
    });
    const line =
      /<g class="app-chart__benchmark app-chart__benchmark--average"[^>]*><path d="([^"]*)" stroke="#006747"[^>]*stroke-dasharray="10 3 2 3"/.exec(
        svg,
      );
    expect(line).not.toBeNull();
    // One run of six points, starting at the fourth week.
    expect(line![1]!.match(/[ML]/g)!.join('')).toBe('MLLLLL');
  });
});
