/**
 * Number, date and period labels for pages, in British English.
 *
 * Dates arrive as 'YYYY-MM-DD' strings (Europe/London calendar dates). They are handled as UTC midnights
 * and read back with UTC getters only, so the server's time zone can never shift a label by a day.
 */
import type { Grain } from '../domain/metric-definition.ts';
import { MONTH_NAMES } from '../domain/periods.ts';
import { percentChange } from '../domain/rate.ts';

// One list of month names for the whole product (domain/periods.ts).
export { MONTH_NAMES };

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Parses 'YYYY-MM-DD' into a UTC-midnight Date; throws RangeError for anything else (incl. 2026-02-30). */
export function parseIsoDate(value: string): Date {
  const m = ISO_DATE.exec(value);
  if (!m) throw new RangeError(`expected a date as YYYY-MM-DD, got ${JSON.stringify(value)}`);
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // setUTCFullYear, not Date.UTC: Date.UTC reads the years 0–99 as 1900–1999.
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) {
    throw new RangeError(`not a calendar date: ${value}`);
  }
  return d;
}

function toIsoDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}

function monthName(d: Date): string {
  return MONTH_NAMES[d.getUTCMonth()]!;
}

/** "9 November 2026" */
export function formatDate(isoDate: string): string {
  const d = parseIsoDate(isoDate);
  return `${d.getUTCDate()} ${monthName(d)} ${d.getUTCFullYear()}`;
}

/** "Week commencing 9 November 2026" / "November 2026". */
export function formatPeriod(grain: Grain, start: string): string {
  const d = parseIsoDate(start);
  if (grain === 'week') return `Week commencing ${d.getUTCDate()} ${monthName(d)} ${d.getUTCFullYear()}`;
  return `${monthName(d)} ${d.getUTCFullYear()}`;
}

/** The period as it reads inside a sentence: "the week commencing 9 November 2026" / "November 2026". */
export function formatPeriodInSentence(grain: Grain, start: string): string {
  const label = formatPeriod(grain, start);
  return grain === 'week' ? `the w${label.slice(1)}` : label;
}

/** Short axis label: "9 Nov" for weeks (year added when it is January or the first label), "Nov 2026" for months. */
export function formatPeriodShort(grain: Grain, start: string, withYear = false): string {
  const d = parseIsoDate(start);
  const mon = monthName(d).slice(0, 3);
  if (grain === 'month') return `${mon} ${d.getUTCFullYear()}`;
  return withYear ? `${d.getUTCDate()} ${mon} ${d.getUTCFullYear()}` : `${d.getUTCDate()} ${mon}`;
}

/** Last day of the period that starts on `start` ('YYYY-MM-DD'). */
export function periodEnd(grain: Grain, start: string): string {
  const d = parseIsoDate(start);
  if (grain === 'week') return toIsoDate(new Date(d.getTime() + 6 * 86_400_000));
  return toIsoDate(new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)));
}

const dateTimeFormat = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  hour: 'numeric',
  minute: '2-digit',
  hourCycle: 'h12',
});

/** An ISO instant as a Europe/London date and time: "21 November 2026 at 7:30am". */
export function formatDateTime(isoInstant: string): string {
  const d = new Date(isoInstant);
  if (Number.isNaN(d.getTime())) throw new RangeError(`not a date and time: ${JSON.stringify(isoInstant)}`);
  const parts = Object.fromEntries(dateTimeFormat.formatToParts(d).map((p) => [p.type, p.value]));
  const dayPeriod = (parts.dayPeriod ?? '').toLowerCase().replace(/[^a-z]/g, '');
  return `${parts.day} ${parts.month} ${parts.year} at ${parts.hour}:${parts.minute}${dayPeriod}`;
}

const integerFormat = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 0 });
const oneDecimalFormat = new Intl.NumberFormat('en-GB', {
  minimumFractionDigits: 1,
  maximumFractionDigits: 1,
});

/** Coverage as a percentage: "100%", "99.7%", "–" when unknown (nothing to cover). */
export function formatCoverage(coverage: number | null): string {
  if (coverage === null || !Number.isFinite(coverage)) return '–';
  const pct = coverage * 100;
  if (pct >= 99.95) return '100%';
  return `${Math.round(pct) === pct ? integerFormat.format(pct) : oneDecimalFormat.format(pct)}%`;
}

/** "2,188,000"; non-integers keep up to `fractionDigits` decimals ("1,234.5"). */
export function formatNumber(value: number, fractionDigits = 1): string {
  if (!Number.isFinite(value)) return '–';
  if (Number.isInteger(value)) return integerFormat.format(value);
  return upToDigits(fractionDigits).format(value);
}

/**
 * A formatter per number of decimals, made once: making an Intl.NumberFormat costs far more than using one,
 * and a weekly page formats thousands of figures (ADR 0079).
 */
const upToDigitsFormats = new Map<number, Intl.NumberFormat>();
function upToDigits(fractionDigits: number): Intl.NumberFormat {
  let format = upToDigitsFormats.get(fractionDigits);
  if (!format) {
    format = new Intl.NumberFormat('en-GB', { maximumFractionDigits: fractionDigits });
    upToDigitsFormats.set(fractionDigits, format);
  }
  return format;
}

/** A metric value in its unit: counts as "2,188,000", percentages as "45.2%", rates as "123.4". */
export function formatValue(value: number, unit: string): string {
  if (!Number.isFinite(value)) return '–';
  if (unit === 'percent') return `${oneDecimalFormat.format(value)}%`;
  if (unit === 'per_1000') return oneDecimalFormat.format(value);
  return formatNumber(value);
}

/** Unit words after a value, for sentences and hidden text ("per 1,000 patients aged 13+"); '' for counts. */
export function unitSuffix(unit: string): string {
  return unit === 'per_1000' ? ' per 1,000 patients aged 13+' : '';
}

/** Axis tick label: 0, 500, 2.5k, 1.25m, 3bn (ticks are round numbers, so at most two decimals show). */
export function formatCompact(value: number): string {
  if (!Number.isFinite(value)) return '–';
  const abs = Math.abs(value);
  const fmt = (n: number, suffix: string) => `${upToDigits(2).format(n)}${suffix}`;
  if (abs >= 1e9) return fmt(value / 1e9, 'bn');
  if (abs >= 1e6) return fmt(value / 1e6, 'm');
  if (abs >= 1e4) return fmt(value / 1e3, 'k');
  return fmt(value, '');
}

/** Absolute percentage change with one decimal: 4.2 → "4.2%", -0.04 → "less than 0.1%". */
export function formatPercentChange(pct: number): string {
  const abs = Math.abs(pct);
  if (abs > 0 && abs < 0.05) return 'less than 0.1%';
  return `${oneDecimalFormat.format(abs)}%`;
}

export type Direction = 'up' | 'down' | 'same';
export type Polarity = 'higher_is_better' | 'lower_is_better' | 'neutral';
export type Judgement = 'better' | 'worse' | null;

export function directionOf(latest: number, previous: number): Direction {
  if (latest > previous) return 'up';
  if (latest < previous) return 'down';
  return 'same';
}

/** Whether a move is an improvement given the metric's polarity (null when neutral or unchanged). */
export function judge(direction: Direction, polarity: Polarity): Judgement {
  if (direction === 'same' || polarity === 'neutral') return null;
  const good = (direction === 'up') === (polarity === 'higher_is_better');
  return good ? 'better' : 'worse';
}

export interface SentencePoint {
  periodStart: string;
  value: number;
}

/**
 * One plain-English sentence describing the latest change, e.g.
 * "Logins rose 4.2% from 2,100,000 in September 2026 to 2,188,000 in October 2026."
 */
export function describeChange(
  name: string,
  grain: Grain,
  unit: string,
  latest: SentencePoint | null,
  previous: SentencePoint | null,
): string {
  if (!latest) return `There are no figures for ${lowerFirst(name)} yet.`;
  const v = (p: SentencePoint) => `${formatValue(p.value, unit)}${unitSuffix(unit)}`;
  const when = (p: SentencePoint) => formatPeriodInSentence(grain, p.periodStart);
  if (!previous) return `${name}: ${v(latest)} in ${when(latest)}.`;
  const direction = directionOf(latest.value, previous.value);
  if (direction === 'same') {
    return `${name} stayed at ${v(latest)} in ${when(latest)}, the same as in ${when(previous)}.`;
  }
  const verb = direction === 'up' ? 'rose' : 'fell';
  const change = unit === 'percent' ? null : percentChange(latest.value, previous.value);
  const pct = change === null ? '' : ` ${formatPercentChange(change)}`;
  return `${name} ${verb}${pct} from ${v(previous)} in ${when(previous)} to ${v(latest)} in ${when(latest)}.`;
}

/**
 * One sentence on the latest figure against the same period a year earlier (yearEarlierStart), e.g.
 * "That is 12.3% higher than in November 2025 (110,400)." Empty when there is nothing to compare.
 */
export function describeYearChange(
  grain: Grain,
  unit: string,
  latest: SentencePoint | null,
  yearEarlier: SentencePoint | null,
): string {
  if (!latest || !yearEarlier) return '';
  const then = `${formatValue(yearEarlier.value, unit)}${unitSuffix(unit)}`;
  const when = formatPeriodInSentence(grain, yearEarlier.periodStart);
  const direction = directionOf(latest.value, yearEarlier.value);
  if (direction === 'same') return `That is the same as in ${when}.`;
  const word = direction === 'up' ? 'higher' : 'lower';
  if (unit === 'percent') {
    const points = Math.round(Math.abs(latest.value - yearEarlier.value) * 10) / 10;
    return `That is ${formatNumber(points)} percentage points ${word} than in ${when} (${then}).`;
  }
  const change = percentChange(latest.value, yearEarlier.value);
  if (change === null) return `In ${when} it was ${then}.`;
  return `That is ${formatPercentChange(change)} ${word} than in ${when} (${then}).`;
}

/** A name inside a sentence: "Logins" → "logins", but acronyms stay ("NHS App logins", "GP appointments"). */
export function lowerFirst(s: string): string {
  return /^[A-Z][a-z]/.test(s) ? s.charAt(0).toLowerCase() + s.slice(1) : s;
}
