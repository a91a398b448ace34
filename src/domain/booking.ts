// Urgent-care appointment booking MI (the NHS Booking Standard's "Monitoring, Analytics and Reporting"
// page, ../shared/seeds/004_*.txt). Pure: the canonical input columns, the event types, the measures and
// the groupings, and the shape of an answer row. Ingest, the measures' SQL, pages, API and CLI all take
// their names from here so that the contract (issue 13) is written once.

import { isIsoDate } from './periods.ts';

/** Columns of a booking-journey events file, in order (CSV header, JSON Lines keys, Parquet columns). */
export const BOOKING_EVENT_COLUMNS = [
  'event_id',
  'event_time',
  'event_type',
  'case_id',
  'consumer_ods',
  'registered_practice',
  'disposition_code',
  'disposition_minutes',
  'service_id',
  'provider_ods',
  'service_rank',
  'top_service_bookable',
  'slot_id',
  'slot_start',
  'appointment_id',
  'previous_appointment_id',
  'referral_outcome',
  'http_status',
  'error_message',
  'cancel_stage',
] as const;
export type BookingEventColumn = (typeof BOOKING_EVENT_COLUMNS)[number];

/** Columns of a slot availability file (`ingest booking-slots`). */
export const BOOKING_SLOT_COLUMNS = ['date', 'service_id', 'provider_ods', 'slots_available'] as const;

export const BOOKING_EVENT_TYPES = [
  'triage_completed',
  'services_presented',
  'service_selected',
  'slot_offered',
  'booking_succeeded',
  'booking_failed',
  'referral_sent',
  'appointment_cancelled',
  'appointment_rebooked',
] as const;
export type BookingEventType = (typeof BOOKING_EVENT_TYPES)[number];

export const CANCEL_STAGES = ['in_call', 'call_back', 'after_call'] as const;
export type CancelStage = (typeof CANCEL_STAGES)[number];

export const REFERRAL_OUTCOMES = ['success', 'failure'] as const;

/** Groupings a measure can be broken down by. `none` is the total (group blank in answers). */
export const BOOKING_GROUPINGS = [
  'none',
  'service',
  'provider',
  'consumer',
  'practice',
  'pcn',
  'sub-icb',
  'icb',
  'region',
  'disposition',
  'error',
  // Service and error message together: which services fail bookings, and with which errors (rep-cons-06).
  'service-error',
] as const;
export type BookingGrouping = (typeof BOOKING_GROUPINGS)[number];

export type BookingSide = 'consumer' | 'provider';

export interface BookingMeasure {
  readonly id: string;
  readonly side: BookingSide;
  /** Short title for tables and pickers. */
  readonly title: string;
  /** What is counted, in plain English (dictionary and page text). */
  readonly counts: string;
  /** What the paired figure is, or null when the requirement sets none beside the count. */
  readonly paired: string | null;
  /** What the ratio means, e.g. "booking utilisation"; null when there is no paired figure. */
  readonly ratioLabel: string | null;
  /** The groupings this measure accepts besides `none` (error and service-error only for rep-cons-06). */
  readonly groupings: readonly BookingGrouping[];
  /**
   * The table its page and CSV show when none is asked for: `none` (the total), except for a measure whose
   * requirement is a breakdown ("failed bookings by error" is by error).
   */
  readonly defaultGrouping?: BookingGrouping;
}

/** The grouping a measure's page and CSV show when the request names none. */
export function defaultGroupingOf(m: BookingMeasure): BookingGrouping {
  return m.defaultGrouping ?? 'none';
}

/** Every grouping but the total and those by error (which only rep-cons-06 has). */
const COMMON_GROUPINGS: readonly BookingGrouping[] = BOOKING_GROUPINGS.filter(
  (g) => g !== 'none' && g !== 'error' && g !== 'service-error',
);

export const BOOKING_MEASURES: readonly BookingMeasure[] = [
  {
    id: 'rep-cons-01',
    side: 'consumer',
    title: 'Bookings against successful referrals',
    counts: 'appointments booked',
    paired: 'successful referrals',
    ratioLabel: 'booking utilisation',
    groupings: COMMON_GROUPINGS,
  },
  {
    id: 'rep-cons-02',
    side: 'consumer',
    title: 'Referred, not booked, no slots offered',
    counts: 'cases with a successful referral, no booking and no slot offered',
    paired: null,
    ratioLabel: null,
    groupings: COMMON_GROUPINGS,
  },
  {
    id: 'rep-cons-03',
    side: 'consumer',
    title: 'Referred, not booked, slots offered',
    counts: 'cases with a successful referral, no booking, and slots offered',
    paired: null,
    ratioLabel: null,
    groupings: COMMON_GROUPINGS,
  },
  {
    id: 'rep-cons-04',
    side: 'consumer',
    title: 'Failed: slot no longer available',
    counts: 'failed bookings because the slot was no longer available (HTTP 409)',
    paired: null,
    ratioLabel: null,
    groupings: COMMON_GROUPINGS,
  },
  {
    id: 'rep-cons-05',
    side: 'consumer',
    title: 'Top bookable service passed over',
    counts: 'services selected below the top entry when the top entry was bookable',
    paired: null,
    ratioLabel: null,
    groupings: COMMON_GROUPINGS,
  },
  {
    id: 'rep-cons-06',
    side: 'consumer',
    title: 'Failed bookings by error',
    counts: 'failed bookings',
    paired: null,
    ratioLabel: null,
    groupings: [...COMMON_GROUPINGS, 'error', 'service-error'],
    defaultGrouping: 'error',
  },
  {
    id: 'rep-cons-07',
    side: 'consumer',
    title: 'Cancelled in the call',
    counts: 'appointments cancelled while the patient was in the call',
    paired: null,
    ratioLabel: null,
    groupings: COMMON_GROUPINGS,
  },
  {
    id: 'rep-cons-08',
    side: 'consumer',
    title: 'Rebooked',
    counts: 'appointments rebooked',
    paired: null,
    ratioLabel: null,
    groupings: COMMON_GROUPINGS,
  },
  {
    id: 'rep-cons-09',
    side: 'consumer',
    title: 'Cancelled on call-back',
    counts: 'appointments cancelled when the patient called back',
    paired: null,
    ratioLabel: null,
    groupings: COMMON_GROUPINGS,
  },
  {
    id: 'rep-cons-10',
    side: 'consumer',
    title: 'Bookings against slots within the time frame',
    counts: 'appointments booked',
    paired: 'slots offered that would not cause a breach',
    ratioLabel: 'bookings per non-breaching slot offered',
    groupings: COMMON_GROUPINGS,
  },
  {
    id: 'rep-cons-11',
    side: 'consumer',
    title: 'Bookings against breaching slots',
    counts: 'appointments booked',
    paired: 'slots offered that would cause a breach',
    ratioLabel: 'bookings per breaching slot offered',
    groupings: COMMON_GROUPINGS,
  },
  {
    id: 'rep-cons-12',
    side: 'consumer',
    title: 'Not booked: every slot would breach',
    counts: 'cases with a successful referral, no booking, and every slot offered outside the time frame',
    paired: null,
    ratioLabel: null,
    groupings: COMMON_GROUPINGS,
  },
  {
    id: 'rep-prov-01',
    side: 'provider',
    title: 'Appointments booked',
    counts: 'appointments booked',
    paired: null,
    ratioLabel: null,
    groupings: COMMON_GROUPINGS,
  },
  {
    id: 'rep-prov-02',
    side: 'provider',
    title: 'Booking utilisation',
    counts: 'appointments booked',
    paired: 'successful referrals received',
    ratioLabel: 'booking utilisation',
    groupings: COMMON_GROUPINGS,
  },
  {
    id: 'rep-prov-03',
    side: 'provider',
    title: 'Bookings against slots made available',
    counts: 'appointments booked',
    paired: 'slots made available',
    ratioLabel: 'slot utilisation',
    groupings: ['service', 'provider'],
  },
  {
    id: 'rep-prov-04',
    side: 'provider',
    title: 'Referred cases not booked',
    counts: 'referred cases not booked',
    paired: 'successful referrals',
    ratioLabel: 'non-booking',
    groupings: COMMON_GROUPINGS,
  },
  {
    id: 'rep-prov-05',
    side: 'provider',
    title: 'Appointments cancelled',
    counts: 'appointments cancelled (any stage)',
    paired: null,
    ratioLabel: null,
    groupings: COMMON_GROUPINGS,
  },
];

export type BookingMeasureId = string;

export function bookingMeasure(id: string): BookingMeasure | undefined {
  return BOOKING_MEASURES.find((m) => m.id === id);
}

/** One answer row: `measure, group, count, paired, ratio` (group null for the total; paired and ratio null when none). */
export interface BookingRow {
  readonly measure: string;
  readonly group: string | null;
  /** Display name of the group where one is known (service, provider, practice and area names). */
  readonly groupName?: string | null;
  readonly count: number;
  readonly paired: number | null;
  readonly ratio: number | null;
}

/**
 * The groupings through the case's registered practice, largest area first: the levels a question can also be
 * narrowed to ("patients registered in this ICB"), as area levels are named in the URLs of the booking pages.
 */
export const BOOKING_AREA_GROUPINGS = ['region', 'icb', 'sub-icb', 'pcn', 'practice'] as const;
export type BookingAreaGrouping = (typeof BOOKING_AREA_GROUPINGS)[number];

/** The cases of patients registered at the practices of one area (today's structure). */
export interface BookingArea {
  readonly level: BookingAreaGrouping;
  /** The area's ODS code (upper case). */
  readonly code: string;
}

/** The booking grouping of an area level (`sub_icb` → `sub-icb`); null for England and Unknown. */
export function bookingAreaGroupingOf(level: string): BookingAreaGrouping | null {
  const g = level === 'sub_icb' ? 'sub-icb' : level;
  return (BOOKING_AREA_GROUPINGS as readonly string[]).includes(g) ? (g as BookingAreaGrouping) : null;
}

/**
 * The groupings a question narrowed to an area can take: the total, the areas below it through the registered
 * practice, and the disposition (booking_daily keeps each practice's dispositions, for the breach analysis of an
 * area's patients). It keeps no other grouping by practice, so an area cannot be crossed with a service,
 * provider, consumer or error.
 */
export function bookingGroupingsWithin(measure: BookingMeasure, area: BookingArea): BookingGrouping[] {
  const below = BOOKING_AREA_GROUPINGS.slice(BOOKING_AREA_GROUPINGS.indexOf(area.level) + 1);
  return [
    'none',
    ...below.filter((g) => measure.groupings.includes(g)),
    ...(measure.groupings.includes('disposition') ? (['disposition'] as const) : []),
  ];
}

/** A booking MI question: one measure over an inclusive Europe/London date range, optionally grouped. */
export interface BookingQuery {
  readonly measure: string;
  /** YYYY-MM-DD, inclusive, Europe/London dates. */
  readonly from: string;
  readonly to: string;
  readonly groupBy: BookingGrouping;
  /** Only the cases of patients registered in this area; absent: every case. */
  readonly area?: BookingArea;
}

/** A series point: the same row for one week (Monday start) or calendar month. */
export interface BookingSeriesPoint {
  readonly periodStart: string;
  readonly periodEnd: string;
  readonly count: number;
  readonly paired: number | null;
  readonly ratio: number | null;
}

/** NHS Pathways disposition time frames (minutes) used by the demo and in page text. */
export const DISPOSITION_MINUTES: Readonly<Record<string, number>> = {
  Dx05: 120,
  Dx06: 360,
  Dx07: 720,
  Dx08: 1440,
  Dx11: 60,
  Dx12: 120,
  Dx13: 360,
  Dx14: 720,
  Dx15: 1440,
  Dx117: 60,
};

/** Columns a booking events file must have (the others may be absent and are then empty). */
export const BOOKING_REQUIRED_COLUMNS = ['event_id', 'event_time', 'event_type', 'case_id'] as const;

/** Slot availability may be returned for days ahead: up to this many days after tomorrow in London. */
export const BOOKING_SLOT_DAYS_AHEAD = 400;

/** A series row: a point of one measure for one group (null for the total). */
export interface BookingSeriesRow extends BookingSeriesPoint {
  readonly measure: string;
  readonly group: string | null;
  readonly groupName?: string | null;
}

/** The first and last Europe/London dates of the booking events loaded (null when none are). */
export interface BookingRange {
  readonly first: string | null;
  readonly last: string | null;
}

/** The group name used for events whose group is not known (no value, or a practice not in the reference). */
export const BOOKING_UNKNOWN_GROUP = 'Unknown';

export function isBookingGrouping(value: unknown): value is BookingGrouping {
  return typeof value === 'string' && (BOOKING_GROUPINGS as readonly string[]).includes(value);
}

/** Why a question cannot be answered (unknown measure, grouping not offered, bad dates), or null when it can. */
export function bookingQueryProblem(q: {
  measure: unknown;
  from: unknown;
  to: unknown;
  groupBy?: unknown;
  area?: BookingArea;
}): string | null {
  const m = typeof q.measure === 'string' ? bookingMeasure(q.measure) : undefined;
  if (!m)
    return `measure must be one of ${BOOKING_MEASURES.map((x) => x.id).join(', ')}, got "${String(q.measure ?? '')}"`;
  const valid = (s: unknown) => isIsoDate(s) && s >= '2000-01-01';
  if (!valid(q.from)) return `from must be a date like 2025-12-01, got "${String(q.from ?? '')}"`;
  if (!valid(q.to)) return `to must be a date like 2025-12-31, got "${String(q.to ?? '')}"`;
  if ((q.from as string) > (q.to as string)) return `from (${String(q.from)}) is after to (${String(q.to)})`;
  const g = q.groupBy ?? 'none';
  if (g !== 'none' && !(isBookingGrouping(g) && m.groupings.includes(g)))
    return `groupBy for ${m.id} must be one of none, ${m.groupings.join(', ')}, got "${String(g)}"`;
  if (q.area) {
    if (!(BOOKING_AREA_GROUPINGS as readonly string[]).includes(q.area.level))
      return `an area must be a region, ICB, sub-ICB location, PCN or practice, got "${String(q.area.level)}"`;
    const within = bookingGroupingsWithin(m, q.area);
    if (!within.includes(g as BookingGrouping))
      return `groupBy within a ${q.area.level} must be one of ${within.join(', ')}, got "${String(g)}"`;
  }
  return null;
}
