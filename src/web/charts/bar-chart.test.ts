import { describe, expect, it } from 'vitest';
import { renderBarChart } from './bar-chart.ts';

describe('renderBarChart', () => {
  const svg = renderBarChart({
    id: 'c',
    title: 'Users <by> age',
    desc: 'A & B',
    className: 'app-chart__svg--wide',
    bars: [
      { label: 'a', value: 50, text: '50' },
      { label: 'b', value: 100, text: '100' },
      { label: 'c', value: null, text: '' },
    ],
  });

  it('names itself, escaped, and draws bars in proportion to their values', () => {
    expect(svg).toContain('role="img" aria-labelledby="c-title c-desc"');
    expect(svg).toContain(
      '<title id="c-title">Users &lt;by&gt; age</title><desc id="c-desc">A &amp; B</desc>',
    );
    expect(svg).toContain('class="app-chart__svg app-chart__svg--wide"');
    const widths = [...svg.matchAll(/<rect x="\d+" y="[\d.]+" width="([\d.]+)" height="16"/g)].map((m) =>
      Number(m[1]),
    );
    expect(widths.length).toBe(2);
    expect(widths[1]! / widths[0]!).toBeCloseTo(2, 2);
  });

  it('writes "no data" where a group has no figure, and draws no bar for it', () => {
    expect(svg).toContain('>no data</text>');
    expect(svg.match(/height="16"/g)?.length).toBe(2);
  });
});
