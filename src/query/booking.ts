/**
 * Urgent-care booking MI (issue 13): the measures of the NHS Booking Standard's reporting page over any
 * Europe/London date range, as a total, by group, or as a weekly or monthly series. The SQL is
 * bookingSql.measure (src/warehouse/sql/booking.ts); the definitions are in README "Urgent-care booking MI" and how events
 * are attributed to groups in docs/adr/0020-booking-mi.md.
 *
 * No data is not zero: with no booking events loaded, or a range wholly outside the dates loaded, the answer is
 * empty; inside them a measure with no events is 0. A paired figure is null when the measure has none, and
 * rep-prov-03's (slots made available) is null where no slot availability was returned.
 */
import { areaLabel, UNKNOWN_CODE } from '../domain/areas.ts';
import {
  BOOKING_UNKNOWN_GROUP,
  bookingAreaGroupingOf,
  type BookingArea,
  bookingMeasure,
  bookingQueryProblem,
  type BookingGrouping,
  type BookingQuery,
  type BookingRange,
  type BookingRow,
  type BookingSeriesRow,
} from '../domain/booking.ts';
import { maxDate, minDate, nextPeriod, periodEnd, periodStart, type Grain } from '../domain/periods.ts';
import type { Warehouse } from '../warehouse/db.ts';
import * as bookingSql from '../warehouse/sql/booking.ts';
import { areaByCode, areasOfSelection, type ChainRow } from './area-index.ts';

/** A booking question that cannot be answered (unknown measure, grouping not offered, bad dates). */
export class BookingQueryError extends Error {
  override readonly name = 'BookingQueryError';
}

export interface BookingSeriesQuery {
  readonly measure: string;
  readonly from: string;
  readonly to: string;
  readonly grain: 'week' | 'month';
  readonly groupBy?: BookingGrouping;
  readonly area?: BookingArea;
}

interface MeasureRow {
  measure: string;
  period_start: string | null;
  grp: string | null;
  group_name: string | null;
  count: number;
  paired: number;
  slots: number | null;
}

/** An area booking questions can be narrowed to, with the name the pages and the API give it. */
export type NamedBookingArea = BookingArea & { readonly name: string };

/**
 * The region, ICB, sub-ICB location, PCN or practice with this ODS code (any case) on today's structure, or
 * null when there is none (England and Unknown are not areas to narrow to).
 */
export async function bookingAreaOf(db: Warehouse, code: string): Promise<NamedBookingArea | null> {
  const row = await areaByCode(db, code.toUpperCase());
  return row ? namedBookingArea(row) : null;
}

/** An area of the area index as booking questions name it; null for England and Unknown. */
export function namedBookingArea(row: ChainRow): NamedBookingArea | null {
  const level = bookingAreaGroupingOf(row.level);
  // Unknown is a region, ICB and so on in the area tables, but holds no practice to narrow cases to.
  if (!level || row.code === UNKNOWN_CODE) return null;
  return { level, code: row.code, name: areaLabel({ name: row.name, placeName: row.place_name }) };
}

/** The areas the booking pages' forms offer: today's regions, ICBs and sub-ICB locations, in table order. */
export async function bookingAreaOptions(db: Warehouse): Promise<NamedBookingArea[]> {
  const out: NamedBookingArea[] = [];
  for (const level of ['region', 'icb', 'sub_icb'] as const)
    for (const row of await areasOfSelection(db, { level, within: null })) {
      const area = namedBookingArea(row);
      if (area) out.push(area);
    }
  return out;
}

/** The first and last London dates of the booking events loaded (both null when none are). */
export async function bookingRange(db: Warehouse): Promise<BookingRange> {
  const r = (await db.one<{ first: string | null; last: string | null }>(bookingSql.range))!;
  return { first: r.first, last: r.last };
}

function check(q: {
  measure: string;
  from: string;
  to: string;
  groupBy?: BookingGrouping;
  area?: BookingArea;
}): void {
  const problem = bookingQueryProblem(q);
  if (problem) throw new BookingQueryError(problem);
}

/** The dates of [from, to] that have booking events loaded around them, or null when none do. */
async function coveredSpan(
  db: Warehouse,
  from: string,
  to: string,
): Promise<{ from: string; to: string } | null> {
  const range = await bookingRange(db);
  if (range.first === null || range.last === null) return null;
  if (to < range.first || from > range.last) return null;
  return { from: maxDate(from, range.first), to: minDate(to, range.last) };
}

async function measureRows(
  db: Warehouse,
  measures: readonly string[],
  groupBy: BookingGrouping,
  from: string,
  to: string,
  grain: 'none' | Grain,
  area: BookingArea | undefined,
): Promise<MeasureRow[]> {
  // The area's level as area_ancestry names it ('sub-icb' → 'sub_icb'); '' for every case.
  const level = area ? (area.level === 'sub-icb' ? 'sub_icb' : area.level) : '';
  return db.all<MeasureRow>(bookingSql.measure, [
    measures.join(','),
    groupBy,
    from,
    to,
    grain,
    level,
    area?.code ?? '',
  ]);
}

function figures(
  measureId: string,
  count: number,
  pairedEvents: number,
  slots: number | null,
): Pick<BookingRow, 'count' | 'paired' | 'ratio'> {
  const m = bookingMeasure(measureId)!;
  const paired = m.paired === null ? null : measureId === 'rep-prov-03' ? slots : pairedEvents;
  return { count, paired, ratio: paired ? count / paired : null };
}

/** Groups largest first, ties by name, Unknown last. */
function byCount(a: BookingRow, b: BookingRow): number {
  const au = a.group === BOOKING_UNKNOWN_GROUP;
  const bu = b.group === BOOKING_UNKNOWN_GROUP;
  if (au !== bu) return au ? 1 : -1;
  return b.count - a.count || (a.group ?? '').localeCompare(b.group ?? '');
}

/**
 * One measure over [from, to] (inclusive London dates): one row for the total (group null), or one per group
 * with any counted or paired event (or slot figure) in the range. With an area, only the cases of patients
 * registered at its practices: an area with nothing in a range covered by the data is 0, and slot
 * availability (a provider's) is no data (paired null for rep-prov-03).
 */
export async function bookingAnswer(db: Warehouse, q: BookingQuery): Promise<BookingRow[]> {
  const groupBy = q.groupBy ?? 'none';
  check({ ...q, groupBy });
  const span = await coveredSpan(db, q.from, q.to);
  if (!span) return [];
  // Slot availability is read over the same span as the events, so that a series adds up to the answer.
  const rows = await measureRows(db, [q.measure], groupBy, span.from, span.to, 'none', q.area);
  if (groupBy === 'none') {
    const r = rows[0];
    return [
      {
        measure: q.measure,
        group: null,
        ...figures(q.measure, r?.count ?? 0, r?.paired ?? 0, r?.slots ?? null),
      },
    ];
  }
  return rows
    .map((r) => ({
      measure: q.measure,
      group: r.grp,
      groupName: r.group_name,
      ...figures(q.measure, r.count, r.paired, r.slots),
    }))
    .sort(byCount);
}

/**
 * The totals of several measures over [from, to] in one reading of the daily figures (a summary page's twelve):
 * the row bookingAnswer gives each with groupBy none, by measure id. Empty when no booking events are loaded
 * for any date of the range (no data is not zero).
 */
export async function bookingTotals(
  db: Warehouse,
  q: { measures: readonly string[]; from: string; to: string; area?: BookingArea },
): Promise<Map<string, BookingRow>> {
  for (const measure of q.measures) check({ measure, from: q.from, to: q.to, groupBy: 'none', area: q.area });
  const out = new Map<string, BookingRow>();
  const span = await coveredSpan(db, q.from, q.to);
  if (!span || q.measures.length === 0) return out;
  const rows = await measureRows(db, q.measures, 'none', span.from, span.to, 'none', q.area);
  for (const measure of q.measures) {
    const r = rows.find((x) => x.measure === measure);
    out.set(measure, {
      measure,
      group: null,
      ...figures(measure, r?.count ?? 0, r?.paired ?? 0, r?.slots ?? null),
    });
  }
  return out;
}

/**
 * A weekly (Monday to Sunday) or monthly series of one measure over [from, to], limited to the dates booking
 * events are loaded for: a point per period (its dates clipped to that span) and group, 0 where a group has
 * nothing in a period. Groups are those with anything in the span.
 */
export async function bookingSeries(db: Warehouse, q: BookingSeriesQuery): Promise<BookingSeriesRow[]> {
  const groupBy = q.groupBy ?? 'none';
  check({ ...q, groupBy });
  if (q.grain !== 'week' && q.grain !== 'month')
    throw new BookingQueryError(`grain must be week or month, got "${String(q.grain)}"`);
  const span = await coveredSpan(db, q.from, q.to);
  if (!span) return [];
  const rows = await measureRows(db, [q.measure], groupBy, span.from, span.to, q.grain, q.area);
  const periods: string[] = [];
  for (let p = periodStart(q.grain, span.from); p <= span.to; p = nextPeriod(q.grain, p)) periods.push(p);
  const groups = new Map<string | null, string | null>();
  if (groupBy === 'none') groups.set(null, null);
  for (const r of rows) if (!groups.has(r.grp)) groups.set(r.grp, r.group_name);
  const cell = new Map(rows.map((r) => [`${r.period_start}|${r.grp ?? ''}`, r]));
  const out: BookingSeriesRow[] = [];
  for (const [group, groupName] of groups) {
    for (const p of periods) {
      const r = cell.get(`${p}|${group ?? ''}`);
      out.push({
        measure: q.measure,
        group,
        ...(groupBy === 'none' ? {} : { groupName }),
        periodStart: maxDate(p, span.from),
        periodEnd: minDate(periodEnd(q.grain, p), span.to),
        ...figures(q.measure, r?.count ?? 0, r?.paired ?? 0, r?.slots ?? null),
      });
    }
  }
  return out;
}
