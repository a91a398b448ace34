/**
 * The views of an area's partner services, organ donation and GP system supplier pages (issue 14 item 4,
 * docs/adr/0030). They take the figures as the API sends them (already rounded at the edge and checked for
 * access), so page, table and CSV agree. Every chart has its figures in a table beside it; periods without a
 * figure read "No data", never 0; no JavaScript is needed (GET form for grain and range).
 */
import { LEVEL_LABELS, type AreaLevel } from '../../../domain/areas.ts';
import type { Grain } from '../../../domain/metric-definition.ts';
import { jumpOffServiceLabel } from '../../../domain/jump-offs.ts';
import { NO_DATA_TEXT } from '../../../domain/no-data.ts';
import { YEAR_ON_YEAR_PERIODS, yearOnYear, type YearOnYear } from '../../../domain/time-range.ts';
import { renderLineChart } from '../../../web/charts/line-chart.ts';
import {
  formatDate,
  formatPeriod,
  formatPeriodInSentence,
  formatPercentChange,
  formatPeriodShort,
  formatValue,
} from '../../../web/format.ts';
import { areaPath } from '../../../web/views/area-children.ts';
import { SUBPAGE_TITLES, subpagePath, type AreaSubpage } from './state.ts';

export interface AreaRangeView {
  area: { level: AreaLevel; code: string; name: string; isCurrent: boolean };
  grain: Grain;
  from?: string;
  to?: string;
  /** The areas above this one, England first, as the area page's breadcrumbs name them. */
  ancestors?: readonly { level: AreaLevel; code: string; name: string }[];
}

const NO_DATA = 'No data';
const count = (v: number | null | undefined) =>
  v === null || v === undefined ? NO_DATA : formatValue(v, 'events');
const share = (v: number | null | undefined) =>
  v === null || v === undefined ? '–' : formatValue(v * 100, 'percent');

function apiQuery(r: AreaRangeView, extra: Record<string, string> = {}): string {
  const p = new URLSearchParams();
  if (r.area.level !== 'england') {
    p.set('level', r.area.level);
    p.set('code', r.area.code);
  }
  p.set('grain', r.grain);
  if (r.from) p.set('from', r.from);
  if (r.to) p.set('to', r.to);
  for (const [k, v] of Object.entries(extra)) p.set(k, v);
  p.set('format', 'csv');
  return p.toString();
}

function common(r: AreaRangeView, page: AreaSubpage, periods: { periodStart: string }[]) {
  const areaName = r.area.level === 'england' ? 'England' : r.area.name;
  const areaHref = r.area.level === 'england' ? '/' : areaPath(r.area.level, r.area.code);
  // "September 2026 to October 2026" / "the week commencing 5 October 2026 to the week commencing …".
  const rangeText =
    periods.length === 0
      ? 'the range asked for (no complete period loaded in it)'
      : `${formatPeriodInSentence(r.grain, periods[0]!.periodStart)} to ${formatPeriodInSentence(r.grain, periods[periods.length - 1]!.periodStart)}`;
  return {
    heading: SUBPAGE_TITLES[page],
    areaName,
    areaHref,
    levelLabel: r.area.level === 'england' ? 'Country' : LEVEL_LABELS[r.area.level].singular,
    grainWord: r.grain === 'week' ? 'week' : 'month',
    rangeText,
    // The area page's trail (England, region, ICB …) and then the area itself, whose page this is part of.
    breadcrumbs: [
      ...(r.area.level === 'england' ? [] : (r.ancestors ?? [])).map((a) => ({
        text: a.level === 'england' ? 'England' : a.name,
        href: a.level === 'england' ? '/' : areaPath(a.level, a.code),
      })),
      { text: areaName, href: areaHref },
    ],
    form: {
      action: subpagePath(r.area, page),
      grains: (['month', 'week'] as const).map((g) => ({
        value: g,
        text: g === 'week' ? 'Week' : 'Month',
        checked: g === r.grain,
      })),
      from: r.from ?? '',
      to: r.to ?? '',
    },
    otherPages: (Object.keys(SUBPAGE_TITLES) as AreaSubpage[])
      .filter((p) => p !== page)
      .map((p) => ({ text: SUBPAGE_TITLES[p], href: subpagePath(r.area, p) })),
  };
}

/** One chart of a series (periods without a figure are left out of the line, and said to be). */
function chart(
  id: string,
  title: string,
  grain: Grain,
  points: { periodStart: string; value: number | null; complete?: boolean }[],
  unit: string,
) {
  const drawn = points.filter(
    (p): p is { periodStart: string; value: number; complete?: boolean } => p.value !== null,
  );
  if (drawn.length < 2) return null;
  const options = {
    title,
    desc: `${title}: from ${formatValue(drawn[0]!.value, unit)} in ${formatPeriod(grain, drawn[0]!.periodStart)} to ${formatValue(drawn[drawn.length - 1]!.value, unit)} in ${formatPeriod(grain, drawn[drawn.length - 1]!.periodStart)}. The figures are in the table beside the chart.`,
    points: drawn.map((p, i) => ({
      label: formatPeriodShort(grain, p.periodStart, i === 0),
      value: p.value,
      partial: p.complete === false,
    })),
    integer: unit === 'events' || unit === 'users',
  };
  return {
    svg: renderLineChart({ ...options, id, className: 'app-chart__svg--wide' }),
    svgNarrow: renderLineChart({
      ...options,
      id: `${id}-narrow`,
      width: 360,
      height: 240,
      className: 'app-chart__svg--narrow',
    }),
    gaps: drawn.length < points.length,
  };
}

// ---------------------------------------------------------------- partners

export interface JumpOffSourceInput {
  source: 'events' | 'feed';
  hasFigures: boolean;
  total: number | null;
  feedDays: { first: string; last: string } | null;
  periods: { periodStart: string; complete: boolean; total: number | null }[];
  providers: { provider: string; total: number | null; share: number | null; values: (number | null)[] }[];
  services: {
    provider: string;
    service?: string;
    total: number | null;
    share: number | null;
    values: (number | null)[];
  }[];
}

const SOURCE_TEXT = {
  events: {
    heading: 'From activity events',
    words: 'activity events',
    intro:
      'Counted by this service from the App’s activity events: each click on a link into a partner’s service counts once. A period without clicks is 0.',
  },
  feed: {
    heading: 'From the NHS integrated partners feed',
    words: 'NHS integrated partners feed',
    intro:
      'The NHS’s own weekly counts (WeeklyIntegratedPartners files), kept apart from the counts from events. A period the feed does not cover has no data, which is not zero.',
  },
} as const;

/** "+12.3%", "−4.0%" or "0.0%" (under 0.05% either way); "–" when there is no change to give (yearOnYear). */
function signedChange(y: YearOnYear | null): string {
  if (!y) return '–';
  if (Math.abs(y.changePct) < 0.05) return '0.0%';
  return `${y.changePct > 0 ? '+' : '−'}${formatPercentChange(y.changePct)}`;
}

export function buildPartnersView(r: AreaRangeView, sources: JumpOffSourceInput[]) {
  const periods = sources[0]?.periods ?? [];
  const base = common(r, 'partners', periods);
  // "Is it growing?": the latest complete periods against the same periods a year earlier (seasons cancel).
  const recentWords = `the last ${YEAR_ON_YEAR_PERIODS[r.grain]} ${base.grainWord}s`;
  const changeHead = `Last ${YEAR_ON_YEAR_PERIODS[r.grain]} ${base.grainWord}s on a year earlier`;
  const growth = (y: YearOnYear | null) => {
    if (!y) return '';
    const direction =
      y.changePct === 0
        ? 'the same as'
        : `${y.changePct > 0 ? 'up' : 'down'} ${formatPercentChange(y.changePct)} on`;
    return ` In ${recentWords} (${formatPeriodInSentence(r.grain, y.periods[0]!)} to ${formatPeriodInSentence(r.grain, y.periods[y.periods.length - 1]!)}) there were ${count(y.recent)}, ${direction} the same ${base.grainWord}s a year earlier (${count(y.yearEarlier)}).`;
  };
  return {
    ...base,
    lede: `Clicks from the NHS App into services of integrated partners in ${base.areaName}, by ${base.grainWord}, from ${base.rangeText}.`,
    sources: sources.map((s) => {
      const text = SOURCE_TEXT[s.source];
      const id = `partners-${s.source}`;
      const top = s.providers[0];
      const summary = !s.hasFigures
        ? `No figures from this source for these ${base.grainWord}s: no data, which is not zero.`
        : `${count(s.total)} jump-offs from ${base.rangeText}` +
          (top && top.total
            ? `; the most to ${top.provider} (${count(top.total)}, ${share(top.share)}).`
            : '.') +
          growth(
            yearOnYear(
              r.grain,
              s.periods,
              s.periods.map((p) => p.total),
            ),
          );
      const c = s.hasFigures
        ? chart(
            `${id}-chart`,
            `Jump-offs by ${base.grainWord} (${text.words})`,
            r.grain,
            s.periods.map((p) => ({ periodStart: p.periodStart, value: p.total, complete: p.complete })),
            'events',
          )
        : null;
      return {
        id,
        source: s.source,
        heading: text.heading,
        sourceWords: text.words,
        intro: text.intro,
        feedDaysText:
          s.source === 'feed'
            ? s.feedDays
              ? `The feed loaded covers ${formatDate(s.feedDays.first)} to ${formatDate(s.feedDays.last)}.`
              : 'No integrated partners feed is loaded.'
            : null,
        hasFigures: s.hasFigures,
        summary,
        chart: c,
        chartCaption: `Jump-offs in ${base.areaName} by ${base.grainWord}, all providers (source: ${text.words})${c?.gaps ? `; ${base.grainWord}s with no data are left out of the line` : ''}`,
        providerHead: ['Provider', 'Jump-offs', 'Share', changeHead],
        providerRows: s.providers.map((l) => [
          l.provider,
          count(l.total),
          share(l.share),
          signedChange(yearOnYear(r.grain, s.periods, l.values)),
        ]),
        serviceHead: ['Provider', 'Service', 'Jump-offs', 'Share', changeHead],
        serviceRows: s.services.map((l) => [
          l.provider,
          jumpOffServiceLabel(l.service ?? ''),
          count(l.total),
          share(l.share),
          signedChange(yearOnYear(r.grain, s.periods, l.values)),
        ]),
        trendHead: ['Period', 'All providers', ...s.providers.map((l) => l.provider)],
        trendRows: s.periods.map((p, i) => [
          formatPeriod(r.grain, p.periodStart) + (p.complete ? '' : ' (partial)'),
          count(p.total),
          ...s.providers.map((l) => count(l.values[i])),
        ]),
        csvHref: `/api/v1/partners?${apiQuery(r, { source: s.source })}`,
      };
    }),
  };
}

// ---------------------------------------------------------------- organ donation

export interface OrganDonationInput {
  periods: { periodStart: string; complete: boolean }[];
  metrics: { metric: string; name: string; total: number | null; values: (number | null)[] }[];
}

export function buildOrganDonationView(r: AreaRangeView, od: OrganDonationInput) {
  const base = common(r, 'organ-donation', od.periods);
  return {
    ...base,
    lede: `Organ donation decisions registered, updated, withdrawn and looked up in the NHS App by users registered with practices in ${base.areaName}, by ${base.grainWord}, from ${base.rangeText}.`,
    totalsRows: od.metrics.map((m) => [m.name, count(m.total)]),
    charts: od.metrics.map((m) => {
      const c = chart(
        `od-${m.metric}`,
        `${m.name} by ${base.grainWord}`,
        r.grain,
        od.periods.map((p, i) => ({ ...p, value: m.values[i] ?? null })),
        'events',
      );
      return {
        id: m.metric,
        heading: m.name,
        chart: c,
        caption: `${m.name} in ${base.areaName} by ${base.grainWord}`,
        noChartText: c ? null : `Fewer than two ${base.grainWord}s with a figure: no trend to draw.`,
      };
    }),
    tableHead: ['Period', ...od.metrics.map((m) => m.name)],
    tableRows: od.periods.map((p, i) => [
      formatPeriod(r.grain, p.periodStart) + (p.complete ? '' : ' (partial)'),
      ...od.metrics.map((m) => count(m.values[i])),
    ]),
    csvHref: `/api/v1/organ-donation?${apiQuery(r)}`,
  };
}

// ---------------------------------------------------------------- suppliers

export interface SupplierInput {
  periods: { periodStart: string; complete: boolean }[];
  suppliers: {
    supplier: string;
    practices: number;
    openPractices: number;
    figures: {
      metric: string;
      unit: string;
      points: {
        periodStart: string;
        count: number | null;
        value: number | null;
        denominator: number | null;
      }[];
    }[];
  }[];
}

const SUPPLIER_FIGURE_NAMES: Record<string, { rate: string; count: string }> = {
  unique_logins_per_1000: { rate: 'Users logging in per 1,000 patients aged 13+', count: 'Users logging in' },
  logins_per_1000: { rate: 'Logins per 1,000 patients aged 13+', count: 'Logins' },
  registered_pct_13plus: { rate: '% of patients aged 13+ registered', count: 'Registrations to date' },
};

export function buildSuppliersView(r: AreaRangeView, s: SupplierInput) {
  const base = common(r, 'suppliers', s.periods);
  const lastIndex = s.periods.length - 1;
  const latest = s.periods[lastIndex];
  const rate = (v: number | null | undefined, unit: string) =>
    v === null || v === undefined ? NO_DATA : formatValue(v, unit);
  const metrics = s.suppliers[0]?.figures.map((f) => ({ id: f.metric, unit: f.unit })) ?? [];
  const latestRows = s.suppliers.map((g) => {
    const at = (i: number) => g.figures[i]?.points[lastIndex];
    return [
      g.supplier,
      formatValue(g.practices, 'practices') +
        (g.openPractices < g.practices ? ` (${g.openPractices} open)` : ''),
      ...g.figures.map((f, i) => rate(at(i)?.value, f.unit)),
      ...g.figures.map((_, i) => count(at(i)?.count)),
      at(0)?.denominator === null || at(0)?.denominator === undefined
        ? NO_DATA
        : formatValue(at(0)!.denominator!, 'patients'),
    ];
  });
  return {
    ...base,
    lede: `The headline figures of ${base.areaName}’s GP practices grouped by their GP system supplier, by ${base.grainWord}, from ${base.rangeText}.`,
    noPractices: s.suppliers.length === 0,
    latestText: latest ? formatPeriod(r.grain, latest.periodStart) : null,
    latestHead: [
      'GP system supplier',
      'Practices',
      ...metrics.map((m) => SUPPLIER_FIGURE_NAMES[m.id]?.rate ?? m.id),
      ...metrics.map((m) => SUPPLIER_FIGURE_NAMES[m.id]?.count ?? m.id),
      'Patients aged 13+ (practices with a list size)',
    ],
    latestRows,
    trends: metrics.map((m, mi) => ({
      id: `suppliers-${m.id}`,
      heading: SUPPLIER_FIGURE_NAMES[m.id]?.rate ?? m.id,
      head: ['Period', ...s.suppliers.map((g) => g.supplier)],
      rows: s.periods.map((p, i) => [
        formatPeriod(r.grain, p.periodStart) + (p.complete ? '' : ' (partial)'),
        ...s.suppliers.map((g) => rate(g.figures[mi]?.points[i]?.value, m.unit)),
      ]),
      charts: s.suppliers.map((g) => ({
        supplier: g.supplier,
        caption: `${SUPPLIER_FIGURE_NAMES[m.id]?.rate ?? m.id}, practices supplied by ${g.supplier}, by ${base.grainWord}`,
        chart: chart(
          `suppliers-${m.id}-${g.supplier.replace(/[^A-Za-z0-9]/g, '')}`,
          `${SUPPLIER_FIGURE_NAMES[m.id]?.rate ?? m.id}: ${g.supplier}`,
          r.grain,
          (g.figures[mi]?.points ?? []).map((p, i) => ({ ...p, complete: s.periods[i]?.complete })),
          m.unit,
        ),
      })),
    })),
    csvHref: `/api/v1/suppliers?${apiQuery(r)}`,
    noDataText: NO_DATA_TEXT,
  };
}
