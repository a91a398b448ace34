/**
 * The body rows of a chart's figures table as HTML, written here rather than by a template loop: a weekly
 * page's tables have thousands of cells, and a nunjucks loop sets seven loop variables per cell (ADR 0079).
 * The markup is the template's: the first cell a row header, the others plain cells, every text escaped by
 * nunjucks's own escape.
 */
import nunjucks from 'nunjucks';

/** nunjucks's own escape, the one autoescape applies (its type declarations leave it out). */
const nunjucksEscape = (nunjucks.lib as unknown as { escape(text: string): string }).escape;

/** Text escaped as nunjucks's autoescape escapes it; '' for null and undefined, as a template writes them. */
export function escapeHtml(text: unknown): string {
  if (text === null || text === undefined) return '';
  return nunjucksEscape(String(text));
}

/** Each row as "\n<tr><th scope="row">…</th><td>…</td>…</tr>". */
export function figureRowsHtml(rows: readonly (readonly { text: unknown }[])[]): string {
  let html = '';
  for (const row of rows) {
    html += '\n<tr>';
    row.forEach((cell, i) => {
      html += i === 0 ? `<th scope="row">${escapeHtml(cell.text)}</th>` : `<td>${escapeHtml(cell.text)}</td>`;
    });
    html += '</tr>';
  }
  return html;
}
