import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fixedClock } from './clock.ts';
import {
  addDays,
  addMonths,
  dayOfWeek,
  daysBetween,
  isIsoDate,
  isoWeek,
  isoWeekNumber,
  isPeriodComplete,
  isPeriodStart,
  lastCompleteDay,
  lastCompletePeriod,
  lastCompleteWeekEnd,
  londonDate,
  londonDayEndUtc,
  londonDayHours,
  londonDayStartUtc,
  londonOffsetMinutes,
  nextPeriod,
  parseIsoDate,
  periodBoundsUtc,
  periodContains,
  periodDays,
  periodEnd,
  periodLabel,
  periodOf,
  periodsBetween,
  periodStart,
  previousPeriod,
  shiftPeriod,
  shortPeriodLabel,
  type Grain,
} from './periods.ts';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

// ---------------------------------------------------------------------------------------------------
// Independent reference implementations (deliberately computed differently from periods.ts)
// ---------------------------------------------------------------------------------------------------

/** London date by a different Intl route: toLocaleString in the Swedish locale prints "YYYY-MM-DD hh:mm:ss". */
const swedishLondon = new Intl.DateTimeFormat('sv-SE', {
  timeZone: 'Europe/London',
  dateStyle: 'short',
  timeStyle: 'medium',
});
function bruteLondonDate(ms: number): string {
  return swedishLondon.format(ms).slice(0, 10);
}

/** 'YYYY-MM-DD' of a UTC day number via Date.UTC (TZ-independent). */
function utcDateString(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Date.UTC without its mapping of years 0–99 to 1900–1999. */
function utcMs(year: number, monthIndex: number, day: number): number {
  const dt = new Date(0);
  dt.setUTCFullYear(year, monthIndex, day);
  return dt.getTime();
}

function utcMidnight(date: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return utcMs(y, m - 1, d);
}

/** Last Sunday of a month at 01:00 UTC: when UK clocks change (EU rule, in force since 1996). */
function lastSundayOneAmUtc(year: number, monthIndex: number): number {
  const lastDay = new Date(Date.UTC(year, monthIndex + 1, 0));
  const sunday = lastDay.getUTCDate() - lastDay.getUTCDay();
  return Date.UTC(year, monthIndex, sunday, 1);
}

/** UK offset by the written rule (1996 onwards): BST from last Sunday of March to last Sunday of October. */
function ruleOffsetHours(ms: number): number {
  const year = new Date(ms).getUTCFullYear();
  return ms >= lastSundayOneAmUtc(year, 2) && ms < lastSundayOneAmUtc(year, 9) ? 1 : 0;
}

/** Start of a London day by the written rule: local midnight is 23:00 UTC the day before during BST. */
function ruleDayStart(date: string): number {
  const midnight = utcMidnight(date);
  return ruleOffsetHours(midnight - HOUR) === 1 ? midnight - HOUR : midnight;
}

/** Start of a London day by stepping minute by minute across the boundary, checking each minute's date. */
function steppedDayStart(date: string): number {
  const midnight = utcMidnight(date);
  for (let t = midnight - 3 * HOUR; t <= midnight + 3 * HOUR; t += MINUTE) {
    if (bruteLondonDate(t) === date) return t;
  }
  throw new Error(`no start found for ${date}`);
}

const instants = (minYear: number, maxYear: number) =>
  fc
    .integer({ min: Date.UTC(minYear, 0, 1), max: Date.UTC(maxYear, 11, 31, 23, 59, 59, 999) })
    .map((ms) => new Date(ms));

const dates = (minYear = 1900, maxYear = 2200) =>
  fc
    .integer({ min: utcMs(minYear, 0, 1) / DAY, max: utcMs(maxYear, 11, 31) / DAY })
    .map((n) => utcDateString(n * DAY));

const grains = fc.constantFrom<Grain>('week', 'month');

// ---------------------------------------------------------------------------------------------------
// Calendar dates
// ---------------------------------------------------------------------------------------------------

describe('date strings', () => {
  it('accepts real dates and rejects impossible or badly written ones', () => {
    for (const ok of ['2026-01-01', '2028-02-29', '2000-02-29', '2026-12-31', '0001-01-01', '9999-12-31']) {
      expect(isIsoDate(ok)).toBe(true);
    }
    for (const bad of [
      '2026-02-30',
      '2027-02-29',
      '1900-02-29',
      '2026-04-31',
      '2026-13-01',
      '2026-00-10',
      '2026-01-00',
      '0000-01-01',
      '2026-1-01',
      '2026-01-1',
      ' 2026-01-01',
      '2026-01-01T00:00:00Z',
      '20260101',
      '',
    ]) {
      expect(isIsoDate(bad), bad).toBe(false);
      expect(() => parseIsoDate(bad), bad).toThrow(RangeError);
    }
    expect(isIsoDate(20260101)).toBe(false);
    expect(isIsoDate(null)).toBe(false);
    expect(parseIsoDate('2028-02-29')).toEqual({ year: 2028, month: 2, day: 29 });
  });

  it('does calendar arithmetic across month ends, year ends and leap days', () => {
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2028-02-29', 1)).toBe('2028-03-01');
    expect(addDays('2027-02-28', 1)).toBe('2027-03-01');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2027-01-01', -1)).toBe('2026-12-31');
    expect(addDays('2026-03-29', 1)).toBe('2026-03-30');
    expect(daysBetween('2028-01-01', '2029-01-01')).toBe(366);
    expect(daysBetween('2027-01-01', '2028-01-01')).toBe(365);
    expect(daysBetween('2026-11-16', '2026-11-09')).toBe(-7);
    expect(addMonths('2028-01-31', 1)).toBe('2028-02-29');
    expect(addMonths('2026-01-31', 1)).toBe('2026-02-28');
    expect(addMonths('2026-11-15', 3)).toBe('2027-02-15');
    expect(addMonths('2026-01-15', -1)).toBe('2025-12-15');
    expect(() => addDays('2026-02-30', 1)).toThrow(RangeError);
    expect(() => addDays('2026-01-01', 0.5)).toThrow(RangeError);
  });

  it('numbers weekdays from Monday (1) to Sunday (7)', () => {
    expect(dayOfWeek('2026-11-09')).toBe(1);
    expect(dayOfWeek('2026-11-15')).toBe(7);
    expect(dayOfWeek('2026-03-29')).toBe(7);
    expect(dayOfWeek('2028-02-29')).toBe(2);
    expect(dayOfWeek('1970-01-01')).toBe(4);
    expect(dayOfWeek('1969-12-29')).toBe(1);
  });

  it('property: addDays and daysBetween are inverse, and weekdays agree with Date.UTC', () => {
    fc.assert(
      fc.property(dates(10, 9990), fc.integer({ min: -3000, max: 3000 }), (d, n) => {
        const e = addDays(d, n);
        expect(isIsoDate(e)).toBe(true);
        expect(daysBetween(d, e)).toBe(n);
        expect(addDays(e, -n)).toBe(d);
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(dates(1000, 9999), (d) => {
        const utcDay = new Date(utcMidnight(d)).getUTCDay();
        expect(dayOfWeek(d)).toBe(utcDay === 0 ? 7 : utcDay);
        expect(daysBetween('1970-01-01', d)).toBe(utcMidnight(d) / DAY);
      }),
      { numRuns: 2000 },
    );
  });

  it('property: isIsoDate agrees with a Date.UTC round trip for any yyyy-mm-dd', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1000, max: 9999 }),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
        (y, m, d) => {
          const s = `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
          const roundTrips = m >= 1 && m <= 12 && d >= 1 && utcDateString(Date.UTC(y, m - 1, d)) === s;
          expect(isIsoDate(s)).toBe(roundTrips);
        },
      ),
      { numRuns: 3000 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------
// Instants → London dates, British Summer Time
// ---------------------------------------------------------------------------------------------------

describe('London dates of UTC instants', () => {
  const springForward = ['2024-03-31', '2025-03-30', '2026-03-29', '2027-03-28'];
  const fallBack = ['2024-10-27', '2025-10-26', '2026-10-25', '2027-10-31'];

  it('uses the last Sundays of March and October 2024–2027 as clock-change days', () => {
    for (const d of [...springForward, ...fallBack]) expect(dayOfWeek(d), d).toBe(7);
    for (const d of springForward) expect(londonDayHours(d), d).toBe(23);
    for (const d of fallBack) expect(londonDayHours(d), d).toBe(25);
    expect(londonDayHours('2026-07-01')).toBe(24);
    expect(londonDayHours('2026-01-15')).toBe(24);
  });

  it.each(springForward)('spring forward on %s: GMT until 01:00 UTC, BST after', (sunday) => {
    const saturday = addDays(sunday, -1);
    const monday = addDays(sunday, 1);
    expect(londonDate(`${saturday}T23:30:00Z`)).toBe(saturday);
    expect(londonDate(`${saturday}T23:59:59.999Z`)).toBe(saturday);
    expect(londonDate(`${sunday}T00:00:00Z`)).toBe(sunday);
    expect(londonDate(`${sunday}T00:30:00Z`)).toBe(sunday);
    expect(londonDate(`${sunday}T00:59:59Z`)).toBe(sunday);
    expect(londonDate(`${sunday}T01:00:00Z`)).toBe(sunday);
    expect(londonOffsetMinutes(`${sunday}T00:59:59Z`)).toBe(0);
    expect(londonOffsetMinutes(`${sunday}T01:00:00Z`)).toBe(60);
    expect(londonDate(`${sunday}T22:59:59Z`)).toBe(sunday);
    expect(londonDate(`${sunday}T23:00:00Z`)).toBe(monday);
    expect(londonDayStartUtc(sunday).toISOString()).toBe(`${sunday}T00:00:00.000Z`);
    expect(londonDayEndUtc(sunday).toISOString()).toBe(`${sunday}T23:00:00.000Z`);
    expect(londonDayStartUtc(monday).toISOString()).toBe(`${sunday}T23:00:00.000Z`);
    // The week of Monday 00:30 BST is the new week, although it is still Sunday in UTC.
    expect(periodOf('week', `${sunday}T23:30:00Z`)).toBe(monday);
    expect(periodOf('week', `${sunday}T22:59:59Z`)).toBe(addDays(sunday, -6));
  });

  it.each(fallBack)('fall back on %s: BST until 01:00 UTC, GMT after', (sunday) => {
    const saturday = addDays(sunday, -1);
    const monday = addDays(sunday, 1);
    expect(londonDate(`${saturday}T22:59:59Z`)).toBe(saturday);
    expect(londonDate(`${saturday}T23:00:00Z`)).toBe(sunday);
    expect(londonDate(`${saturday}T23:30:00Z`)).toBe(sunday);
    expect(londonDate(`${sunday}T00:30:00Z`)).toBe(sunday);
    expect(londonDate(`${sunday}T00:59:59Z`)).toBe(sunday);
    expect(londonDate(`${sunday}T01:00:00Z`)).toBe(sunday);
    expect(londonOffsetMinutes(`${sunday}T00:59:59Z`)).toBe(60);
    expect(londonOffsetMinutes(`${sunday}T01:00:00Z`)).toBe(0);
    expect(londonDate(`${sunday}T23:59:59.999Z`)).toBe(sunday);
    expect(londonDate(`${monday}T00:00:00Z`)).toBe(monday);
    expect(londonDayStartUtc(sunday).toISOString()).toBe(`${saturday}T23:00:00.000Z`);
    expect(londonDayEndUtc(sunday).toISOString()).toBe(`${monday}T00:00:00.000Z`);
    expect(periodOf('week', `${saturday}T23:30:00Z`)).toBe(addDays(sunday, -6));
  });

  it('gives the brief’s worked examples', () => {
    expect(londonDayStartUtc('2026-03-29').toISOString()).toBe('2026-03-29T00:00:00.000Z');
    expect(londonDayStartUtc('2026-03-30').toISOString()).toBe('2026-03-29T23:00:00.000Z');
    expect(londonDayStartUtc('2026-10-25').toISOString()).toBe('2026-10-24T23:00:00.000Z');
    expect(londonDayEndUtc('2026-10-25').getTime() - londonDayStartUtc('2026-10-25').getTime()).toBe(
      25 * HOUR,
    );
  });

  it('puts midnight UTC in summer on the next London day', () => {
    expect(londonDate('2026-07-01T23:30:00Z')).toBe('2026-07-02');
    expect(londonDate('2026-07-01T22:59:59.999Z')).toBe('2026-07-01');
    expect(londonDate(new Date(Date.UTC(2026, 6, 1, 23, 0)))).toBe('2026-07-02');
    expect(londonDate(Date.UTC(2026, 6, 1, 23, 0))).toBe('2026-07-02');
    expect(londonDate('2026-07-02T00:30:00+01:00')).toBe('2026-07-02');
    expect(londonDayStartUtc('2026-07-02').toISOString()).toBe('2026-07-01T23:00:00.000Z');
    // Months turn over at London midnight too.
    expect(periodOf('month', '2026-06-30T23:30:00Z')).toBe('2026-07-01');
    expect(periodOf('month', '2026-07-31T23:00:00Z')).toBe('2026-08-01');
    expect(periodOf('month', '2026-07-31T22:59:59Z')).toBe('2026-07-01');
    // In winter London is on UTC.
    expect(londonDate('2026-01-15T23:59:59Z')).toBe('2026-01-15');
    expect(londonDate('2026-01-16T00:00:00Z')).toBe('2026-01-16');
  });

  it('handles the New Year in GMT', () => {
    expect(londonDate('2026-12-31T23:30:00Z')).toBe('2026-12-31');
    expect(londonDate('2027-01-01T00:00:00Z')).toBe('2027-01-01');
    expect(periodOf('week', '2027-01-03T23:59:59Z')).toBe('2026-12-28');
    expect(periodOf('week', '2027-01-04T00:00:00Z')).toBe('2027-01-04');
    expect(periodOf('month', '2026-12-31T23:59:59Z')).toBe('2026-12-01');
    expect(periodOf('month', '2027-01-01T00:00:00Z')).toBe('2027-01-01');
  });

  it('rejects instants that are invalid or have no time zone', () => {
    for (const bad of ['2026-07-01T23:30', '2026-07-01', '2026-07-01 23:30Z', 'yesterday', '']) {
      expect(() => londonDate(bad), bad).toThrow(RangeError);
    }
    expect(() => londonDate(new Date(Number.NaN))).toThrow(RangeError);
    expect(() => londonDate(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });

  it('matches history: British Standard Time (1968–71) and the 1847 change from local mean time', () => {
    expect(londonDayStartUtc('1970-01-01').toISOString()).toBe('1969-12-31T23:00:00.000Z');
    expect(londonDayStartUtc('1847-12-01').toISOString()).toBe('1847-12-01T00:01:15.000Z');
    expect(londonDate('1847-12-01T00:01:14Z')).toBe('1847-11-30');
    expect(londonDate('1847-12-01T00:01:15Z')).toBe('1847-12-01');
  });

  it('property: londonDate agrees with a different Intl formatting route', () => {
    fc.assert(
      fc.property(instants(1900, 2150), (i) => {
        expect(londonDate(i)).toBe(bruteLondonDate(i.getTime()));
      }),
      { numRuns: 5000 },
    );
  });

  it('property: near clock changes, londonDate agrees with the written BST rule', () => {
    const nearChange = fc
      .tuple(
        fc.integer({ min: 1996, max: 2099 }),
        fc.constantFrom(2, 9),
        fc.integer({ min: -26 * 60, max: 26 * 60 }),
      )
      .map(([y, m, minutes]) => new Date(lastSundayOneAmUtc(y, m) + minutes * MINUTE + (minutes % 7) * 1000));
    fc.assert(
      fc.property(nearChange, (i) => {
        const expected = utcDateString(i.getTime() + ruleOffsetHours(i.getTime()) * HOUR);
        expect(londonDate(i)).toBe(expected);
        expect(londonOffsetMinutes(i)).toBe(ruleOffsetHours(i.getTime()) * 60);
      }),
      { numRuns: 3000 },
    );
  });

  it('property: a London day runs from londonDayStartUtc (inclusive) to londonDayEndUtc (exclusive)', () => {
    fc.assert(
      fc.property(instants(1900, 2150), (i) => {
        const d = londonDate(i);
        const start = londonDayStartUtc(d).getTime();
        const end = londonDayEndUtc(d).getTime();
        expect(start).toBeLessThanOrEqual(i.getTime());
        expect(i.getTime()).toBeLessThan(end);
        expect(bruteLondonDate(start)).toBe(d);
        expect(bruteLondonDate(start - 1)).toBe(addDays(d, -1));
        expect(bruteLondonDate(end - 1)).toBe(d);
        expect(bruteLondonDate(end)).toBe(addDays(d, 1));
      }),
      { numRuns: 3000 },
    );
  });

  it('property: day starts equal the written BST rule (1996–2099)', () => {
    fc.assert(
      fc.property(dates(1996, 2099), (d) => {
        expect(londonDayStartUtc(d).getTime()).toBe(ruleDayStart(d));
        const hours = (londonDayEndUtc(d).getTime() - londonDayStartUtc(d).getTime()) / HOUR;
        expect([23, 24, 25]).toContain(hours);
      }),
      { numRuns: 3000 },
    );
  });

  it('day starts equal a minute-by-minute search on every clock-change day 2020–2030 and nearby days', () => {
    for (let y = 2020; y <= 2030; y++) {
      for (const monthIndex of [2, 9]) {
        const sunday = utcDateString(lastSundayOneAmUtc(y, monthIndex));
        for (const d of [addDays(sunday, -1), sunday, addDays(sunday, 1), addDays(sunday, 2)]) {
          expect(londonDayStartUtc(d).getTime(), d).toBe(steppedDayStart(d));
        }
      }
    }
  });

  it('property: day starts equal a minute-by-minute search for random dates', () => {
    fc.assert(
      fc.property(dates(1900, 2150), (d) => {
        expect(londonDayStartUtc(d).getTime()).toBe(steppedDayStart(d));
      }),
      { numRuns: 300 },
    );
  });

  it('gives the same answers whatever the process time zone', () => {
    const saved = process.env.TZ;
    const probe = () => [
      londonDate('2026-03-29T23:30:00Z'),
      londonDate('2026-07-01T23:30:00Z'),
      londonDayStartUtc('2026-10-25').toISOString(),
      periodOf('week', '2026-03-29T23:30:00Z'),
      periodStart('week', '2027-01-01'),
      periodLabel('week', '2026-11-09'),
      lastCompleteWeekEnd(fixedClock('2026-03-29T23:30:00Z')),
    ];
    try {
      const results = [
        'UTC',
        'America/Los_Angeles',
        'Pacific/Kiritimati',
        'Pacific/Chatham',
        'Europe/London',
      ].map((tz) => {
        process.env.TZ = tz;
        return probe();
      });
      for (const r of results) expect(r).toEqual(results[0]);
      expect(results[0]).toEqual([
        '2026-03-30',
        '2026-07-02',
        '2026-10-24T23:00:00.000Z',
        '2026-03-30',
        '2026-12-28',
        'Week commencing 9 November 2026',
        '2026-03-29',
      ]);
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// Periods
// ---------------------------------------------------------------------------------------------------

describe('periods', () => {
  it('finds week and month starts and ends', () => {
    expect(periodStart('week', '2026-11-09')).toBe('2026-11-09');
    expect(periodStart('week', '2026-11-15')).toBe('2026-11-09');
    expect(periodStart('week', '2026-11-16')).toBe('2026-11-16');
    expect(periodEnd('week', '2026-11-09')).toBe('2026-11-15');
    expect(periodStart('month', '2026-11-30')).toBe('2026-11-01');
    expect(periodEnd('month', '2026-11-01')).toBe('2026-11-30');
    expect(periodEnd('month', '2026-12-01')).toBe('2026-12-31');
    expect(isPeriodStart('week', '2026-11-09')).toBe(true);
    expect(isPeriodStart('week', '2026-11-10')).toBe(false);
    expect(isPeriodStart('month', '2026-11-01')).toBe(true);
    expect(periodContains('week', '2026-11-09', '2026-11-15')).toBe(true);
    expect(periodContains('week', '2026-11-09', '2026-11-16')).toBe(false);
    expect(() => periodStart('day' as Grain, '2026-11-09')).toThrow(RangeError);
  });

  it('handles the week spanning New Year (2026-12-28 to 2027-01-03)', () => {
    expect(periodStart('week', '2026-12-31')).toBe('2026-12-28');
    expect(periodStart('week', '2027-01-01')).toBe('2026-12-28');
    expect(periodStart('week', '2027-01-03')).toBe('2026-12-28');
    expect(periodEnd('week', '2026-12-28')).toBe('2027-01-03');
    expect(nextPeriod('week', '2026-12-28')).toBe('2027-01-04');
    expect(previousPeriod('week', '2027-01-04')).toBe('2026-12-28');
    expect(periodsBetween('week', '2026-12-25', '2027-01-05')).toEqual([
      '2026-12-21',
      '2026-12-28',
      '2027-01-04',
    ]);
    expect(periodsBetween('month', '2026-12-15', '2027-01-15')).toEqual(['2026-12-01', '2027-01-01']);
    expect(nextPeriod('month', '2026-12-01')).toBe('2027-01-01');
    expect(previousPeriod('month', '2027-01-01')).toBe('2026-12-01');
    expect(periodLabel('week', '2026-12-28')).toBe('Week commencing 28 December 2026');
    expect(isoWeek('2026-12-28')).toEqual({ year: 2026, week: 53 });
    expect(isoWeek('2027-01-03')).toEqual({ year: 2026, week: 53 });
    expect(isoWeek('2027-01-04')).toEqual({ year: 2027, week: 1 });
    expect(isoWeek('2024-12-30')).toEqual({ year: 2025, week: 1 });
    expect(isoWeekNumber('2026-11-09')).toBe(46);
  });

  it('handles leap years', () => {
    expect(periodDays('month', '2028-02-01')).toBe(29);
    expect(periodDays('month', '2027-02-01')).toBe(28);
    expect(periodDays('month', '2100-02-01')).toBe(28);
    expect(periodDays('month', '2000-02-01')).toBe(29);
    expect(periodEnd('month', '2028-02-01')).toBe('2028-02-29');
    expect(periodStart('week', '2028-02-29')).toBe('2028-02-28');
    expect(periodStart('month', '2028-02-29')).toBe('2028-02-01');
    expect(nextPeriod('month', '2028-02-01')).toBe('2028-03-01');
    expect(periodsBetween('week', '2028-02-28', '2028-03-06')).toEqual(['2028-02-28', '2028-03-06']);
    expect(periodOf('month', '2028-02-29T23:59:59Z')).toBe('2028-02-01');
  });

  it('counts days in periods', () => {
    expect(periodDays('week', '2026-03-23')).toBe(7);
    expect(periodDays('month', '2026-01-01')).toBe(31);
    expect(periodDays('month', '2026-04-01')).toBe(30);
    expect(periodDays('month', '2026-02-01')).toBe(28);
  });

  it('shifts by whole periods', () => {
    expect(shiftPeriod('week', '2026-11-09', 2)).toBe('2026-11-23');
    expect(shiftPeriod('month', '2026-11-01', 3)).toBe('2027-02-01');
    expect(shiftPeriod('month', '2026-11-01', -11)).toBe('2025-12-01');
  });

  it('returns nothing for an empty range and one period for a one-day range', () => {
    expect(periodsBetween('week', '2026-11-16', '2026-11-09')).toEqual([]);
    expect(periodsBetween('week', '2026-11-11', '2026-11-11')).toEqual(['2026-11-09']);
    expect(periodsBetween('month', '2026-11-30', '2026-11-30')).toEqual(['2026-11-01']);
  });

  it('gives UTC bounds of a period for filtering event times', () => {
    const march = periodBoundsUtc('week', '2026-03-23');
    expect(march.startUtc.toISOString()).toBe('2026-03-23T00:00:00.000Z');
    expect(march.endUtc.toISOString()).toBe('2026-03-29T23:00:00.000Z');
    const july = periodBoundsUtc('month', '2026-07-01');
    expect(july.startUtc.toISOString()).toBe('2026-06-30T23:00:00.000Z');
    expect(july.endUtc.toISOString()).toBe('2026-07-31T23:00:00.000Z');
    const october = periodBoundsUtc('month', '2026-10-01');
    expect(october.startUtc.toISOString()).toBe('2026-09-30T23:00:00.000Z');
    expect(october.endUtc.toISOString()).toBe('2026-11-01T00:00:00.000Z');
  });

  it('property: the week of any instant starts on a Monday within the 7 days up to its London date', () => {
    fc.assert(
      fc.property(instants(1970, 2150), (i) => {
        const d = londonDate(i);
        const start = periodStart('week', d);
        expect(dayOfWeek(start)).toBe(1);
        expect(daysBetween(start, d)).toBeGreaterThanOrEqual(0);
        expect(daysBetween(start, d)).toBeLessThan(7);
        expect(periodOf('week', i)).toBe(start);
        const { startUtc, endUtc } = periodBoundsUtc('week', start);
        expect(startUtc.getTime()).toBeLessThanOrEqual(i.getTime());
        expect(i.getTime()).toBeLessThan(endUtc.getTime());
      }),
      { numRuns: 3000 },
    );
  });

  it('property: the month of any date starts on its 1st and contains it', () => {
    fc.assert(
      fc.property(dates(), (d) => {
        const start = periodStart('month', d);
        expect(start).toBe(`${d.slice(0, 8)}01`);
        expect(d <= periodEnd('month', start)).toBe(true);
        expect(periodDays('month', start)).toBeGreaterThanOrEqual(28);
        expect(periodDays('month', start)).toBeLessThanOrEqual(31);
      }),
      { numRuns: 2000 },
    );
  });

  it('property: periodsBetween covers the range with contiguous periods, no gaps or overlaps', () => {
    fc.assert(
      fc.property(grains, dates(1990, 2100), fc.integer({ min: 0, max: 800 }), (grain, from, span) => {
        const to = addDays(from, span);
        const ps = periodsBetween(grain, from, to);
        expect(ps.length).toBeGreaterThan(0);
        const first = ps[0]!;
        const last = ps[ps.length - 1]!;
        // The first period contains `from`, the last contains `to`.
        expect(first <= from && from <= periodEnd(grain, first)).toBe(true);
        expect(last <= to && to <= periodEnd(grain, last)).toBe(true);
        for (let k = 1; k < ps.length; k++) {
          expect(addDays(periodEnd(grain, ps[k - 1]!), 1)).toBe(ps[k]);
        }
        const covered = ps.reduce((sum, p) => sum + periodDays(grain, p), 0);
        expect(covered).toBe(daysBetween(first, periodEnd(grain, last)) + 1);
        // Brute force: the distinct period starts of every day in the range.
        const brute: string[] = [];
        for (let d = from; d <= to; d = addDays(d, 1)) {
          const p = periodStart(grain, d);
          if (brute[brute.length - 1] !== p) brute.push(p);
        }
        expect(ps).toEqual(brute);
      }),
      { numRuns: 500 },
    );
  });

  it('property: the months of a year have 365 or 366 days; its weeks tile it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9998 }), (year) => {
        const y = String(year).padStart(4, '0');
        const months = periodsBetween('month', `${y}-01-01`, `${y}-12-31`);
        expect(months).toHaveLength(12);
        const days = months.reduce((sum, m) => sum + periodDays('month', m), 0);
        const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
        expect(days).toBe(leap ? 366 : 365);
        const weeks = periodsBetween('week', `${y}-01-01`, `${y}-12-31`);
        expect([53, 54]).toContain(weeks.length);
      }),
      { numRuns: 1000 },
    );
  });

  it('property: next and previous periods are inverse', () => {
    fc.assert(
      fc.property(grains, dates(), (grain, d) => {
        const p = periodStart(grain, d);
        expect(nextPeriod(grain, previousPeriod(grain, p))).toBe(p);
        expect(previousPeriod(grain, nextPeriod(grain, p))).toBe(p);
        expect(isPeriodStart(grain, nextPeriod(grain, p))).toBe(true);
        expect(daysBetween(p, nextPeriod(grain, p))).toBe(periodDays(grain, p));
        expect(shiftPeriod(grain, p, 1)).toBe(nextPeriod(grain, p));
        expect(shiftPeriod(grain, p, -1)).toBe(previousPeriod(grain, p));
      }),
      { numRuns: 2000 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------
// Completeness against the clock and loaded data
// ---------------------------------------------------------------------------------------------------

describe('complete periods', () => {
  it('finds yesterday and the last complete week in London', () => {
    // Monday 9 November 2026, 10:00 GMT.
    let clock = fixedClock('2026-11-09T10:00:00Z');
    expect(lastCompleteDay(clock)).toBe('2026-11-08');
    expect(lastCompleteWeekEnd(clock)).toBe('2026-11-08');
    // Sunday 15 November 23:59:59 GMT: that week is not over yet.
    clock = fixedClock('2026-11-15T23:59:59Z');
    expect(lastCompleteWeekEnd(clock)).toBe('2026-11-08');
    expect(lastCompleteDay(clock)).toBe('2026-11-14');
    // Wednesday 18 November, refresh time.
    clock = fixedClock('2026-11-18T07:30:00Z');
    expect(lastCompleteWeekEnd(clock)).toBe('2026-11-15');
    expect(lastCompletePeriod('week', clock)).toBe('2026-11-09');
    expect(lastCompletePeriod('month', clock)).toBe('2026-10-01');
  });

  it('uses London, not UTC, to decide when a week is over in summer time', () => {
    // 23:30 UTC on Sunday 29 March 2026 is 00:30 BST on Monday 30 March: the week to 29 March is over.
    expect(lastCompleteWeekEnd(fixedClock('2026-03-29T23:30:00Z'))).toBe('2026-03-29');
    expect(lastCompleteDay(fixedClock('2026-03-29T23:30:00Z'))).toBe('2026-03-29');
    // 22:59 UTC is still Sunday 23:59 BST.
    expect(lastCompleteWeekEnd(fixedClock('2026-03-29T22:59:59Z'))).toBe('2026-03-22');
    // Summer month end: 23:00 UTC on 31 July is 1 August in London.
    expect(lastCompletePeriod('month', fixedClock('2026-07-31T23:00:00Z'))).toBe('2026-07-01');
    expect(lastCompletePeriod('month', fixedClock('2026-07-31T22:59:59Z'))).toBe('2026-06-01');
  });

  it('property: the last complete week always ends on a Sunday before today, less than 8 days ago', () => {
    fc.assert(
      fc.property(instants(1990, 2100), (i) => {
        const clock = fixedClock(i);
        const end = lastCompleteWeekEnd(clock);
        const today = londonDate(i);
        expect(dayOfWeek(end)).toBe(7);
        expect(daysBetween(end, today)).toBeGreaterThanOrEqual(1);
        expect(daysBetween(end, today)).toBeLessThanOrEqual(7);
        expect(londonDayEndUtc(end).getTime()).toBeLessThanOrEqual(i.getTime());
        expect(isPeriodComplete('week', periodStart('week', end), lastCompleteDay(clock))).toBe(true);
        expect(isPeriodComplete('week', periodStart('week', today), lastCompleteDay(clock))).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });

  it('marks a period complete only when its last day is covered', () => {
    expect(isPeriodComplete('week', '2026-11-09', '2026-11-15')).toBe(true);
    expect(isPeriodComplete('week', '2026-11-09', '2026-11-20')).toBe(true);
    expect(isPeriodComplete('week', '2026-11-09', '2026-11-14')).toBe(false);
    expect(isPeriodComplete('week', '2026-11-09', null)).toBe(false);
    expect(isPeriodComplete('month', '2026-02-01', '2026-02-28')).toBe(true);
    expect(isPeriodComplete('month', '2028-02-01', '2028-02-28')).toBe(false);
    expect(isPeriodComplete('month', '2028-02-01', '2028-02-29')).toBe(true);
    expect(() => isPeriodComplete('week', '2026-11-09', '2026-11-31')).toThrow(RangeError);
  });
});

describe('labels', () => {
  it('labels weeks by their Monday and months by name, without leading zeros', () => {
    expect(periodLabel('week', '2026-11-09')).toBe('Week commencing 9 November 2026');
    expect(periodLabel('week', '2026-11-12')).toBe('Week commencing 9 November 2026');
    expect(periodLabel('month', '2026-11-01')).toBe('November 2026');
    expect(shortPeriodLabel('week', '2026-11-09')).toBe('9 Nov 2026');
    expect(shortPeriodLabel('month', '2026-11-01')).toBe('Nov 2026');
    expect(shortPeriodLabel('month', '2026-09-01')).toBe('Sep 2026');
    expect(periodLabel('week', '2027-03-01')).toBe('Week commencing 1 March 2027');
  });
});
