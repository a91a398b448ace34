/**
 * Reporting periods: weeks (Monday to Sunday) and calendar months, in Europe/London time.
 *
 * Conventions
 * - A calendar date is a 'YYYY-MM-DD' string holding a London calendar date. Dates are never JS Date
 *   objects at local midnight (those drift with the process time zone); calendar arithmetic on them is
 *   pure integer arithmetic on day numbers, with no time zone involved.
 * - An instant is a JS Date (or an ISO 8601 string with an explicit 'Z' or offset, or epoch milliseconds).
 *   Instants become London dates through Intl.DateTimeFormat with timeZone 'Europe/London', so British
 *   Summer Time moves the day boundary: 2026-07-01T23:30Z is 2 July in London.
 * - A period is named by its first day: the Monday of the week, or the 1st of the month.
 *
 * Results do not depend on the process time zone (TZ). Pure: no I/O.
 */
import { GRAINS, type Grain } from './metric-definition.ts';
import type { Clock } from './clock.ts';

export type { Grain } from './metric-definition.ts';
export { GRAINS } from './metric-definition.ts';

export const LONDON_TIME_ZONE = 'Europe/London';

const MS_PER_MINUTE = 60_000;
const MS_PER_HOUR = 3_600_000;
const MS_PER_DAY = 86_400_000;

export const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
] as const;

/** The month (1–12) a name or an abbreviation of three letters or more stands for ("Sept", "jun"), else 0. */
export function monthOfName(name: string): number {
  const t = name.toLowerCase();
  return MONTH_NAMES.findIndex((full) => t.length >= 3 && full.toLowerCase().startsWith(t)) + 1;
}

export const SHORT_MONTH_NAMES = [
  'Jan',
  'Feb',
  'Mar',
  'Apr',
  'May',
  'Jun',
  'Jul',
  'Aug',
  'Sep',
  'Oct',
  'Nov',
  'Dec',
] as const;

export function isGrain(value: unknown): value is Grain {
  return typeof value === 'string' && (GRAINS as readonly string[]).includes(value);
}

// ---------------------------------------------------------------------------------------------------
// Calendar dates ('YYYY-MM-DD'), pure arithmetic
// ---------------------------------------------------------------------------------------------------

export interface CalendarDate {
  year: number;
  /** 1 = January … 12 = December. */
  month: number;
  day: number;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function splitIsoDate(s: string): CalendarDate | null {
  const m = ISO_DATE.exec(s);
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  return { year, month, day };
}

/** True for a real calendar date written 'YYYY-MM-DD' (years 0001–9999); false for '2026-02-30'. */
export function isIsoDate(s: unknown): s is string {
  return typeof s === 'string' && splitIsoDate(s) !== null;
}

/** Splits a 'YYYY-MM-DD' date into its parts; throws a RangeError for anything that is not a real date. */
export function parseIsoDate(s: string): CalendarDate {
  const parts = typeof s === 'string' ? splitIsoDate(s) : null;
  if (parts === null) throw new RangeError(`not a valid date (expected YYYY-MM-DD): ${JSON.stringify(s)}`);
  return parts;
}

/** Checks and returns a 'YYYY-MM-DD' date (throws a RangeError otherwise). */
export function assertIsoDate(s: string): string {
  parseIsoDate(s);
  return s;
}

export function formatIsoDate(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function dayNumberOfParts(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Inverse of dayNumberOfParts (H. Hinnant's civil_from_days). */
function partsOfDayNumber(n: number): CalendarDate {
  const z = n + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

const MIN_DAY_NUMBER = dayNumberOfParts(1, 1, 1);
const MAX_DAY_NUMBER = dayNumberOfParts(9999, 12, 31);

/** Days since 1970-01-01 (negative before). */
export function dayNumber(date: string): number {
  const { year, month, day } = parseIsoDate(date);
  return dayNumberOfParts(year, month, day);
}

/** The date `n` days after 1970-01-01. */
export function dateOfDayNumber(n: number): string {
  if (!Number.isInteger(n) || n < MIN_DAY_NUMBER || n > MAX_DAY_NUMBER) {
    throw new RangeError(`day number out of range (years 0001–9999): ${n}`);
  }
  const { year, month, day } = partsOfDayNumber(n);
  return formatIsoDate(year, month, day);
}

/** The date `n` days later (earlier when n < 0). */
export function addDays(date: string, n: number): string {
  if (!Number.isInteger(n)) throw new RangeError(`addDays needs a whole number of days, got ${n}`);
  return dateOfDayNumber(dayNumber(date) + n);
}

/** Number of days from a to b (b − a): daysBetween('2026-01-01', '2026-01-08') = 7. */
export function daysBetween(a: string, b: string): number {
  return dayNumber(b) - dayNumber(a);
}

/** ISO day of the week: 1 = Monday … 7 = Sunday. */
export function dayOfWeek(date: string): number {
  // 1970-01-01 was a Thursday (4).
  return ((((dayNumber(date) + 3) % 7) + 7) % 7) + 1;
}

/** The date `n` calendar months later, keeping the day of the month where it exists (else the month's last day). */
export function addMonths(date: string, n: number): string {
  if (!Number.isInteger(n)) throw new RangeError(`addMonths needs a whole number of months, got ${n}`);
  const { year, month, day } = parseIsoDate(date);
  const index = year * 12 + (month - 1) + n;
  const y = Math.floor(index / 12);
  const m = index - y * 12 + 1;
  if (y < 1 || y > 9999) throw new RangeError(`date out of range (years 0001–9999): ${date} + ${n} months`);
  return formatIsoDate(y, m, Math.min(day, daysInMonth(y, m)));
}

export function minDate(a: string, b: string): string {
  return dayNumber(a) <= dayNumber(b) ? a : b;
}

export function maxDate(a: string, b: string): string {
  return dayNumber(a) >= dayNumber(b) ? a : b;
}

// ---------------------------------------------------------------------------------------------------
// Instants ↔ London dates (Intl, Europe/London)
// ---------------------------------------------------------------------------------------------------

const londonFormatter = new Intl.DateTimeFormat('en-GB', {
  timeZone: LONDON_TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

/** An ISO 8601 instant with a time and an explicit zone ('Z' or ±hh:mm); local times are ambiguous. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;

/** Supported instants: London dates in years 0001–9999 (with a day's margin for the offset). */
const MIN_INSTANT_MS = (MIN_DAY_NUMBER + 1) * MS_PER_DAY;
const MAX_INSTANT_MS = MAX_DAY_NUMBER * MS_PER_DAY;

/** Milliseconds since the epoch of an instant; throws a RangeError for invalid or zone-less input. */
export function toInstantMs(instant: Date | string | number): number {
  let ms: number;
  if (instant instanceof Date) ms = instant.getTime();
  else if (typeof instant === 'number') ms = instant;
  else if (typeof instant === 'string') {
    if (!ISO_INSTANT.test(instant)) {
      throw new RangeError(
        `not an ISO 8601 instant with a time zone (e.g. 2026-03-29T00:30:00Z): ${JSON.stringify(instant)}`,
      );
    }
    ms = Date.parse(instant);
  } else {
    throw new RangeError(`not an instant: ${String(instant)}`);
  }
  if (!Number.isFinite(ms)) throw new RangeError(`invalid instant: ${String(instant)}`);
  if (ms < MIN_INSTANT_MS || ms >= MAX_INSTANT_MS)
    throw new RangeError(`instant out of range: ${String(instant)}`);
  return ms;
}

/** London wall-clock offset from UTC at an instant, in ms, computed by Intl (no cache). */
function intlOffsetMs(ms: number): number {
  let year = 0;
  let month = 0;
  let day = 0;
  let hour = 0;
  let minute = 0;
  let second = 0;
  for (const part of londonFormatter.formatToParts(ms)) {
    switch (part.type) {
      case 'year':
        year = Number(part.value);
        break;
      case 'month':
        month = Number(part.value);
        break;
      case 'day':
        day = Number(part.value);
        break;
      case 'hour':
        hour = Number(part.value);
        break;
      case 'minute':
        minute = Number(part.value);
        break;
      case 'second':
        second = Number(part.value);
        break;
    }
  }
  const wall = dayNumberOfParts(year, month, day) * MS_PER_DAY + hour * MS_PER_HOUR + minute * MS_PER_MINUTE;
  const wholeSecond = Math.floor(ms / 1000) * 1000;
  return wall + second * 1000 - wholeSecond;
}

/**
 * Offsets cached per UTC hour: London's clock changes happen on the hour (UTC), so one Intl call per hour
 * is enough. An hour is cached only when its first and last millisecond have the same offset; otherwise
 * (the 1847 change from local mean time) every instant in it is computed exactly.
 */
const offsetByHour = new Map<number, number | null>();
const OFFSET_CACHE_LIMIT = 200_000;

function londonOffsetMsAt(ms: number): number {
  const hour = Math.floor(ms / MS_PER_HOUR);
  let cached = offsetByHour.get(hour);
  if (cached === undefined) {
    const first = intlOffsetMs(hour * MS_PER_HOUR);
    const last = intlOffsetMs(hour * MS_PER_HOUR + MS_PER_HOUR - 1);
    cached = first === last ? first : null;
    if (offsetByHour.size >= OFFSET_CACHE_LIMIT) offsetByHour.clear();
    offsetByHour.set(hour, cached);
  }
  return cached ?? intlOffsetMs(ms);
}

/** London's offset from UTC at an instant, in minutes: 0 in winter (GMT), 60 in summer (BST). */
export function londonOffsetMinutes(instant: Date | string | number): number {
  return londonOffsetMsAt(toInstantMs(instant)) / MS_PER_MINUTE;
}

/** The London calendar date ('YYYY-MM-DD') of an instant. */
export function londonDate(instant: Date | string | number): string {
  const ms = toInstantMs(instant);
  return dateOfDayNumber(Math.floor((ms + londonOffsetMsAt(ms)) / MS_PER_DAY));
}

/** London wall-clock time of an instant as ms since 1970-01-01T00:00 "local". */
function londonWallMs(ms: number): number {
  return ms + londonOffsetMsAt(ms);
}

/** The first instant (UTC) of a London calendar day: 2026-03-30 starts at 2026-03-29T23:00Z (BST). */
export function londonDayStartUtc(date: string): Date {
  const wall = dayNumber(date) * MS_PER_DAY;
  // Local midnight = wall − offset; the offset at that instant can differ from the one at `wall`.
  let t = wall - londonOffsetMsAt(wall);
  t = wall - londonOffsetMsAt(t);
  if (londonWallMs(t) === wall && londonWallMs(t - 1) < wall) return new Date(t);
  // Midnight skipped by a clock change (never in London since 1847, but be exact): the first instant
  // whose wall-clock time is at or after midnight, by bisection over ±1 day.
  let lo = wall - MS_PER_DAY;
  let hi = wall + MS_PER_DAY;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (londonWallMs(mid) >= wall) hi = mid;
    else lo = mid;
  }
  return new Date(hi);
}

/** The first instant (UTC) after a London calendar day (exclusive end). */
export function londonDayEndUtc(date: string): Date {
  return londonDayStartUtc(addDays(date, 1));
}

/** Length of a London calendar day in hours: 24, or 23 / 25 on the days the clocks change. */
export function londonDayHours(date: string): number {
  return (londonDayEndUtc(date).getTime() - londonDayStartUtc(date).getTime()) / MS_PER_HOUR;
}

// ---------------------------------------------------------------------------------------------------
// Periods
// ---------------------------------------------------------------------------------------------------

/** The first day of the period containing a date: its Monday (week) or the 1st (month). */
export function periodStart(grain: Grain, date: string): string {
  if (grain === 'week') return addDays(date, 1 - dayOfWeek(date));
  if (grain === 'month') {
    const { year, month } = parseIsoDate(date);
    return formatIsoDate(year, month, 1);
  }
  throw new RangeError(`unknown grain: ${String(grain)}`);
}

/** True when the date is the first day of a period of that grain. */
export function isPeriodStart(grain: Grain, date: string): boolean {
  return periodStart(grain, date) === date;
}

/** The last day (inclusive) of the period starting on (or containing) `start`. */
export function periodEnd(grain: Grain, start: string): string {
  const first = periodStart(grain, start);
  if (grain === 'week') return addDays(first, 6);
  const { year, month } = parseIsoDate(first);
  return formatIsoDate(year, month, daysInMonth(year, month));
}

/** Number of days in the period: 7 for a week, 28–31 for a month. */
export function periodDays(grain: Grain, start: string): number {
  const first = periodStart(grain, start);
  return daysBetween(first, periodEnd(grain, first)) + 1;
}

/** The start of the following period. */
export function nextPeriod(grain: Grain, start: string): string {
  return addDays(periodEnd(grain, start), 1);
}

/** The start of the preceding period. */
export function previousPeriod(grain: Grain, start: string): string {
  return periodStart(grain, addDays(periodStart(grain, start), -1));
}

/** The start of the period `n` periods after (before, when n < 0) the one containing `start`. */
export function shiftPeriod(grain: Grain, start: string, n: number): string {
  if (!Number.isInteger(n)) throw new RangeError(`shiftPeriod needs a whole number, got ${n}`);
  const first = periodStart(grain, start);
  return grain === 'week' ? addDays(first, 7 * n) : addMonths(first, n);
}

/** True when the date falls in the period starting on (or containing) `start`. */
export function periodContains(grain: Grain, start: string, date: string): boolean {
  return periodStart(grain, date) === periodStart(grain, start);
}

/**
 * Starts of all periods that intersect the date range [from, to] (both inclusive), ascending.
 * Empty when `to` is before `from`.
 */
export function periodsBetween(grain: Grain, from: string, to: string): string[] {
  const last = dayNumber(to);
  const out: string[] = [];
  if (last < dayNumber(from)) return out;
  for (let p = periodStart(grain, from); dayNumber(p) <= last; p = nextPeriod(grain, p)) out.push(p);
  return out;
}

/** The start of the period an instant falls in, by its London date. */
export function periodOf(grain: Grain, instant: Date | string | number): string {
  return periodStart(grain, londonDate(instant));
}

/** The first and exclusive last instants (UTC) of a period, for filtering raw event times. */
export function periodBoundsUtc(grain: Grain, start: string): { startUtc: Date; endUtc: Date } {
  const first = periodStart(grain, start);
  return { startUtc: londonDayStartUtc(first), endUtc: londonDayEndUtc(periodEnd(grain, first)) };
}

/** Today's date in London at clock.now(). */
export function londonToday(clock: Clock): string {
  return londonDate(clock.now());
}

/** The last London day that is fully over at clock.now(): yesterday in London. */
export function lastCompleteDay(clock: Clock): string {
  return addDays(londonToday(clock), -1);
}

/** The Sunday ending the last week (Monday–Sunday) that is fully over in London at clock.now(). */
export function lastCompleteWeekEnd(clock: Clock): string {
  return addDays(periodStart('week', londonToday(clock)), -1);
}

/** The start of the last period of the grain that is fully over in London at clock.now(). */
export function lastCompletePeriod(grain: Grain, clock: Clock): string {
  return previousPeriod(grain, periodStart(grain, londonToday(clock)));
}

/**
 * A period is complete when all its days are loaded, i.e. its last day is on or before `coveredThrough`
 * (the last London date through which data are complete; null when nothing is loaded).
 */
export function isPeriodComplete(grain: Grain, start: string, coveredThrough: string | null): boolean {
  if (coveredThrough === null) return false;
  return dayNumber(periodEnd(grain, start)) <= dayNumber(coveredThrough);
}

// ---------------------------------------------------------------------------------------------------
// Labels (GOV.UK / NHS style: "9 November 2026", no leading zero, no weekday)
// ---------------------------------------------------------------------------------------------------

/** "9 November 2026". */
export function formatLongDate(date: string): string {
  const { year, month, day } = parseIsoDate(date);
  return `${day} ${MONTH_NAMES[month - 1]} ${year}`;
}

/** "9 Nov 2026". */
export function formatShortDate(date: string): string {
  const { year, month, day } = parseIsoDate(date);
  return `${day} ${SHORT_MONTH_NAMES[month - 1]} ${year}`;
}

/** "Week commencing 9 November 2026" / "November 2026". */
export function periodLabel(grain: Grain, start: string): string {
  const first = periodStart(grain, start);
  if (grain === 'week') return `Week commencing ${formatLongDate(first)}`;
  const { year, month } = parseIsoDate(first);
  return `${MONTH_NAMES[month - 1]} ${year}`;
}

/** "9 Nov 2026" (a week, by its Monday) / "Nov 2026" (a month): for chart axes and narrow tables. */
export function shortPeriodLabel(grain: Grain, start: string): string {
  const first = periodStart(grain, start);
  if (grain === 'week') return formatShortDate(first);
  const { year, month } = parseIsoDate(first);
  return `${SHORT_MONTH_NAMES[month - 1]} ${year}`;
}

/** ISO 8601 week-numbering year and week (weeks start on Monday; week 1 contains the year's first Thursday). */
export function isoWeek(date: string): { year: number; week: number } {
  const thursday = addDays(date, 4 - dayOfWeek(date));
  const year = parseIsoDate(thursday).year;
  const week = Math.floor(daysBetween(formatIsoDate(year, 1, 1), thursday) / 7) + 1;
  return { year, week };
}

/** ISO 8601 week number (1–53). */
export function isoWeekNumber(date: string): number {
  return isoWeek(date).week;
}
