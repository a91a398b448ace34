import fc from 'fast-check';
import nunjucks from 'nunjucks';
import { describe, expect, it } from 'vitest';
import { escapeHtml, figureRowsHtml } from './figures-table.ts';

/** The template loop the function replaced, rendered by nunjucks with autoescape: the reference. */
const env = new nunjucks.Environment(null, { autoescape: true });
const LOOP = `<tbody>
{%- for row in rows %}
<tr>{% for cell in row %}{% if loop.first %}<th scope="row">{{ cell.text }}</th>{% else %}<td>{{ cell.text }}</td>{% endif %}{% endfor %}</tr>
{%- endfor %}
</tbody>`;

describe('a chart table’s rows written without a template loop (ADR 0079)', () => {
  it('gives exactly what the template loop gave, escapes included', () => {
    const text = fc.oneof(
      fc.string(),
      fc.constantFrom(
        '1,234',
        '12.5%',
        '*',
        '–',
        'week commencing 1 December 2025 (partial)',
        `<b>"a" & 'b' \\</b>`,
      ),
      fc.integer(),
      fc.constant(null),
    );
    fc.assert(
      fc.property(fc.array(fc.array(fc.record({ text }), { maxLength: 6 }), { maxLength: 8 }), (rows) => {
        expect(`<tbody>${figureRowsHtml(rows)}\n</tbody>`).toBe(env.renderString(LOOP, { rows }));
      }),
      { numRuns: 300 },
    );
  });

  it('escapes the six characters nunjucks escapes, and nothing else', () => {
    expect(escapeHtml(`a&b"c'd<e>f\\g ✓`)).toBe('a&amp;b&quot;c&#39;d&lt;e&gt;f&#92;g ✓');
    expect(escapeHtml(undefined)).toBe('');
    expect(escapeHtml(0)).toBe('0');
  });
});
