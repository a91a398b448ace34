/**
 * View models of the Urgent care booking pages (issue 13, item 4): the summary of every measure of the
 * NHS Booking Standard's reporting specification as a plain-English sentence (the seed's wording: "In
 * December there were 2,000 appointments booked and 2,500 referrals: 80% booking utilisation"), a measure
 * by grouping with its trend, and the breach analysis by disposition. Pure: answer rows in, strings out.
 *
 * No data is not zero: a range outside the loaded booking events, or a figure that was never loaded (a
 * paired figure the answer leaves null), reads "no data", never 0. A zero inside the loaded range is a real
 * zero and is shown as 0.
 */
import {
  BOOKING_AREA_GROUPINGS,
  BOOKING_GROUPINGS,
  BOOKING_MEASURES,
  bookingGroupingsWithin,
  defaultGroupingOf,
  type BookingAreaGrouping,
  DISPOSITION_MINUTES,
  type BookingGrouping,
  type BookingMeasure,
  type BookingRow,
  type BookingSide,
} from '../../../domain/booking.ts';
import type { Grain } from '../../../domain/metric-definition.ts';
import {
  addDays,
  addMonths,
  periodEnd as domainPeriodEnd,
  periodStart as domainPeriodStart,
} from '../../../domain/periods.ts';
import { renderLineChart, type ChartPoint } from '../../../web/charts/line-chart.ts';
import {
  formatDate,
  formatNumber,
  formatPeriod,
  formatPeriodShort,
  MONTH_NAMES,
} from '../../../web/format.ts';
import { bookingQueryString } from './state.ts';
import { paginate, type Pagination } from '../../../web/views/pagination.ts';

/** The loaded booking events' first and last London dates (null when none are loaded). */
export interface BookingCoverage {
  readonly first: string | null;
  readonly last: string | null;
}

/** A point of a series, as the query answers it. */
export interface BookingTrendPoint {
  readonly periodStart: string;
  readonly periodEnd: string;
  readonly count: number;
  readonly paired: number | null;
  readonly ratio: number | null;
}

export const BOOKING_GROUPING_LABELS: Readonly<Record<BookingGrouping, string>> = {
  none: 'Total (no grouping)',
  service: 'Service (DoS service id)',
  provider: 'Provider (ODS code)',
  consumer: 'Consumer (NHS 111 or clinical assessment service)',
  practice: 'Registered GP practice',
  pcn: 'Primary care network of the registered practice',
  'sub-icb': 'Sub-ICB location of the registered practice',
  icb: 'Integrated care board of the registered practice',
  region: 'NHS England region of the registered practice',
  disposition: 'Disposition (NHS Pathways code)',
  error: 'Error message',
  'service-error': 'Service and error message',
};

/** The column heading of a grouping's values. */
const GROUP_COLUMN: Readonly<Record<BookingGrouping, string>> = {
  none: 'Group',
  service: 'Service',
  provider: 'Provider',
  consumer: 'Consumer',
  practice: 'Registered practice',
  pcn: 'PCN',
  'sub-icb': 'Sub-ICB location',
  icb: 'ICB',
  region: 'Region',
  disposition: 'Disposition',
  error: 'Error message',
  'service-error': 'Service — error message',
};

/** The grouping as it ends a caption: "… by registered practice". */
const CAPTION_WORD: Readonly<Record<BookingGrouping, string>> = {
  none: 'total',
  service: 'service',
  provider: 'provider',
  consumer: 'consumer',
  practice: 'registered practice',
  pcn: 'PCN',
  'sub-icb': 'sub-ICB location',
  icb: 'ICB',
  region: 'region',
  disposition: 'disposition',
  error: 'error message',
  'service-error': 'service and error message',
};

// ---------------------------------------------------------------------------------------------------------
// Formatting

/** A count with thousands separators; null (never loaded, or no data for the range) reads "no data". */
export function formatCount(value: number | null | undefined): string {
  return value === null || value === undefined ? 'no data' : formatNumber(value);
}

/** Ratios that are shares (utilisation, non-booking) read as percentages; the others as "0.25 per …". */
export function isPercentRatio(measure: BookingMeasure): boolean {
  return measure.ratioLabel !== null && /utilisation|non-booking/.test(measure.ratioLabel);
}

const percent1 = new Intl.NumberFormat('en-GB', { minimumFractionDigits: 0, maximumFractionDigits: 1 });
const ratio2 = new Intl.NumberFormat('en-GB', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** The ratio count ÷ paired: "80%" or "80.5%" for shares, "0.25" otherwise; "no data" when it has none. */
export function formatRatio(measure: BookingMeasure, ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return 'no data';
  return isPercentRatio(measure) ? `${percent1.format(ratio * 100)}%` : ratio2.format(ratio);
}

/**
 * The range as it opens a sentence: "In December 2025" for a whole calendar month, "In 2025" for a whole
 * year, "On 3 December 2025" for one day, else "From 1 December 2025 to 14 December 2025".
 */
export function rangePhrase(from: string, to: string): string {
  if (from === to) return `On ${formatDate(from)}`;
  if (from.endsWith('-01') && to === addDays(addMonths(from, 1), -1))
    return `In ${MONTH_NAMES[Number(from.slice(5, 7)) - 1]} ${from.slice(0, 4)}`;
  if (from.endsWith('-01-01') && to === `${from.slice(0, 4)}-12-31`) return `In ${from.slice(0, 4)}`;
  return `From ${formatDate(from)} to ${formatDate(to)}`;
}

/** The range as a heading: "December 2025", "2025", or "1 December 2025 to 14 December 2025". */
export function rangeTitle(from: string, to: string): string {
  const p = rangePhrase(from, to);
  return p.startsWith('From ') ? p.slice(5) : p.replace(/^(In|On) /, '');
}

// ---------------------------------------------------------------------------------------------------------
// Sentences

/** How each measure's count reads after "there were N …" / "there was 1 …" (singular, plural). */
const COUNT_WORDS: Readonly<Record<string, readonly [string, string]>> = {
  'rep-cons-01': ['appointment booked', 'appointments booked'],
  'rep-cons-02': [
    'case referred successfully but not booked because no appointment slots were offered',
    'cases referred successfully but not booked because no appointment slots were offered',
  ],
  'rep-cons-03': [
    'case referred successfully but not booked although appointment slots were offered',
    'cases referred successfully but not booked although appointment slots were offered',
  ],
  'rep-cons-04': [
    'booking that failed because the slot was no longer available when the booking was made (HTTP 409)',
    'bookings that failed because the slot was no longer available when the booking was made (HTTP 409)',
  ],
  'rep-cons-05': [
    'time the user did not select the top service although the top service could be booked',
    'times the user did not select the top service although the top service could be booked',
  ],
  'rep-cons-06': [
    'time a booking was attempted and an error occurred',
    'times a booking was attempted and an error occurred',
  ],
  'rep-cons-07': [
    'appointment booked and then cancelled while the patient was on the phone',
    'appointments booked and then cancelled while the patient was on the phone',
  ],
  'rep-cons-08': ['appointment rebooked', 'appointments rebooked'],
  'rep-cons-09': [
    'appointment cancelled when the patient called back',
    'appointments cancelled when the patient called back',
  ],
  'rep-cons-10': ['appointment booked', 'appointments booked'],
  'rep-cons-11': ['appointment booked', 'appointments booked'],
  'rep-cons-12': [
    'case referred successfully but not booked because every slot offered was outside the disposition time frame',
    'cases referred successfully but not booked because every slot offered was outside the disposition time frame',
  ],
  'rep-prov-01': ['appointment booked', 'appointments booked'],
  'rep-prov-02': ['appointment booked', 'appointments booked'],
  'rep-prov-03': ['appointment booked', 'appointments booked'],
  'rep-prov-04': ['referred case not booked', 'referred cases not booked'],
  'rep-prov-05': ['appointment cancelled (at any stage)', 'appointments cancelled (at any stage)'],
};

/** How each paired figure reads after "and N …". */
const PAIRED_WORDS: Readonly<Record<string, readonly [string, string]>> = {
  'rep-cons-01': ['successful referral', 'successful referrals'],
  'rep-cons-10': [
    'appointment slot offered that would not cause a breach',
    'appointment slots offered that would not cause a breach',
  ],
  'rep-cons-11': [
    'appointment slot offered that would cause a breach',
    'appointment slots offered that would cause a breach',
  ],
  'rep-prov-02': ['successful referral received', 'successful referrals received'],
  'rep-prov-03': ['appointment slot made available', 'appointment slots made available'],
  'rep-prov-04': ['successful referral', 'successful referrals'],
};

function counted(n: number, words: readonly [string, string]): string {
  return `${formatNumber(n)} ${n === 1 ? words[0] : words[1]}`;
}

/**
 * The measure's figure as the specification's sentence, e.g. "In December 2025 there were 2,000 appointments
 * booked and 2,500 successful referrals: 80% booking utilisation." `row` null: no data for the range.
 * `subject` narrows the sentence to a group, e.g. `"Dx05"` → "… 200 "Dx05" appointments booked …".
 */
export function bookingSentence(
  measure: BookingMeasure,
  row: Pick<BookingRow, 'count' | 'paired' | 'ratio'> | null,
  from: string,
  to: string,
  subject?: string,
): string {
  const when = rangePhrase(from, to);
  const words = COUNT_WORDS[measure.id] ?? [measure.counts, measure.counts];
  if (row === null) return `${when}: no data (no booking events are loaded for these dates).`;
  const qualified = (w: readonly [string, string]): [string, string] =>
    subject ? [`${subject} ${w[0]}`, `${subject} ${w[1]}`] : [w[0], w[1]];
  const verb = row.count === 1 ? 'was' : 'were';
  let s = `${when} there ${verb} ${counted(row.count, qualified(words))}`;
  if (measure.paired !== null) {
    const pw = PAIRED_WORDS[measure.id] ?? [measure.paired, measure.paired];
    if (row.paired === null) {
      s += `; ${pw[1]}: no data (not loaded)`;
    } else {
      s += ` and ${counted(row.paired, pw)}`;
      s +=
        row.ratio === null
          ? ` (no ${measure.ratioLabel}: nothing to divide by)`
          : `: ${formatRatio(measure, row.ratio)} ${measure.ratioLabel}`;
    }
  }
  return `${s}.`;
}

// ---------------------------------------------------------------------------------------------------------
// Date ranges

/** The last complete calendar month in the data (the pages' default), or the data's span if shorter. */
export function defaultBookingRange(coverage: BookingCoverage): { from: string; to: string } | null {
  if (!coverage.first || !coverage.last) return null;
  const last = coverage.last;
  const monthStart = `${last.slice(0, 7)}-01`;
  const monthEnd = addDays(addMonths(monthStart, 1), -1);
  let from: string;
  let to: string;
  if (last === monthEnd) {
    from = monthStart;
    to = monthEnd;
  } else {
    from = addMonths(monthStart, -1);
    to = addDays(monthStart, -1);
  }
  if (to < coverage.first) return { from: coverage.first, to: last };
  return { from: from < coverage.first ? coverage.first : from, to };
}

export interface QuickPick {
  readonly text: string;
  readonly href: string;
  readonly current: boolean;
}

/** Quick picks: the calendar months the data touches, newest first (at most `max`). */
export function monthPicks(
  coverage: BookingCoverage,
  selected: { from: string; to: string },
  href: (from: string, to: string) => string,
  max = 13,
): QuickPick[] {
  if (!coverage.first || !coverage.last) return [];
  const picks: QuickPick[] = [];
  let month = `${coverage.last.slice(0, 7)}-01`;
  while (month >= `${coverage.first.slice(0, 7)}-01` && picks.length < max) {
    const end = addDays(addMonths(month, 1), -1);
    picks.push({
      text: `${MONTH_NAMES[Number(month.slice(5, 7)) - 1]} ${month.slice(0, 4)}`,
      href: href(month, end),
      current: selected.from === month && selected.to === end,
    });
    month = addMonths(month, -1);
  }
  return picks;
}

/** Whether the range touches the loaded data at all (else its figures are "no data", not 0). */
export function rangeHasData(coverage: BookingCoverage, from: string, to: string): boolean {
  return coverage.first !== null && coverage.last !== null && from <= coverage.last && to >= coverage.first;
}

/** A note when the range reaches beyond the loaded data (its figures cover only part of it). */
export function coverageNote(coverage: BookingCoverage, from: string, to: string): string | null {
  if (!rangeHasData(coverage, from, to)) return null;
  const before = from < coverage.first!;
  const after = to > coverage.last!;
  if (!before && !after) return null;
  return (
    `Booking events are loaded from ${formatDate(coverage.first!)} to ${formatDate(coverage.last!)}: ` +
    `the figures cover only that part of the range.`
  );
}

/** What every booking page says about its date range. */
export interface BookingRangeView {
  readonly from: string;
  readonly to: string;
  readonly rangeTitle: string;
  readonly hasData: boolean;
  readonly noDataText: string | null;
  readonly coverageNote: string | null;
  /** The months to pick, each linking to `pickHref` of its range. */
  readonly picks: readonly QuickPick[];
}

export function bookingRangeView(
  coverage: BookingCoverage,
  from: string,
  to: string,
  pickHref: (from: string, to: string) => string,
): BookingRangeView {
  const hasData = rangeHasData(coverage, from, to);
  return {
    from,
    to,
    rangeTitle: rangeTitle(from, to),
    hasData,
    noDataText: hasData
      ? null
      : coverage.first === null
        ? 'No data: no booking events are loaded yet.'
        : `No data for these dates: booking events are loaded from ${formatDate(coverage.first)} to ${formatDate(coverage.last!)}.`,
    coverageNote: coverageNote(coverage, from, to),
    picks: monthPicks(coverage, { from, to }, pickHref),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Narrowing to an area (the cases of patients registered at its practices)

/** An area the booking pages can be narrowed to, as they name it. */
export interface BookingAreaOption {
  readonly level: BookingAreaGrouping;
  readonly code: string;
  /** The name shown (a sub-ICB location with its place, ADR 0028). */
  readonly name: string;
}

/** The area choices of a page's form: every case first, then regions, ICBs and sub-ICB locations. */
export interface BookingAreaChoices {
  readonly groups: readonly {
    readonly label: string;
    readonly items: readonly { value: string; text: string; selected: boolean }[];
  }[];
}

const AREA_GROUP_LABELS: Readonly<Record<BookingAreaGrouping, string>> = {
  region: 'NHS England regions',
  icb: 'Integrated care boards',
  'sub-icb': 'Sub-ICB locations',
  pcn: 'Primary care networks',
  practice: 'GP practices',
};

/**
 * The form's choices: "All of England" and the options by level. An area reached by a link at a level the
 * form does not list (a PCN or practice from a grouped table) is listed too, so the form keeps it.
 */
export function bookingAreaChoices(
  options: readonly BookingAreaOption[],
  selected: BookingAreaOption | null,
): BookingAreaChoices {
  const all =
    selected && !options.some((o) => o.level === selected.level && o.code === selected.code)
      ? [...options, selected]
      : options;
  return {
    groups: [
      {
        label: 'England',
        items: [{ value: '', text: 'All of England (every case)', selected: selected === null }],
      },
      ...BOOKING_AREA_GROUPINGS.map((level) => ({
        label: AREA_GROUP_LABELS[level],
        items: all
          .filter((o) => o.level === level)
          .map((o) => ({
            value: o.code,
            text: `${o.name} (${o.code})`,
            selected: selected !== null && selected.code === o.code && selected.level === level,
          })),
      })).filter((g) => g.items.length > 0),
    ],
  };
}

/** "patients registered in NHS West Yorkshire Integrated Care Board (QWO)" */
export function bookingAreaPhrase(area: BookingAreaOption): string {
  return `patients registered in ${area.name} (${area.code})`;
}

/**
 * The slots a page narrowed to an area shows: those made available are a provider's, so none (summary and
 * measure pages); those offered are the cases' own (the breach analysis).
 */
type AreaSlots = 'made-available' | 'offered';

/** What a page narrowed to an area says about the cases it counts, and of its slots. */
export function bookingAreaNote(area: BookingAreaOption, slots: AreaSlots): string {
  return (
    `Only the cases of ${bookingAreaPhrase(area)}: their registered GP practice is in it on today's structure. ` +
    `Cases whose registered practice is not known are in no area. ` +
    (slots === 'offered'
      ? 'The slots are those offered in these cases.'
      : "Appointment slots made available are a provider's figure, not an area's, so they are not given here.")
  );
}

/** What a page narrowed to an area (or not) shows of it: the summary, measure and breach pages alike. */
export interface BookingAreaFields {
  /** The area the figures are narrowed to, or null for every case. */
  readonly area: BookingAreaOption | null;
  /** ", for patients registered in …" (empty for every case), after the range in headings. */
  readonly areaWords: string;
  readonly areaNote: string | null;
  readonly areaChoices: BookingAreaChoices;
}

function bookingAreaFields(
  area: BookingAreaOption | null,
  options: readonly BookingAreaOption[],
  slots: AreaSlots = 'made-available',
): BookingAreaFields {
  return {
    area,
    areaWords: area ? `, for ${bookingAreaPhrase(area)}` : '',
    areaNote: area ? bookingAreaNote(area, slots) : null,
    areaChoices: bookingAreaChoices(options, area),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Summary page

export interface SummaryItem {
  readonly id: string;
  readonly title: string;
  readonly sentence: string;
  readonly count: string;
  readonly paired: string | null;
  readonly ratio: string | null;
  readonly href: string;
}

export interface BookingSummaryView extends BookingRangeView, BookingAreaFields {
  readonly side: BookingSide;
  readonly sideWord: string;
  readonly items: readonly SummaryItem[];
  readonly sideLinks: readonly { text: string; href: string; current: boolean }[];
  readonly breachHref: string;
  readonly demo: boolean;
}

export interface BookingSummaryInput {
  readonly side: BookingSide;
  readonly from: string;
  readonly to: string;
  readonly coverage: BookingCoverage;
  /** The total row of each measure of the side (missing when the range has no data). */
  readonly totals: ReadonlyMap<string, BookingRow>;
  readonly area: BookingAreaOption | null;
  /** The areas the form offers. */
  readonly areaOptions: readonly BookingAreaOption[];
  readonly demo: boolean;
}

export function measuresOf(side: BookingSide): BookingMeasure[] {
  return BOOKING_MEASURES.filter((m) => m.side === side);
}

export function buildBookingSummaryView(input: BookingSummaryInput): BookingSummaryView {
  const { side, from, to, coverage, area } = input;
  const areaCode = area?.code;
  const range = bookingRangeView(
    coverage,
    from,
    to,
    (f, t) => `/booking?${bookingQueryString({ view: side, from: f, to: t, area: areaCode })}`,
  );
  const { hasData } = range;
  const items = measuresOf(side).map((m): SummaryItem => {
    const row = hasData ? (input.totals.get(m.id) ?? null) : null;
    return {
      id: m.id,
      title: m.title,
      sentence: bookingSentence(m, row, from, to),
      count: row ? formatCount(row.count) : 'no data',
      paired: m.paired === null ? null : row ? formatCount(row.paired) : 'no data',
      ratio: m.paired === null ? null : row ? formatRatio(m, row.ratio) : 'no data',
      href: `/booking/measure/${m.id}?${bookingQueryString({ from, to, area: areaCode })}`,
    };
  });
  return {
    ...range,
    side,
    sideWord: side === 'consumer' ? 'Consumer' : 'Provider',
    ...bookingAreaFields(area, input.areaOptions),
    items,
    sideLinks: (['consumer', 'provider'] as const).map((s) => ({
      text: s === 'consumer' ? 'Consumer view (NHS 111 and CAS)' : 'Provider view (GP, UTC, pharmacy)',
      href: `/booking?${bookingQueryString({ view: s, from, to, area: areaCode })}`,
      current: s === side,
    })),
    breachHref: `/booking/breach?${bookingQueryString({ from, to, area: areaCode })}`,
    demo: input.demo,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Measure page

export interface BookingTableRow {
  readonly group: string;
  readonly name: string | null;
  /** The same measure narrowed to this area (rows of an area grouping, but Unknown). */
  readonly href: string | null;
  readonly count: string;
  readonly paired: string | null;
  readonly ratio: string | null;
}

export interface BookingMeasureView extends BookingRangeView, BookingAreaFields {
  readonly measure: BookingMeasure;
  readonly sentence: string;
  /** The same measure for every case (null when not narrowed). */
  readonly allAreasHref: string | null;
  readonly groupBy: BookingGrouping;
  readonly groupItems: readonly { value: string; text: string; selected: boolean }[];
  readonly grain: Grain;
  readonly grainItems: readonly { value: string; text: string; selected: boolean }[];
  readonly table: {
    readonly caption: string;
    readonly groupColumn: string;
    readonly showNames: boolean;
    readonly rows: readonly BookingTableRow[];
    /** Previous and next pages when the grouping has more rows than a page (every practice of England). */
    readonly pagination: Pagination | null;
  } | null;
  readonly csvHref: string;
  readonly trend: {
    readonly heading: string;
    readonly svg: string;
    readonly svgNarrow: string;
    readonly caption: string;
    readonly rows: readonly { period: string; count: string; paired: string | null; ratio: string | null }[];
    readonly csvHref: string;
  } | null;
  readonly summaryHref: string;
  readonly demo: boolean;
}

export interface BookingMeasureInput {
  readonly measure: BookingMeasure;
  readonly from: string;
  readonly to: string;
  readonly groupBy: BookingGrouping;
  readonly grain: Grain;
  readonly coverage: BookingCoverage;
  /** The total row (null: no data for the range). */
  readonly total: BookingRow | null;
  /** The rows of the grouping (empty for none). */
  readonly rows: readonly BookingRow[];
  /** The series of the trend, and the dates it spans. */
  readonly trend: readonly BookingTrendPoint[];
  readonly trendFrom: string;
  readonly trendTo: string;
  readonly area: BookingAreaOption | null;
  readonly areaOptions: readonly BookingAreaOption[];
  readonly demo: boolean;
  /** The page of the grouping's table (1 first; absent: 1). */
  readonly page?: number;
}

/** Rows a page of a measure's table: England by practice has thousands; the CSV has every row. */
export const BOOKING_PAGE_SIZE = 100;

/** The range the trend shows: the twelve months up to `to` (from the first loaded day if later). */
export function trendRange(coverage: BookingCoverage, to: string): { from: string; to: string } | null {
  if (!coverage.first || !coverage.last) return null;
  const end = to > coverage.last ? coverage.last : to;
  let from = addMonths(`${end.slice(0, 7)}-01`, -11);
  if (from < coverage.first) from = coverage.first;
  if (from > end) return null;
  return { from, to: end };
}

/** The groupings a measure's page offers: all of the measure's, or those within the area it is narrowed to. */
export function groupingsOf(
  measure: BookingMeasure,
  area: BookingAreaOption | null = null,
): BookingGrouping[] {
  if (area) return bookingGroupingsWithin(measure, area);
  return BOOKING_GROUPINGS.filter((g) => g === 'none' || measure.groupings.includes(g));
}

export function buildBookingMeasureView(input: BookingMeasureInput): BookingMeasureView {
  const { measure: m, from, to, groupBy, grain, coverage, area } = input;
  const areaCode = area?.code;
  // This page's address for another range or page, its grouping, grain and area kept (defaults left out).
  const measureHref = (p: { from: string; to: string; page?: string }) =>
    `/booking/measure/${m.id}?${bookingQueryString({ from: p.from, to: p.to, groupBy: groupBy === defaultGroupingOf(m) ? undefined : groupBy, grain: grain === 'month' ? undefined : grain, area: areaCode, page: p.page })}`;
  const range = bookingRangeView(coverage, from, to, (f, t) => measureHref({ from: f, to: t }));
  const { hasData } = range;
  const total = hasData ? input.total : null;
  const q = { from, to, area: areaCode };
  const isAreaGrouping = (BOOKING_AREA_GROUPINGS as readonly string[]).includes(groupBy);
  const groupColumn = GROUP_COLUMN[groupBy];
  const { shown, pagination } = paginate(input.rows, input.page, BOOKING_PAGE_SIZE, 'rows', (page) =>
    measureHref({ from, to, page: page > 1 ? String(page) : undefined }),
  );
  const table =
    groupBy === 'none' || !hasData
      ? null
      : {
          caption: `${m.title}, ${rangeTitle(from, to)}, by ${CAPTION_WORD[groupBy]}`,
          groupColumn,
          showNames: input.rows.some((r) => r.groupName),
          pagination,
          rows: shown.map((r) => ({
            group: r.group ?? 'Total',
            name: r.groupName ?? null,
            href:
              isAreaGrouping && r.group !== null && r.group !== 'Unknown'
                ? `/booking/measure/${m.id}?${bookingQueryString({ from, to, grain: grain === 'month' ? undefined : grain, area: r.group })}`
                : null,
            count: formatCount(r.count),
            paired: m.paired === null ? null : formatCount(r.paired),
            ratio: m.paired === null ? null : formatRatio(m, r.ratio),
          })),
        };
  let trend: BookingMeasureView['trend'] = null;
  if (input.trend.length > 0) {
    const points: ChartPoint[] = input.trend.map((p, i) => ({
      label: formatPeriodShort(grain, naturalPeriod(grain, p).start, i === 0),
      value: p.count,
    }));
    const heading = `${m.title} by ${grain} (${m.counts})`;
    const last = input.trend[input.trend.length - 1]!;
    const desc =
      `${capitalise(m.counts)} by ${grain}, ${formatPeriod(grain, naturalPeriod(grain, input.trend[0]!).start)} to ` +
      `${formatPeriod(grain, naturalPeriod(grain, last).start)}. Latest: ${formatNumber(last.count)}.`;
    const options = { title: heading, desc, points, integer: true };
    trend = {
      heading,
      svg: renderLineChart({ ...options, id: 'booking-trend-chart', className: 'app-chart__svg--wide' }),
      svgNarrow: renderLineChart({
        ...options,
        id: 'booking-trend-chart-narrow',
        width: 360,
        height: 240,
        className: 'app-chart__svg--narrow',
      }),
      caption: `${m.title} by ${grain}, ${formatDate(input.trendFrom)} to ${formatDate(input.trendTo)}${area ? `, ${bookingAreaPhrase(area)}` : ''}`,
      rows: input.trend.map((p) => ({
        period: formatPeriod(grain, naturalPeriod(grain, p).start) + periodCut(grain, p),
        count: formatCount(p.count),
        paired: m.paired === null ? null : formatCount(p.paired),
        ratio: m.paired === null ? null : formatRatio(m, p.ratio),
      })),
      csvHref: `/booking/measure/${m.id}/series.csv?${bookingQueryString({ from: input.trendFrom, to: input.trendTo, grain, area: areaCode })}`,
    };
  }
  return {
    ...range,
    measure: m,
    sentence: bookingSentence(m, total, from, to),
    ...bookingAreaFields(area, input.areaOptions),
    allAreasHref: area
      ? `/booking/measure/${m.id}?${bookingQueryString({ from, to, grain: grain === 'month' ? undefined : grain })}`
      : null,
    groupBy,
    groupItems: groupingsOf(m, area).map((g) => ({
      value: g,
      text: BOOKING_GROUPING_LABELS[g],
      selected: g === groupBy,
    })),
    grain,
    grainItems: (['week', 'month'] as const).map((g) => ({
      value: g,
      text: g === 'week' ? 'Week (Monday to Sunday)' : 'Month',
      selected: g === grain,
    })),
    table,
    csvHref: `/booking/measure/${m.id}/csv?${bookingQueryString({ ...q, groupBy })}`,
    trend,
    summaryHref: `/booking?${bookingQueryString({ view: m.side, ...q })}`,
    demo: input.demo,
  };
}

/** The whole week or month a (possibly clipped) point belongs to. */
function naturalPeriod(grain: Grain, p: BookingTrendPoint): { start: string; end: string } {
  const start = domainPeriodStart(grain, p.periodStart);
  return { start, end: domainPeriodEnd(grain, start) };
}

/** " (1 to 14 December 2025 only)" when the period is cut by the range's ends or the data's, else "". */
function periodCut(grain: Grain, p: BookingTrendPoint): string {
  const n = naturalPeriod(grain, p);
  if (n.start === p.periodStart && n.end === p.periodEnd) return '';
  return ` (${formatDate(p.periodStart)} to ${formatDate(p.periodEnd)} only)`;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

// ---------------------------------------------------------------------------------------------------------
// Breach analysis

export interface BreachRow {
  readonly disposition: string;
  readonly timeFrame: string;
  readonly bookings: string;
  readonly withinSlots: string;
  readonly breachSlots: string;
  readonly breachShare: string;
  readonly allBreachedNotBooked: string;
  readonly sentence: string;
}

export interface BookingBreachView extends BookingRangeView, BookingAreaFields {
  readonly rows: readonly BreachRow[];
  readonly csvHref: string;
  readonly summaryHref: string;
  readonly demo: boolean;
}

export interface BookingBreachInput {
  readonly from: string;
  readonly to: string;
  readonly coverage: BookingCoverage;
  /** rep-cons-10 by disposition: bookings and slots offered that would not cause a breach. */
  readonly within: readonly BookingRow[];
  /** rep-cons-11 by disposition: bookings and slots offered that would cause a breach. */
  readonly breaching: readonly BookingRow[];
  /** rep-cons-12 by disposition: referred cases not booked because every slot offered would breach. */
  readonly allBreached: readonly BookingRow[];
  /** The area the rows are narrowed to (its patients' cases), or null for every case. */
  readonly area: BookingAreaOption | null;
  /** The areas the form offers. */
  readonly areaOptions: readonly BookingAreaOption[];
  readonly demo: boolean;
}

/** "2 hours", "1 hour", "30 minutes", "1 day" */
export function formatTimeFrame(minutes: number | undefined): string {
  if (minutes === undefined) return 'not known';
  if (minutes % 1440 === 0) return minutes === 1440 ? '24 hours' : `${minutes / 1440} days`;
  if (minutes % 60 === 0) return minutes === 60 ? '1 hour' : `${minutes / 60} hours`;
  return `${minutes} minutes`;
}

/** Disposition codes in their natural order (Dx05 before Dx11 before Dx117), Unknown last. */
export function compareDispositions(a: string, b: string): number {
  const num = (s: string) => (/^Dx\d+$/i.test(s) ? Number(s.slice(2)) : Number.POSITIVE_INFINITY);
  return num(a) - num(b) || a.localeCompare(b);
}

export function buildBookingBreachView(input: BookingBreachInput): BookingBreachView {
  const { from, to, coverage, area } = input;
  const areaCode = area?.code;
  const range = bookingRangeView(
    coverage,
    from,
    to,
    (f, t) => `/booking/breach?${bookingQueryString({ from: f, to: t, area: areaCode })}`,
  );
  const { hasData } = range;
  const codes = new Set<string>();
  const index = (rows: readonly BookingRow[]) => {
    const m = new Map<string, BookingRow>();
    for (const r of rows) {
      if (r.group === null) continue;
      m.set(r.group, r);
      codes.add(r.group);
    }
    return m;
  };
  const within = index(input.within);
  const breaching = index(input.breaching);
  const allBreached = index(input.allBreached);
  const rows: BreachRow[] = hasData
    ? [...codes].sort(compareDispositions).map((code) => {
        const w = within.get(code);
        const b = breaching.get(code);
        const bookings = w?.count ?? b?.count ?? 0;
        const ws = w?.paired ?? null;
        const bs = b?.paired ?? null;
        const offered = ws !== null && bs !== null ? ws + bs : null;
        const frame = DISPOSITION_MINUTES[code];
        const when = rangePhrase(from, to);
        const sentence =
          `${when} there ${bookings === 1 ? 'was' : 'were'} ${formatNumber(bookings)} “${code}” ` +
          `${bookings === 1 ? 'appointment' : 'appointments'} booked, and ${formatCount(ws)} appointment slots ` +
          `offered that would not cause a breach and ${formatCount(bs)} that would` +
          (frame === undefined ? '.' : ` (time frame ${formatTimeFrame(frame)}).`);
        return {
          disposition: code,
          timeFrame: formatTimeFrame(frame),
          bookings: formatNumber(bookings),
          withinSlots: formatCount(ws),
          breachSlots: formatCount(bs),
          breachShare:
            offered === null || offered === 0 || bs === null
              ? 'no data'
              : `${percent1.format((bs / offered) * 100)}%`,
          allBreachedNotBooked: formatNumber(allBreached.get(code)?.count ?? 0),
          sentence,
        };
      })
    : [];
  return {
    ...range,
    ...bookingAreaFields(area, input.areaOptions, 'offered'),
    rows,
    csvHref: `/booking/breach.csv?${bookingQueryString({ from, to, area: areaCode })}`,
    summaryHref: `/booking?${bookingQueryString({ from, to, area: areaCode })}`,
    demo: input.demo,
  };
}
