/**
 * The ranking page's view (issue 11 item 3): a ranked table of the areas of one level within an area, sortable
 * by GET links (no JavaScript needed), each row with a sparkline drawn as a small inline SVG with its text
 * alternative; the GET form (metric, level, grain, period, list-size threshold); the note on the areas left
 * out; the CSV link. Also the link block shown on every area page ("Practices in this ICB, lowest first").
 */
import { isOpenView } from '../../../domain/access.ts';
import { areaLabel, ENGLAND_CODE, LEVEL_LABELS, type AreaLevel } from '../../../domain/areas.ts';
import type { Grain, MetricDefinition } from '../../../domain/metric-definition.ts';
import { metricInSlot } from '../../../domain/placements.ts';
import type { Ranking, RankingRow } from '../../../query/ranking.ts';
import { levelNoun, levelsBelow } from '../../../query/ranking.ts';
import { formatPeriod, formatValue } from '../../../web/format.ts';
import { areaPath } from '../../../web/views/area-children.ts';
import { paginate } from '../../../web/views/pagination.ts';
import { VERDICT_TAGS, verdictLabel } from '../../../web/views/metric-panels.ts';
import { rankingCsvUrl, rankingUrl, withinParam, type RankingSortKey, type RankingState } from './state.ts';

/**
 * The metrics of the area pages' ranking links (shown_on ranking_link in their YAML): the headline (uptake,
 * % of patients aged 13+ registered) and a second (reach, users logging in per 1,000 patients aged 13+).
 */
export interface RankingLinkMetrics {
  headline: string | null;
  second: string | null;
}

/** The ranking link metrics of a catalogue; a slot no metric fills has no link. */
export function rankingLinkMetrics(catalogue: readonly MetricDefinition[]): RankingLinkMetrics {
  return {
    headline: metricInSlot(catalogue, 'ranking_link', 'headline')?.id ?? null,
    second: metricInSlot(catalogue, 'ranking_link', 'second')?.id ?? null,
  };
}

/**
 * Rows on one page of the ranking table: every practice in England is ~6,100 rows (9.7 MB of HTML at once,
 * sparklines and all); a page of 100 keeps the page within the 300 KB every page keeps to (ADR 0029).
 */
export const RANKING_PAGE_SIZE = 100;

/** Row order for a sort: areas without a value always last, then by name. */
export function sortRows(
  rows: readonly RankingRow[],
  sort: RankingSortKey,
  dir: 'asc' | 'desc',
): RankingRow[] {
  const key = (r: RankingRow): number | string | null => {
    switch (sort) {
      case 'rank':
        return r.rank;
      case 'name':
        return r.name;
      case 'value':
        return r.value;
      case 'patients':
        return r.patientsAll;
      case 'change':
        return r.change;
    }
  };
  const sign = dir === 'asc' ? 1 : -1;
  return [...rows].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    if (ka === null && kb !== null) return 1;
    if (kb === null && ka !== null) return -1;
    if (ka !== null && kb !== null && ka !== kb) {
      const c = typeof ka === 'string' ? ka.localeCompare(kb as string, 'en-GB') : ka - (kb as number);
      return c * sign;
    }
    return a.name.localeCompare(b.name, 'en-GB') || a.code.localeCompare(b.code);
  });
}

export interface Sparkline {
  /** Polyline points in a 0–100 × 0–24 box; null when fewer than two points have a value. */
  points: string | null;
  /** The last point's position (a dot). */
  last: { x: number; y: number } | null;
  /** The text alternative: "Trend over 10 months: from 12.3% in January 2026 to 14.5% in October 2026 …". */
  label: string;
}

export function sparkline(
  series: readonly { periodStart: string; value: number | null }[],
  unit: string,
  grain: Grain,
): Sparkline {
  const present = series
    .map((s, i) => ({ ...s, i }))
    .filter((s): s is { periodStart: string; value: number; i: number } => s.value !== null);
  const periods = grain === 'week' ? 'weeks' : 'months';
  if (present.length < 2)
    return { points: null, last: null, label: `No trend: fewer than two ${periods} with a figure` };
  const values = present.map((p) => p.value);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const n = Math.max(series.length - 1, 1);
  const xy = (p: { value: number; i: number }) => ({
    x: Math.round((p.i / n) * 1000) / 10,
    y: Math.round((hi === lo ? 12 : 22 - ((p.value - lo) / (hi - lo)) * 20) * 10) / 10,
  });
  const coords = present.map(xy);
  const first = present[0]!;
  const last = present[present.length - 1]!;
  const label =
    `Trend over ${series.length} ${periods}: from ${formatValue(first.value, unit)} in ` +
    `${formatPeriod(grain, first.periodStart)} to ${formatValue(last.value, unit)} in ` +
    `${formatPeriod(grain, last.periodStart)}; lowest ${formatValue(lo, unit)}, highest ${formatValue(hi, unit)}`;
  return { points: coords.map((c) => `${c.x},${c.y}`).join(' '), last: coords[coords.length - 1]!, label };
}

function signed(value: number, unit: string): string {
  const text = formatValue(Math.abs(value), unit);
  if (value > 0) return `+${text}`;
  if (value < 0) return `−${text}`;
  return text;
}

export interface RankingOptions {
  /** Metrics the viewer may rank at this level and grain. */
  metrics: MetricDefinition[];
  /** Levels below `within` the viewer may rank. */
  levels: AreaLevel[];
  grains: Grain[];
  /** Rows a page (default RANKING_PAGE_SIZE). */
  pageSize?: number;
}

export function buildRankingView(input: Ranking, state: RankingState, options: RankingOptions) {
  // Every area is named by its label (areaLabel: a sub-ICB location's place name first), sorted by it too.
  const ranking: Ranking = {
    ...input,
    within: { ...input.within, name: areaLabel(input.within) },
    rows: input.rows.map((r) => ({ ...r, name: areaLabel(r) })),
    excluded: { ...input.excluded, areas: input.excluded.areas.map((e) => ({ ...e, name: areaLabel(e) })) },
  };
  const unit = ranking.metric.unit;
  const noun = levelNoun(ranking.level);
  const withinName = ranking.within.level === 'england' ? 'England' : ranking.within.name;
  const periodText = formatPeriod(ranking.grain, ranking.periodStart);
  const sorted = sortRows(ranking.rows, state.sort, state.dir);
  const rankCount = new Map<number, number>();
  for (const r of ranking.rows) if (r.rank !== null) rankCount.set(r.rank, (rankCount.get(r.rank) ?? 0) + 1);
  const columns = (
    [
      ['rank', 'Rank', true],
      ['name', LEVEL_LABELS[ranking.level].singular, false],
      ['value', ranking.metric.short_name, true],
      ['patients', 'Patients (all ages)', true],
      ['change', 'Change on previous', true],
    ] as const
  ).map(([key, text, numeric]) => {
    const active = state.sort === key;
    // The first click on a column sorts it the natural way: rank 1 first, names A–Z, values highest first.
    const firstDir = key === 'rank' || key === 'name' ? 'asc' : 'desc';
    const dir = active ? (state.dir === 'asc' ? 'desc' : 'asc') : firstDir;
    return {
      key,
      text,
      numeric,
      ariaSort: active ? (state.dir === 'asc' ? 'ascending' : 'descending') : null,
      // A new order starts again at its first page.
      href: rankingUrl({ ...state, sort: key, dir, page: 1 }),
    };
  });
  const hasCi = ranking.rows.some((r) => r.lowerCi95 !== null);
  const { shown, pagination } = paginate(
    sorted,
    state.page,
    options.pageSize ?? RANKING_PAGE_SIZE,
    noun,
    (page) => rankingUrl({ ...state, page }),
  );
  const rows = shown.map((r) => {
    return {
      code: r.code,
      name: r.name,
      href: areaPath(r.level, r.code),
      closed: !r.isCurrent,
      // "=499": a rank shared with another area (a tie), as league tables write it.
      rankText: r.rank === null ? 'Not ranked' : `${(rankCount.get(r.rank) ?? 0) > 1 ? '=' : ''}${r.rank}`,
      valueText: r.value === null ? 'No data' : formatValue(r.value, unit),
      ciText:
        r.lowerCi95 !== null && r.upperCi95 !== null
          ? `${formatValue(r.lowerCi95, unit)} to ${formatValue(r.upperCi95, unit)}`
          : '–',
      verdictText: verdictLabel(r.comparedWithEngland, 'England'),
      verdictTag: VERDICT_TAGS[r.comparedWithEngland],
      countText: r.count === null ? '–' : formatValue(r.count, 'events'),
      patients13Text:
        r.patients13plus === null ? 'No data' : formatValue(Math.round(r.patients13plus), 'patients'),
      patientsAllText:
        r.patientsAll === null ? 'No data' : formatValue(Math.round(r.patientsAll), 'patients'),
      changeText: r.change === null ? '–' : signed(r.change, unit),
      sparkline: sparkline(r.series, unit, ranking.grain),
    };
  });
  const lowestFirst = state.sort === 'value' && state.dir === 'asc';
  const caption =
    `${LEVEL_LABELS[ranking.level].plural} in ${withinName} by ${ranking.metric.short_name}, ${periodText}` +
    (lowestFirst ? ', lowest first' : '');
  const periodsDesc = [...ranking.periods].reverse();
  return {
    heading: `${LEVEL_LABELS[ranking.level].plural} in ${withinName}`,
    metricName: ranking.metric.name,
    periodText,
    caption,
    summary: summaryOf(ranking, noun, withinName, periodText),
    withinHref:
      ranking.within.level === 'england' ? '/' : areaPath(ranking.within.level, ranking.within.code),
    withinName,
    englandText:
      ranking.england.value === null ? null : `England: ${formatValue(ranking.england.value, unit)}`,
    noFigures: !ranking.hasFigures,
    isRate: ranking.isRate,
    hasCi,
    note: ranking.note,
    excluded: ranking.excluded.areas.map((e) => ({
      name: e.name,
      code: e.code,
      reasonText:
        e.reason === 'closed'
          ? 'closed'
          : e.reason === 'not-yet-open'
            ? 'not yet open'
            : `${formatValue(Math.round(e.patientsAll ?? 0), 'patients')} patients`,
    })),
    columns,
    rows,
    pagination,
    csvHref: rankingCsvUrl(state, ranking.periodStart),
    lowestFirstHref: rankingUrl({ ...state, sort: 'value', dir: 'asc', page: 1 }),
    highestFirstHref: rankingUrl({ ...state, sort: 'value', dir: 'desc', page: 1 }),
    form: {
      within: withinParam(state.within),
      sort: state.sort,
      dir: state.dir,
      metrics: options.metrics.map((m) => ({
        value: m.id,
        text: m.name,
        selected: m.id === ranking.metric.id,
      })),
      levels: options.levels.map((l) => ({
        value: l,
        text: LEVEL_LABELS[l].plural,
        selected: l === ranking.level,
      })),
      grains: options.grains.map((g) => ({
        value: g,
        text: g === 'week' ? 'Week' : 'Month',
        checked: g === ranking.grain,
      })),
      periods: periodsDesc.map((p) => ({
        value: p,
        text: formatPeriod(ranking.grain, p),
        selected: p === ranking.periodStart,
      })),
      minListSize: String(ranking.minListSize),
      showThreshold: ranking.level === 'practice',
    },
  };
}

function summaryOf(ranking: Ranking, noun: string, withinName: string, periodText: string): string {
  const ranked = ranking.rows.filter((r) => r.rank !== null);
  if (!ranking.hasFigures)
    return `No figures of this kind are loaded for ${periodText}, so no ${noun} can be ranked: “no data” is not zero.`;
  if (ranked.length === 0) return `No ${noun} in ${withinName} have a figure for ${periodText}.`;
  const unit = ranking.metric.unit;
  const top = ranked[0]!;
  const bottom = ranked[ranked.length - 1]!;
  return (
    `${ranked.length.toLocaleString('en-GB')} ${levelNoun(ranking.level, ranked.length)} in ${withinName} ranked for ${periodText}: ` +
    `highest ${top.name} (${formatValue(top.value!, unit)}), lowest ${bottom.name} (${formatValue(bottom.value!, unit)}).`
  );
}

export type RankingView = ReturnType<typeof buildRankingView>;

/**
 * The ranking links on an area page: for each level below the area (practices first for an ICB), a link to
 * that ranking on the headline metric, lowest first, and one on the second metric. A practice page links to
 * its ICB's practices. Empty for England's own summary and Unknown. `open`: whether the ranking shows without
 * sign-in (ICBs and regions, by month).
 */
export function rankingLinks(
  area: { level: AreaLevel; code: string; name: string },
  icb: { code: string; name: string } | null | undefined,
  metrics: RankingLinkMetrics,
): AreaLink[] {
  const { headline, second } = metrics;
  const base = (level: AreaLevel, within: { level: AreaLevel; code: string }, metricId: string) =>
    rankingUrl({
      metricId,
      level,
      within,
      grain: 'month',
      period: null,
      minListSize: null,
      sort: 'value',
      dir: 'asc',
    });
  if (area.code === 'UNKNOWN' || headline === null) return [];
  if (area.level === 'practice') {
    if (!icb) return [];
    return [
      {
        text: `Practices in ${icb.name}, lowest uptake first`,
        href: base('practice', { level: 'icb', code: icb.code }, headline),
        open: isOpenView('practice', 'month'),
      },
    ];
  }
  const within = area.level === 'england' ? { level: 'england' as const, code: ENGLAND_CODE } : area;
  const here = area.level === 'england' ? 'England' : `this ${levelNoun(area.level, 1)}`;
  const below = levelsBelow(area.level);
  // Practices first (where the question usually is), then the levels in between from the top.
  const order = [...below.filter((l) => l === 'practice'), ...below.filter((l) => l !== 'practice')];
  const links = order.map((level) => ({
    text: `${capitalise(levelNoun(level))} in ${here}, lowest uptake first`,
    href: base(level, within, headline),
    open: isOpenView(level, 'month'),
  }));
  if (below.includes('practice') && second !== null)
    links.splice(1, 0, {
      text: `Practices in ${here}, fewest users logging in per 1,000 patients first`,
      href: base('practice', within, second),
      open: isOpenView('practice', 'month'),
    });
  return links;
}

/** A link from an area page to another view of figures; `open` when it shows without sign-in. */
export interface AreaLink {
  text: string;
  href: string;
  open: boolean;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
