/**
 * The Urgent care booking pages (issue 13, item 4), signed-in staff only (the routes declare no access, so
 * they need a signed-in user: anonymous visitors are sent to sign in, API tokens get 401):
 *
 * - GET /booking?view=consumer|provider&from&to           every measure of the side as a sentence, for a range
 * - GET /booking/measure/:id?from&to&groupBy&grain       one measure: total, a table per grouping, its trend
 * - GET /booking/measure/:id/csv?from&to&groupBy         that table as CSV (measure, group, group_name, count, paired, ratio)
 * - GET /booking/measure/:id/series.csv?from&to&grain    the trend as CSV
 * - GET /booking/breach?from&to                          bookings and breaching / non-breaching slots by disposition
 * - GET /booking/breach.csv?from&to                      the same as CSV
 *
 * Dates are optional Europe/London days (YYYY-MM-DD); without them the pages show the last complete calendar
 * month of the loaded booking events. Every parameter is validated: a bad one answers the NHS-styled 400
 * page naming it (never 500), an unknown measure 404. GET forms only: everything works without JavaScript.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  BOOKING_MEASURES,
  bookingMeasure,
  defaultGroupingOf,
  type BookingGrouping,
  type BookingMeasure,
  type BookingQuery,
  type BookingRow,
  type BookingSide,
} from '../../../domain/booking.ts';
import type { Grain } from '../../../domain/metric-definition.ts';
import { addDays, addMonths, londonToday } from '../../../domain/periods.ts';
import {
  buildBookingBreachView,
  buildBookingMeasureView,
  buildBookingSummaryView,
  defaultBookingRange,
  measuresOf,
  rangeHasData,
  trendRange,
  type BookingCoverage,
  type BookingTrendPoint,
} from './view.ts';
import { bookingAnswer, bookingRange, bookingSeries } from '../../../query/booking.ts';
import type { Warehouse } from '../../../warehouse/db.ts';
import { csvFilename, toCsv } from '../../../domain/csv.ts';
import { sendError } from '../../errors.ts';
import { sendHtml } from '../../render.ts';
import { sendCsv } from '../shared/csv-download.ts';
import type { RouteContext } from '../../route-context.ts';
import {
  BOOKING_MEASURE_QUERY,
  BOOKING_SUMMARY_QUERY,
  bookingRangeProblem,
  MEASURE_PARAMS,
  RANGE_QUERY,
  type RangeQuery,
} from './state.ts';

/** What the pages read: src/query/booking.ts over the warehouse (or an in-memory stand-in in tests). */
export interface BookingReader {
  answer(q: BookingQuery): Promise<readonly BookingRow[]>;
  /** One point per week (Monday start) or calendar month of the range, for the total (groupBy none). */
  series(q: {
    measure: string;
    from: string;
    to: string;
    grain: Grain;
  }): Promise<readonly (BookingTrendPoint & { group?: string | null })[]>;
  range(): Promise<BookingCoverage>;
}

/** The reader over the warehouse: src/query/booking.ts. */
export function warehouseBookingReader(db: Warehouse): BookingReader {
  return {
    answer: (q) => bookingAnswer(db, q),
    series: (q) => bookingSeries(db, { ...q, grain: q.grain === 'week' ? 'week' : 'month' }),
    range: () => bookingRange(db),
  };
}

/** Columns of the CSV downloads of a measure's table (the API's columns, plus the group's name). */
export const BOOKING_CSV_COLUMNS = ['measure', 'group', 'group_name', 'count', 'paired', 'ratio'] as const;

/** Restricted pages: never kept by a shared cache. */
const html = (reply: FastifyReply, body: string) => sendHtml(reply, body, { cacheControl: 'no-store' });

const csv = (reply: FastifyReply, name: string, body: string) => sendCsv(reply, name, body, 'no-store');

export function registerBookingPages(app: FastifyInstance, ctx: RouteContext, reader: BookingReader): void {
  const { renderer } = ctx;

  const badRequest = (request: FastifyRequest, reply: FastifyReply, details: string) =>
    sendError(renderer, request, reply, 400, 'There is a problem with the address', details);

  const isDemo = async () => (await ctx.deps.queries.dataStatus()).demo !== null;

  /** The range asked for, or the default; a problem message when the dates are not valid. */
  async function resolveRange(
    q: RangeQuery,
  ): Promise<{ problem: string } | { from: string; to: string; coverage: BookingCoverage }> {
    const from = q.from || undefined;
    const to = q.to || undefined;
    const problem = bookingRangeProblem(from, to);
    if (problem) return { problem };
    const coverage = await reader.range();
    if (from && to) return { from, to, coverage };
    const fallback = defaultBookingRange(coverage);
    if (fallback) return { ...fallback, coverage };
    // Nothing loaded: the last calendar month before today, so the page can say "no data" for it.
    const monthStart = `${londonToday(ctx.deps.clock).slice(0, 7)}-01`;
    return { from: addMonths(monthStart, -1), to: addDays(monthStart, -1), coverage };
  }

  const measureOr404 = (id: string): BookingMeasure | undefined => bookingMeasure(id);

  app.get('/booking', { schema: { querystring: BOOKING_SUMMARY_QUERY } }, async (request, reply) => {
    const q = request.query as RangeQuery & { view?: BookingSide };
    const range = await resolveRange(q);
    if ('problem' in range) return badRequest(request, reply, range.problem);
    const side: BookingSide = q.view ?? 'consumer';
    const totals = new Map<string, BookingRow>();
    if (rangeHasData(range.coverage, range.from, range.to)) {
      for (const m of measuresOf(side)) {
        const rows = await reader.answer({ measure: m.id, from: range.from, to: range.to, groupBy: 'none' });
        const total = rows.find((r) => r.group === null) ?? rows[0];
        if (total) totals.set(m.id, total);
      }
    }
    const view = buildBookingSummaryView({
      side,
      from: range.from,
      to: range.to,
      coverage: range.coverage,
      totals,
      demo: await isDemo(),
    });
    return html(
      reply,
      renderer.page('booking/booking.njk', {
        pageTitle: `Urgent care booking: ${view.sideWord.toLowerCase()} view, ${view.rangeTitle}`,
        view,
        bookingNav: true,
      }),
    );
  });

  app.get(
    '/booking/measure/:id',
    { schema: { querystring: BOOKING_MEASURE_QUERY, params: MEASURE_PARAMS } },
    async (request, reply) => {
      const m = measureOr404((request.params as { id: string }).id);
      if (!m) return reply.callNotFound();
      const q = request.query as RangeQuery & { groupBy?: BookingGrouping; grain?: Grain };
      const groupBy = q.groupBy ?? defaultGroupingOf(m);
      if (groupBy !== 'none' && !m.groupings.includes(groupBy))
        return badRequest(
          request,
          reply,
          `${m.id} cannot be grouped by ${groupBy}: choose one of ${['none', ...m.groupings].join(', ')}.`,
        );
      const range = await resolveRange(q);
      if ('problem' in range) return badRequest(request, reply, range.problem);
      const grain: Grain = q.grain ?? 'month';
      const hasData = rangeHasData(range.coverage, range.from, range.to);
      let total: BookingRow | null = null;
      let rows: readonly BookingRow[] = [];
      if (hasData) {
        const totals = await reader.answer({
          measure: m.id,
          from: range.from,
          to: range.to,
          groupBy: 'none',
        });
        total = totals.find((r) => r.group === null) ?? totals[0] ?? null;
        if (groupBy !== 'none')
          rows = await reader.answer({ measure: m.id, from: range.from, to: range.to, groupBy });
      }
      const span = trendRange(range.coverage, range.to);
      const trend = span ? await readSeries(reader, m.id, span.from, span.to, grain) : [];
      const view = buildBookingMeasureView({
        measure: m,
        from: range.from,
        to: range.to,
        groupBy,
        grain,
        coverage: range.coverage,
        total,
        rows,
        trend,
        trendFrom: span?.from ?? range.from,
        trendTo: span?.to ?? range.to,
        demo: await isDemo(),
      });
      return html(
        reply,
        renderer.page('booking/booking-measure.njk', {
          pageTitle: `${m.title} (${m.id}), ${view.rangeTitle}`,
          view,
          bookingNav: true,
        }),
      );
    },
  );

  app.get(
    '/booking/measure/:id/csv',
    { schema: { querystring: BOOKING_MEASURE_QUERY, params: MEASURE_PARAMS } },
    async (request, reply) => {
      const m = measureOr404((request.params as { id: string }).id);
      if (!m) return reply.callNotFound();
      const q = request.query as RangeQuery & { groupBy?: BookingGrouping };
      const groupBy = q.groupBy ?? defaultGroupingOf(m);
      if (groupBy !== 'none' && !m.groupings.includes(groupBy))
        return badRequest(request, reply, `${m.id} cannot be grouped by ${groupBy}.`);
      const range = await resolveRange(q);
      if ('problem' in range) return badRequest(request, reply, range.problem);
      const rows = rangeHasData(range.coverage, range.from, range.to)
        ? await reader.answer({ measure: m.id, from: range.from, to: range.to, groupBy })
        : [];
      const body = toCsv(
        BOOKING_CSV_COLUMNS,
        rows.map((r) => ({
          measure: r.measure,
          group: r.group,
          group_name: r.groupName ?? null,
          count: r.count,
          paired: r.paired,
          ratio: r.ratio,
        })),
      );
      return csv(
        reply,
        csvFilename(['booking', m.id, groupBy === 'none' ? null : groupBy, range.from, range.to]),
        body,
      );
    },
  );

  app.get(
    '/booking/measure/:id/series.csv',
    { schema: { querystring: BOOKING_MEASURE_QUERY, params: MEASURE_PARAMS } },
    async (request, reply) => {
      const m = measureOr404((request.params as { id: string }).id);
      if (!m) return reply.callNotFound();
      const q = request.query as RangeQuery & { grain?: Grain; groupBy?: BookingGrouping };
      if (q.groupBy && q.groupBy !== 'none')
        return badRequest(request, reply, 'The series download is for the total: leave groupBy out.');
      const range = await resolveRange(q);
      if ('problem' in range) return badRequest(request, reply, range.problem);
      const grain: Grain = q.grain ?? 'month';
      const points = rangeHasData(range.coverage, range.from, range.to)
        ? await readSeries(reader, m.id, range.from, range.to, grain)
        : [];
      const body = toCsv(
        ['measure', 'period_start', 'period_end', 'count', 'paired', 'ratio'],
        points.map((p) => ({
          measure: m.id,
          period_start: p.periodStart,
          period_end: p.periodEnd,
          count: p.count,
          paired: p.paired,
          ratio: p.ratio,
        })),
      );
      return csv(reply, csvFilename(['booking', m.id, grain, range.from, range.to]), body);
    },
  );

  async function breachRows(from: string, to: string, coverage: BookingCoverage) {
    if (!rangeHasData(coverage, from, to)) return { within: [], breaching: [], allBreached: [] };
    const ask = (measure: string) => reader.answer({ measure, from, to, groupBy: 'disposition' });
    return {
      within: await ask('rep-cons-10'),
      breaching: await ask('rep-cons-11'),
      allBreached: await ask('rep-cons-12'),
    };
  }

  app.get('/booking/breach', { schema: { querystring: RANGE_QUERY } }, async (request, reply) => {
    const range = await resolveRange(request.query as RangeQuery);
    if ('problem' in range) return badRequest(request, reply, range.problem);
    const view = buildBookingBreachView({
      from: range.from,
      to: range.to,
      coverage: range.coverage,
      ...(await breachRows(range.from, range.to, range.coverage)),
      demo: await isDemo(),
    });
    return html(
      reply,
      renderer.page('booking/booking-breach.njk', {
        pageTitle: `Urgent care booking: breach analysis by disposition, ${view.rangeTitle}`,
        view,
        bookingNav: true,
      }),
    );
  });

  app.get('/booking/breach.csv', { schema: { querystring: RANGE_QUERY } }, async (request, reply) => {
    const range = await resolveRange(request.query as RangeQuery);
    if ('problem' in range) return badRequest(request, reply, range.problem);
    const r = await breachRows(range.from, range.to, range.coverage);
    const codes = [...new Set([...r.within, ...r.breaching, ...r.allBreached].map((x) => x.group))].filter(
      (g): g is string => g !== null,
    );
    const by = (rows: readonly BookingRow[], code: string) => rows.find((x) => x.group === code);
    const body = toCsv(
      ['disposition', 'bookings', 'slots_not_breaching', 'slots_breaching', 'not_booked_all_slots_breaching'],
      codes.sort().map((code) => ({
        disposition: code,
        bookings: by(r.within, code)?.count ?? by(r.breaching, code)?.count ?? 0,
        slots_not_breaching: by(r.within, code)?.paired ?? null,
        slots_breaching: by(r.breaching, code)?.paired ?? null,
        not_booked_all_slots_breaching: by(r.allBreached, code)?.count ?? 0,
      })),
    );
    return csv(reply, csvFilename(['booking-breach', range.from, range.to]), body);
  });
}

async function readSeries(
  reader: BookingReader,
  measure: string,
  from: string,
  to: string,
  grain: Grain,
): Promise<BookingTrendPoint[]> {
  const points = await reader.series({ measure, from, to, grain });
  return points
    .filter((p) => p.group === undefined || p.group === null)
    .slice()
    .sort((a, b) => a.periodStart.localeCompare(b.periodStart));
}

/** Every measure id the pages know (for tests and the route walk). */
export const BOOKING_PAGE_MEASURES = BOOKING_MEASURES.map((m) => m.id);
