/**
 * The booking pages' URL state (/booking, /booking/measure/:id and their CSVs, /booking/breach): their
 * query-string and path schemas, the check of a from/to range the schemas cannot make, and the query string
 * their links write (empty settings left out).
 */
import { BOOKING_GROUPINGS } from '../../../domain/booking.ts';
import { isIsoDate } from '../../../domain/periods.ts';

export const DATE = {
  type: 'string',
  maxLength: 10,
  pattern: '^([0-9]{4}-[0-9]{2}-[0-9]{2})?$',
  description: 'must be a date like 2025-12-01',
};

/** The area a page is narrowed to: the ODS code of a region, ICB, sub-ICB location, PCN or practice. */
export const AREA = {
  type: 'string',
  maxLength: 12,
  pattern: '^[A-Za-z0-9]*$',
  description: 'must be the ODS code of a region, ICB, sub-ICB location, PCN or GP practice',
};

export const BOOKING_SUMMARY_QUERY = {
  type: 'object',
  additionalProperties: false,
  properties: { view: { type: 'string', enum: ['consumer', 'provider'] }, from: DATE, to: DATE, area: AREA },
} as const;

export const BOOKING_MEASURE_QUERY = {
  type: 'object',
  additionalProperties: false,
  properties: {
    from: DATE,
    to: DATE,
    groupBy: { type: 'string', enum: [...BOOKING_GROUPINGS] },
    grain: { type: 'string', enum: ['week', 'month'] },
    area: AREA,
    page: { type: 'string', pattern: '^[1-9][0-9]{0,4}$', description: 'must be a page number, 1 or more' },
  },
} as const;

/** The breach analysis: a range, narrowed to an area's patients or not. */
export const BREACH_QUERY = {
  type: 'object',
  additionalProperties: false,
  properties: { from: DATE, to: DATE, area: AREA },
} as const;

export const MEASURE_PARAMS = {
  type: 'object',
  required: ['id'],
  properties: {
    id: { type: 'string', maxLength: 20, pattern: '^[a-z0-9-]+$', description: 'must be a measure id' },
  },
} as const;

export interface RangeQuery {
  from?: string;
  to?: string;
  area?: string;
}

/** Checks a page's from/to (both optional, YYYY-MM-DD); returns the problem or null. */
export function bookingRangeProblem(from: string | undefined, to: string | undefined): string | null {
  if (from && !isIsoDate(from)) return `The from date must be a real date like 2025-12-01, not "${from}".`;
  if (to && !isIsoDate(to)) return `The to date must be a real date like 2025-12-31, not "${to}".`;
  if ((from && !to) || (to && !from)) return 'Give both a from date and a to date, or neither.';
  if (from && to && from > to) return `The from date (${from}) is after the to date (${to}).`;
  if (from && from < '2000-01-01') return 'The from date must be in 2000 or later.';
  return null;
}

/** A query string of the settings given (empty ones left out). */
export function bookingQueryString(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, v);
  return q.toString();
}
