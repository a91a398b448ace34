/**
 * The body rows of a chart's figures table as HTML, written here rather than by a template loop: a weekly
 * page's tables have thousands of cells, and a nunjucks loop sets seven loop variables per cell (ADR 0079).
 * The markup is the template's: the first cell a row header, the others plain cells, every text escaped as
 * nunjucks's autoescape escapes it.
 */
const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '"': '&quot;',
  "'": '&#39;',
  '<': '&lt;',
  '>': '&gt;',
  '\\': '&#92;',
};

/** Text escaped as nunjucks's autoescape does (the same six characters). */
export function escapeHtml(text: unknown): string {
  if (text === null || text === undefined) return '';
  return String(text).replace(/[&"'<>\\]/g, (c) => ESCAPES[c]!);
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
