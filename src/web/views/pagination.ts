/**
 * Previous and next pages of a long table (rankings, a booking measure by practice; partials/pagination.njk
 * draws them). Pure: the caller says how many rows a page holds and how a page's address is written.
 */

export interface Pagination {
  readonly text: string;
  readonly previous: { href: string; text: string } | null;
  readonly next: { href: string; text: string } | null;
}

/** The pages of a table of `rows` rows (at least 1, for an empty table). */
export function pageCount(rows: number, pageSize: number): number {
  return Math.max(1, Math.ceil(rows / pageSize));
}

const integerText = (n: number) => n.toLocaleString('en-GB');

/**
 * The rows of page `page` (1 first; out of range: the nearest page) and the links to its neighbours; null
 * links when the table fits on one page. `noun` names the rows ("practices").
 */
export function paginate<T>(
  rows: readonly T[],
  page: number | undefined,
  pageSize: number,
  noun: string,
  href: (page: number) => string,
): { shown: T[]; pagination: Pagination | null } {
  const pages = pageCount(rows.length, pageSize);
  const at = Math.min(Math.max(1, page ?? 1), pages);
  const first = (at - 1) * pageSize;
  const shown = rows.slice(first, first + pageSize);
  if (pages === 1) return { shown, pagination: null };
  return {
    shown,
    pagination: {
      text: `Showing ${integerText(first + 1)} to ${integerText(first + shown.length)} of ${integerText(rows.length)} ${noun}`,
      previous: at > 1 ? { href: href(at - 1), text: `Page ${at - 1} of ${pages}` } : null,
      next: at < pages ? { href: href(at + 1), text: `Page ${at + 1} of ${pages}` } : null,
    },
  };
}
