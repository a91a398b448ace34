/**
 * Urgent-care booking MI in the API (issue 13):
 * GET /api/v1/booking?measure=ID&from=YYYY-MM-DD&to=YYYY-MM-DD[&groupBy=G][&area=ODS][&format=csv] — rows of
 * measure, group, count, paired, ratio (the same as `nhs-app-analytics query booking`). Booking MI is not
 * open data: signed-in staff only (a session or an API token). Definitions: README "Urgent-care booking MI".
 */
import {
  BOOKING_AREA_GROUPINGS,
  BOOKING_GROUPINGS,
  BOOKING_MEASURES,
  bookingMeasure,
  bookingQueryProblem,
  type BookingGrouping,
  type BookingRow,
} from '../../domain/booking.ts';
import { bookingAnswer, bookingAreaOf, type NamedBookingArea } from '../../query/booking.ts';
import { answer, badRequest, notFound, type ApiRoute } from './common.ts';
import {
  DATE_SCHEMA,
  FORMAT_SCHEMA,
  num,
  numOrNull,
  object,
  query,
  str,
  strOrNull,
  type JsonSchema,
} from './schemas.ts';

/** The CSV columns, in order (the CLI prints the same). */
export const BOOKING_COLUMNS = ['measure', 'group', 'count', 'paired', 'ratio'] as const;

export const BOOKING_QUERY: JsonSchema = query(
  {
    measure: {
      type: 'string',
      enum: BOOKING_MEASURES.map((m) => m.id),
      description: `must be a measure of the specification: ${BOOKING_MEASURES.map((m) => m.id).join(', ')}`,
    },
    from: { ...DATE_SCHEMA, description: 'first Europe/London date, like 2025-12-01 (inclusive)' },
    to: { ...DATE_SCHEMA, description: 'last Europe/London date, like 2025-12-31 (inclusive)' },
    groupBy: {
      type: 'string',
      enum: [...BOOKING_GROUPINGS],
      description:
        'none (default: the total), service, provider, consumer, practice, pcn, sub-icb, icb, region, ' +
        'disposition, or error (rep-cons-06 only); rep-prov-03 takes service or provider only. With area: ' +
        'none, an area level below it, or disposition',
    },
    area: {
      type: 'string',
      maxLength: 12,
      pattern: '^[A-Za-z0-9]+$',
      description:
        'ODS code of a region, ICB, sub-ICB location, PCN or GP practice: only the cases of patients ' +
        'registered at its practices (today’s structure); slot availability is then null',
    },
    format: FORMAT_SCHEMA,
  },
  ['measure', 'from', 'to'],
);

const ROW_SCHEMA = object({
  measure: str,
  group: strOrNull,
  groupName: strOrNull,
  count: num,
  paired: numOrNull,
  ratio: numOrNull,
});

export const BOOKING_RESPONSE = object(
  {
    measure: str,
    title: str,
    counts: str,
    paired: strOrNull,
    ratioLabel: strOrNull,
    from: str,
    to: str,
    groupBy: { type: 'string', enum: [...BOOKING_GROUPINGS] },
    // Present when the answer is narrowed to the patients registered in an area.
    area: object({ level: { type: 'string', enum: [...BOOKING_AREA_GROUPINGS] }, code: str, name: str }),
    data: { type: 'array', items: ROW_SCHEMA },
  },
  ['area'],
);

/** One measure's answer as JSON: the API's, and what `query booking --format json` prints. */
export function bookingJson(
  q: { measure: string; from: string; to: string; groupBy: BookingGrouping; area?: NamedBookingArea },
  rows: readonly BookingRow[],
) {
  const m = bookingMeasure(q.measure)!;
  const { area } = q;
  return {
    ...(area ? { area: { level: area.level, code: area.code, name: area.name } } : {}),
    measure: m.id,
    title: m.title,
    counts: m.counts,
    paired: m.paired,
    ratioLabel: m.ratioLabel,
    from: q.from,
    to: q.to,
    groupBy: q.groupBy,
    data: rows.map((r) => ({ ...r, groupName: r.groupName ?? null })),
  };
}

export const bookingRoute: ApiRoute = {
  url: '/api/v1/booking',
  operationId: 'getBooking',
  summary: 'Urgent-care booking MI: one measure of the NHS Booking Standard reporting specification',
  description:
    'One measure over an inclusive range of Europe/London dates, as a total or by group: count, the figure ' +
    'the requirement pairs with it (null when none) and count ÷ paired (null when paired is 0 or null). ' +
    'Each measure counts its defining events dated in the range; conditions on a case look at all its ' +
    'events. No rows when no booking events are loaded for any date of the range (no data is not 0). ' +
    'Signed-in staff only.',
  tag: 'Figures',
  access: 'signed-in',
  csv: true,
  cache: false,
  querystring: BOOKING_QUERY,
  response: BOOKING_RESPONSE,
  example: {
    measure: 'rep-cons-01',
    title: 'Bookings against successful referrals',
    counts: 'appointments booked',
    paired: 'successful referrals',
    ratioLabel: 'booking utilisation',
    from: '2025-12-01',
    to: '2025-12-31',
    groupBy: 'none',
    data: [{ measure: 'rep-cons-01', group: null, groupName: null, count: 2000, paired: 2500, ratio: 0.8 }],
  },
  handler: (ctx) => async (request, reply) => {
    const q = request.query as {
      measure: string;
      from: string;
      to: string;
      groupBy?: BookingGrouping;
      area?: string;
    };
    const groupBy = q.groupBy ?? 'none';
    const area = q.area ? await bookingAreaOf(ctx.deps.db, q.area) : undefined;
    if (area === null)
      throw notFound(
        `querystring/area: there is no region, ICB, sub-ICB location, PCN or practice with the code ${q.area}`,
      );
    const question = { measure: q.measure, from: q.from, to: q.to, groupBy, ...(area ? { area } : {}) };
    const problem = bookingQueryProblem(question);
    if (problem) throw badRequest(`querystring/${problem}`);
    const json = bookingJson(question, await bookingAnswer(ctx.deps.db, question));
    return answer(request, reply, {
      open: false,
      json,
      csv: {
        columns: BOOKING_COLUMNS,
        rows: json.data,
        filename: [
          'booking',
          json.measure,
          area?.code ?? null,
          q.from,
          q.to,
          groupBy === 'none' ? null : groupBy,
        ],
      },
    });
  },
};
