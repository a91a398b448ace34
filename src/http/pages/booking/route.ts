/**
 * The Urgent care booking pages (issue 13, item 4), signed-in staff only (the routes declare no access, so
 * they need a signed-in user: anonymous visitors are sent to sign in, API tokens get 401):
 *
 * - GET /booking?view=consumer|provider&from&to&area           every measure of the side as a sentence, for a range
 * - GET /booking/measure/:id?from&to&groupBy&grain&area&page  one measure: total, a table per grouping (100 rows a page), its trend
 * - GET /booking/measure/:id/csv?from&to&groupBy&area         that table as CSV (measure, group, group_name, count, paired, ratio)
 * - GET /booking/measure/:id/series.csv?from&to&grain&area    the trend as CSV
 * - GET /booking/breach?from&to&area                     bookings and breaching / non-breaching slots by disposition
 * - GET /booking/breach.csv?from&to&area                 the same as CSV
 *
 * Dates are optional Europe/London days (YYYY-MM-DD); without them the pages show the last complete calendar
 * month of the loaded booking events. `area` (an ODS code) narrows the summary, measure and breach pages to the cases of
 * patients registered at the practices of a region, ICB, sub-ICB location, PCN or practice. Every parameter is validated: a bad one answers the NHS-styled 400
 * page naming it (never 500), an unknown measure 404. GET forms only: everything works without JavaScript.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  BOOKING_MEASURES,
  bookingGroupingsWithin,
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
  BOOKING_PAGE_SIZE,
  rangeHasData,
  trendRange,
  type BookingAreaOption,
  type BookingCoverage,
  type BookingTrendPoint,
} from './view.ts';
import { pageCount } from '../../../web/views/pagination.ts';
import type { BookingArea } from '../../../domain/booking.ts';
import {
  bookingAnswer,
  bookingAreaOf,
  bookingAreaOptions,
  bookingRange,
  bookingSeries,
  bookingTotals,
} from '../../../query/booking.ts';
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
  BREACH_QUERY,
  type RangeQuery,
} from './state.ts';

/** What the pages read: src/query/booking.ts over the warehouse (or an in-memory stand-in in tests). */
export interface BookingReader {
  answer(q: BookingQuery): Promise<readonly BookingRow[]>;
  /** The totals of several measures at once, by measure id (empty when nothing is loaded for the range). */
  totals(q: {
    measures: readonly string[];
    from: string;
    to: string;
    area?: BookingArea;
  }): Promise<ReadonlyMap<string, BookingRow>>;
  /** One point per week (Monday start) or calendar month of the range, for the total (groupBy none). */
  series(q: {
    measure: string;
    from: string;
    to: string;
    grain: Grain;
    area?: BookingArea;
  }): Promise<readonly (BookingTrendPoint & { group?: string | null })[]>;
  range(): Promise<BookingCoverage>;
  /** The area with this ODS code a page can be narrowed to (today's structure), or null when there is none. */
  area(code: string): Promise<BookingAreaOption | null>;
  /** The areas the pages' forms offer: today's regions, ICBs and sub-ICB locations. */
  areaOptions(): Promise<readonly BookingAreaOption[]>;
}

/** The reader over the warehouse: src/query/booking.ts, and the area index for the areas. */
export function warehouseBookingReader(db: Warehouse): BookingReader {
  return {
    answer: (q) => bookingAnswer(db, q),
    totals: (q) => bookingTotals(db, q),
    series: (q) => bookingSeries(db, { ...q, grain: q.grain === 'week' ? 'week' : 'month' }),
    range: () => bookingRange(db),
    area: (code) => bookingAreaOf(db, code),
    areaOptions: () => bookingAreaOptions(db),
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

  /** The area asked for (null: every case), or a problem message when no area has the code. */
  async function resolveArea(
    code: string | undefined,
  ): Promise<{ problem: string } | { area: BookingAreaOption | null }> {
    if (!code) return { area: null };
    const area = await reader.area(code.toUpperCase());
    if (!area)
      return {
        problem: `No region, ICB, sub-ICB location, PCN or GP practice has the ODS code "${code}". Choose an area from the list, or leave it out for every case.`,
      };
    return { area };
  }

  app.get('/booking', { schema: { querystring: BOOKING_SUMMARY_QUERY } }, async (request, reply) => {
    const q = request.query as RangeQuery & { view?: BookingSide };
    const range = await resolveRange(q);
    if ('problem' in range) return badRequest(request, reply, range.problem);
    const narrowed = await resolveArea(q.area);
    if ('problem' in narrowed) return badRequest(request, reply, narrowed.problem);
    const { area } = narrowed;
    const side: BookingSide = q.view ?? 'consumer';
    // Every measure of the side from one reading of the daily figures.
    const totals = rangeHasData(range.coverage, range.from, range.to)
      ? await reader.totals({
          measures: measuresOf(side).map((m) => m.id),
          from: range.from,
          to: range.to,
          ...(area ? { area } : {}),
        })
      : new Map<string, BookingRow>();
    const view = buildBookingSummaryView({
      side,
      from: range.from,
      to: range.to,
      coverage: range.coverage,
      totals,
      area,
      areaOptions: await reader.areaOptions(),
      demo: await isDemo(),
    });
    return html(
      reply,
      renderer.page('booking/booking.njk', {
        pageTitle: `Urgent care booking: ${view.sideWord.toLowerCase()} view, ${view.rangeTitle}${area ? `, ${area.name}` : ''}`,
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
      const q = request.query as RangeQuery & { groupBy?: BookingGrouping; grain?: Grain; page?: string };
      const narrowed = await resolveArea(q.area);
      if ('problem' in narrowed) return badRequest(request, reply, narrowed.problem);
      const { area } = narrowed;
      const groupBy = groupingAsked(m, q.groupBy, area);
      if ('problem' in groupBy) return badRequest(request, reply, groupBy.problem);
      const range = await resolveRange(q);
      if ('problem' in range) return badRequest(request, reply, range.problem);
      const grain: Grain = q.grain ?? 'month';
      const hasData = rangeHasData(range.coverage, range.from, range.to);
      const within = area ? { area } : {};
      let total: BookingRow | null = null;
      let rows: readonly BookingRow[] = [];
      if (hasData) {
        const totals = await reader.answer({
          measure: m.id,
          from: range.from,
          to: range.to,
          groupBy: 'none',
          ...within,
        });
        total = totals.find((r) => r.group === null) ?? totals[0] ?? null;
        if (groupBy.groupBy !== 'none')
          rows = await reader.answer({
            measure: m.id,
            from: range.from,
            to: range.to,
            groupBy: groupBy.groupBy,
            ...within,
          });
      }
      const page = q.page === undefined ? 1 : Number(q.page);
      const pages = pageCount(rows.length, BOOKING_PAGE_SIZE);
      if (page > pages)
        return badRequest(
          request,
          reply,
          `page: must be from 1 to ${pages} (the table has ${rows.length} rows, ${BOOKING_PAGE_SIZE} a page)`,
        );
      const span = trendRange(range.coverage, range.to);
      const trend = span ? await readSeries(reader, m.id, span.from, span.to, grain, area) : [];
      const view = buildBookingMeasureView({
        page,
        measure: m,
        from: range.from,
        to: range.to,
        groupBy: groupBy.groupBy,
        grain,
        area,
        areaOptions: await reader.areaOptions(),
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
          pageTitle: `${m.title} (${m.id}), ${view.rangeTitle}${area ? `, ${area.name}` : ''}`,
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
      const narrowed = await resolveArea(q.area);
      if ('problem' in narrowed) return badRequest(request, reply, narrowed.problem);
      const { area } = narrowed;
      const asked = groupingAsked(m, q.groupBy, area);
      if ('problem' in asked) return badRequest(request, reply, asked.problem);
      const { groupBy } = asked;
      const range = await resolveRange(q);
      if ('problem' in range) return badRequest(request, reply, range.problem);
      const rows = rangeHasData(range.coverage, range.from, range.to)
        ? await reader.answer({
            measure: m.id,
            from: range.from,
            to: range.to,
            groupBy,
            ...(area ? { area } : {}),
          })
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
        csvFilename([
          'booking',
          m.id,
          area ? area.code : null,
          groupBy === 'none' ? null : groupBy,
          range.from,
          range.to,
        ]),
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
      const narrowed = await resolveArea(q.area);
      if ('problem' in narrowed) return badRequest(request, reply, narrowed.problem);
      const range = await resolveRange(q);
      if ('problem' in range) return badRequest(request, reply, range.problem);
      const grain: Grain = q.grain ?? 'month';
      const points = rangeHasData(range.coverage, range.from, range.to)
        ? await readSeries(reader, m.id, range.from, range.to, grain, narrowed.area)
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
      return csv(
        reply,
        csvFilename(['booking', m.id, narrowed.area?.code ?? null, grain, range.from, range.to]),
        body,
      );
    },
  );

  async function breachRows(from: string, to: string, coverage: BookingCoverage, area: BookingArea | null) {
    if (!rangeHasData(coverage, from, to)) return { within: [], breaching: [], allBreached: [] };
    const ask = (measure: string) =>
      reader.answer({ measure, from, to, groupBy: 'disposition', ...(area ? { area } : {}) });
    return {
      within: await ask('rep-cons-10'),
      breaching: await ask('rep-cons-11'),
      allBreached: await ask('rep-cons-12'),
    };
  }

  /** The breach analysis's range and area, or the problem with them. */
  async function breachQuestion(q: RangeQuery) {
    const range = await resolveRange(q);
    if ('problem' in range) return range;
    const narrowed = await resolveArea(q.area);
    if ('problem' in narrowed) return narrowed;
    return { ...range, area: narrowed.area };
  }

  app.get('/booking/breach', { schema: { querystring: BREACH_QUERY } }, async (request, reply) => {
    const asked = await breachQuestion(request.query as RangeQuery);
    if ('problem' in asked) return badRequest(request, reply, asked.problem);
    const { from, to, coverage, area } = asked;
    const view = buildBookingBreachView({
      from,
      to,
      coverage,
      ...(await breachRows(from, to, coverage, area)),
      area,
      areaOptions: await reader.areaOptions(),
      demo: await isDemo(),
    });
    return html(
      reply,
      renderer.page('booking/booking-breach.njk', {
        pageTitle: `Urgent care booking: breach analysis by disposition, ${view.rangeTitle}${area ? `, ${area.name}` : ''}`,
        view,
        bookingNav: true,
      }),
    );
  });

  app.get('/booking/breach.csv', { schema: { querystring: BREACH_QUERY } }, async (request, reply) => {
    const asked = await breachQuestion(request.query as RangeQuery);
    if ('problem' in asked) return badRequest(request, reply, asked.problem);
    const { from, to, coverage, area } = asked;
    const r = await breachRows(from, to, coverage, area);
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
    return csv(reply, csvFilename(['booking-breach', area?.code ?? null, from, to]), body);
  });
}

/**
 * The grouping a measure page or CSV shows: the one asked for, or the measure's default (the total when the
 * default cannot be narrowed to the area); a problem message when the measure cannot be grouped so.
 */
function groupingAsked(
  m: BookingMeasure,
  asked: BookingGrouping | undefined,
  area: BookingAreaOption | null,
): { problem: string } | { groupBy: BookingGrouping } {
  const allowed: BookingGrouping[] = area ? bookingGroupingsWithin(m, area) : ['none', ...m.groupings];
  if (asked === undefined) {
    const fallback = defaultGroupingOf(m);
    return { groupBy: allowed.includes(fallback) ? fallback : 'none' };
  }
  if (!allowed.includes(asked))
    return {
      problem: area
        ? `${m.id} narrowed to ${area.name} cannot be grouped by ${asked}: choose one of ${allowed.join(', ')}.`
        : `${m.id} cannot be grouped by ${asked}: choose one of ${allowed.join(', ')}.`,
    };
  return { groupBy: asked };
}

async function readSeries(
  reader: BookingReader,
  measure: string,
  from: string,
  to: string,
  grain: Grain,
  area: BookingAreaOption | null = null,
): Promise<BookingTrendPoint[]> {
  const points = await reader.series({ measure, from, to, grain, ...(area ? { area } : {}) });
  return points
    .filter((p) => p.group === undefined || p.group === null)
    .slice()
    .sort((a, b) => a.periodStart.localeCompare(b.periodStart));
}

/** Every measure id the pages know (for tests and the route walk). */
export const BOOKING_PAGE_MEASURES = BOOKING_MEASURES.map((m) => m.id);
