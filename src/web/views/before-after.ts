/**
 * The "before and after a date" table of area pages and the National summary (USER-TASKS 3: "did last
 * month's campaign move anything?"): each headline count, its periods after the date against as many just
 * before, from the series the page was given (so visitors' counts are the disclosed ones), and on an area's
 * page against the rest of England (ADR 0065). Which figures are compared, and how, is shared with the API
 * (`compareAroundDate`, src/query/before-after.ts); this only words it. Pure.
 */
import type { AgainstRestVerdict, BeforeAfterVerdict } from '../../domain/before-after.ts';
import type { Grain } from '../../domain/metric-definition.ts';
import { isIsoDate } from '../../domain/periods.ts';
import { compareAroundDate } from '../../query/before-after.ts';
import type { SeriesPoint, SummaryTile } from '../../query/types.ts';
import {
  formatDate,
  formatPercentChange,
  formatPeriodInSentence,
  formatValue,
  periodEnd,
} from '../format.ts';

export interface BeforeAfterView {
  /** The date as asked (the form's value). */
  since: string;
  /** Set when the date cannot be used: shown next to the field. */
  error: string | null;
  /** e.g. "2 September 2026". */
  dateText: string | null;
  caption: string | null;
  rows: {
    name: string;
    periods: string;
    before: string;
    after: string;
    change: string;
    verdict: string;
    verdictKey: BeforeAfterVerdict;
  }[];
  /** Why there is no row (no whole period on one side), else null. */
  emptyText: string | null;
  /** The same comparison as CSV, from the API (/api/v1/before-after); null without rows. */
  csvHref: string | null;
  /**
   * The same periods' change in the rest of England (England less the area), per compared figure with
   * England's figures for all its periods (ADR 0065); empty on England's own pages.
   */
  rest: {
    caption: string;
    rows: {
      name: string;
      here: string;
      rest: string;
      difference: string;
      verdict: string;
      verdictKey: AgainstRestVerdict;
    }[];
  } | null;
}

const VERDICT_TEXT: Record<BeforeAfterVerdict, string> = {
  up: 'Up, more than chance would explain',
  down: 'Down, more than chance would explain',
  'no-clear-change': 'No clear change',
  'not-compared': 'Cannot be compared (a total of 0)',
};

const REST_VERDICT_TEXT: Record<AgainstRestVerdict, string> = {
  above: 'Above the rest of England’s change, more than chance would explain',
  below: 'Below the rest of England’s change, more than chance would explain',
  'no-clear-difference': 'No clear difference from the rest of England',
  'not-compared': 'Cannot be compared (a total of 0)',
};

/**
 * The view of the comparison around `since`, or null when the page was not asked for one. Only counts per
 * period are compared (`periodCounts`; without it, every count): a running total or a rolling 12 months
 * carries the periods before the date into those after it.
 */
export function beforeAfterView(
  page: {
    grain: Grain;
    tiles: readonly SummaryTile[];
    series: Record<string, SeriesPoint[]>;
    /** An area's page: the area, and England's series to set its changes against. */
    area?: { name: string; level: string; code: string };
    englandSeries?: Record<string, SeriesPoint[]>;
  },
  since: string | null | undefined,
  periodCounts?: ReadonlySet<string>,
): BeforeAfterView | null {
  if (!since) return null;
  const base = { since, dateText: null, caption: null, rows: [], emptyText: null, rest: null, csvHref: null };
  if (!isIsoDate(since)) return { ...base, error: 'Enter a real date, for example 1 October 2026.' };
  const grain: Grain = page.grain;
  const word = grain === 'week' ? 'week' : 'month';
  const rows: BeforeAfterView['rows'] = [];
  const restRows: NonNullable<BeforeAfterView['rest']>['rows'] = [];
  let excluded: string | null = null;
  for (const { tile, compared: r, againstRest: vs } of compareAroundDate(page, since, periodCounts)) {
    excluded = r.excluded;
    const span = (s: { from: string; to: string }) =>
      `${formatDate(s.from)} to ${formatDate(periodEnd(grain, s.to))}`;
    const change = withInterval(r.changePct, r.lowerPct, r.upperPct);
    rows.push({
      name: tile.shortName,
      periods: `${r.periods} ${word}${r.periods === 1 ? '' : 's'}: ${span(r.before)}, and ${span(r.after)}`,
      before: `${formatValue(Math.round(r.before.average), tile.unit)} a ${word}`,
      after: `${formatValue(Math.round(r.after.average), tile.unit)} a ${word}`,
      change,
      verdict: VERDICT_TEXT[r.verdict],
      verdictKey: r.verdict,
    });
    if (vs) {
      restRows.push({
        name: tile.shortName,
        here: r.changePct === null ? '–' : signed(r.changePct),
        rest: vs.restChangePct === null ? '–' : signed(vs.restChangePct),
        difference: withInterval(vs.relativePct, vs.lowerPct, vs.upperPct),
        verdict: REST_VERDICT_TEXT[vs.verdict],
        verdictKey: vs.verdict,
      });
    }
  }
  const dateText = formatDate(since);
  if (rows.length === 0) {
    return {
      ...base,
      error: null,
      dateText,
      emptyText: `There is no complete ${word} with figures both before and after ${dateText}. Choose a date within the loaded data, with a complete ${word} on each side.`,
    };
  }
  return {
    ...base,
    error: null,
    dateText,
    caption:
      `Headline counts in the ${word}s from ${dateText} against as many ${word}s just before` +
      (excluded
        ? ` (${formatPeriodInSentence(grain, excluded)} is left out: it is partly before and partly after)`
        : ''),
    rows,
    csvHref: `/api/v1/before-after?${new URLSearchParams({
      ...(page.area && page.area.level !== 'england' ? { level: page.area.level, code: page.area.code } : {}),
      ...(grain === 'week' ? { grain } : {}),
      since,
      format: 'csv',
    }).toString()}`,
    rest:
      restRows.length > 0
        ? {
            caption: `The same ${word}s in ${page.area?.name ?? 'the area'} against the rest of England (England less ${page.area?.name ?? 'the area'})`,
            rows: restRows,
          }
        : null,
  };
}

/** "+14.6% (95% interval +3.5% to +26.9%)"; the change alone without an interval; "–" without a change. */
function withInterval(pct: number | null, lower: number | null, upper: number | null): string {
  if (pct === null) return '–';
  return (
    signed(pct) +
    (lower !== null && upper !== null ? ` (95% interval ${signed(lower)} to ${signed(upper)})` : '')
  );
}

function signed(pct: number): string {
  // "−less than 0.1%" would read as a bound.
  if (pct !== 0 && Math.abs(pct) < 0.05) return `a ${pct > 0 ? 'rise' : 'fall'} of less than 0.1%`;
  return `${pct > 0 ? '+' : pct < 0 ? '−' : ''}${formatPercentChange(pct)}`;
}
