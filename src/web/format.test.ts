import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  describeChange,
  describeYearChange,
  directionOf,
  formatCompact,
  formatCoverage,
  formatDate,
  formatDateTime,
  formatNumber,
  formatPercentChange,
  formatPeriod,
  formatPeriodShort,
  formatValue,
  judge,
  lowerFirst,
  parseIsoDate,
  periodEnd,
} from './format.ts';

describe('formatPeriod', () => {
  it('labels weeks and months', () => {
    expect(formatPeriod('week', '2026-11-09')).toBe('Week commencing 9 November 2026');
    expect(formatPeriod('month', '2026-11-01')).toBe('November 2026');
    expect(formatPeriod('month', '2027-01-01')).toBe('January 2027');
  });

  it('never shifts a day whatever the time zone (dates around the clock changes and year ends)', () => {
    // The date string is read with UTC getters only: every calendar day labels as itself.
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1990-01-01'), max: new Date('2100-12-31'), noInvalidDate: true }),
        (d) => {
          const iso = d.toISOString().slice(0, 10);
          const [y, m, day] = iso.split('-').map(Number);
          expect(formatDate(iso)).toBe(`${day} ${formatPeriod('month', iso).split(' ')[0]} ${y}`);
          expect(parseIsoDate(iso).getUTCMonth()).toBe(m! - 1);
        },
      ),
    );
    expect(formatPeriod('week', '2026-03-30')).toBe('Week commencing 30 March 2026');
    expect(formatPeriod('week', '2026-10-26')).toBe('Week commencing 26 October 2026');
    expect(formatDate('2026-12-31')).toBe('31 December 2026');
    // The calendar's ends, and years 0–99 read as themselves (Date.UTC would make 0001 into 1901).
    expect(formatDate('0001-01-01')).toBe('1 January 1');
    expect(formatDate('0099-02-28')).toBe('28 February 99');
    expect(formatDate('9999-12-31')).toBe('31 December 9999');
  });

  it('rejects malformed and impossible dates', () => {
    for (const bad of [
      '',
      '2026-1-1',
      '2026-02-30',
      '2026-13-01',
      '01/11/2026',
      '2026-11-01T00:00:00Z',
      'x',
    ]) {
      expect(() => formatPeriod('month', bad)).toThrow(RangeError);
    }
  });

  it('has short axis labels', () => {
    expect(formatPeriodShort('month', '2026-11-01')).toBe('Nov 2026');
    expect(formatPeriodShort('week', '2026-11-09')).toBe('9 Nov');
    expect(formatPeriodShort('week', '2026-11-09', true)).toBe('9 Nov 2026');
  });
});

describe('periodEnd', () => {
  it('ends weeks on Sunday and months on their last day', () => {
    expect(periodEnd('week', '2026-11-09')).toBe('2026-11-15');
    expect(periodEnd('week', '2026-12-28')).toBe('2027-01-03');
    expect(periodEnd('month', '2026-02-01')).toBe('2026-02-28');
    expect(periodEnd('month', '2028-02-01')).toBe('2028-02-29');
    expect(periodEnd('month', '2026-12-01')).toBe('2026-12-31');
  });
});

describe('formatDateTime', () => {
  it('shows Europe/London wall-clock time, in BST and GMT', () => {
    expect(formatDateTime('2026-11-18T07:45:00Z')).toBe('18 November 2026 at 7:45am');
    expect(formatDateTime('2026-07-01T12:05:00Z')).toBe('1 July 2026 at 1:05pm');
    expect(formatDateTime('2026-03-28T23:30:00Z')).toBe('28 March 2026 at 11:30pm');
    expect(formatDateTime('2026-06-30T23:30:00Z')).toBe('1 July 2026 at 12:30am');
  });
  it('rejects nonsense', () => {
    expect(() => formatDateTime('yesterday')).toThrow(RangeError);
  });
});

describe('numbers', () => {
  it('uses en-GB thousands separators', () => {
    expect(formatNumber(2188000)).toBe('2,188,000');
    expect(formatNumber(0)).toBe('0');
    expect(formatNumber(-1234)).toBe('-1,234');
    expect(formatNumber(1234.56)).toBe('1,234.6');
    expect(formatNumber(Number.NaN)).toBe('–');
  });
  it('formats values by unit', () => {
    expect(formatValue(2188000, 'events')).toBe('2,188,000');
    expect(formatValue(76, 'percent')).toBe('76.0%');
    expect(formatValue(123.45, 'per_1000')).toBe('123.5');
  });
  it('has compact axis labels', () => {
    expect(formatCompact(0)).toBe('0');
    expect(formatCompact(500)).toBe('500');
    expect(formatCompact(5000)).toBe('5,000');
    expect(formatCompact(25000)).toBe('25k');
    expect(formatCompact(2_500_000)).toBe('2.5m');
    expect(formatCompact(1_250_000)).toBe('1.25m');
    expect(formatCompact(3_000_000_000)).toBe('3bn');
    expect(formatCompact(0.2)).toBe('0.2');
  });
  it('formats percentage changes', () => {
    expect(formatPercentChange(4.1904)).toBe('4.2%');
    expect(formatPercentChange(-5.6)).toBe('5.6%');
    expect(formatPercentChange(0.01)).toBe('less than 0.1%');
    expect(formatPercentChange(0)).toBe('0.0%');
  });
});

describe('direction and polarity', () => {
  it('judges by polarity, never by colour alone', () => {
    expect(directionOf(2, 1)).toBe('up');
    expect(directionOf(1, 2)).toBe('down');
    expect(directionOf(1, 1)).toBe('same');
    expect(judge('up', 'higher_is_better')).toBe('better');
    expect(judge('down', 'higher_is_better')).toBe('worse');
    expect(judge('up', 'lower_is_better')).toBe('worse');
    expect(judge('down', 'lower_is_better')).toBe('better');
    expect(judge('up', 'neutral')).toBeNull();
    expect(judge('same', 'higher_is_better')).toBeNull();
  });
});

describe('describeChange', () => {
  const sep = { periodStart: '2026-09-01', value: 2_100_000 };
  const oct = { periodStart: '2026-10-01', value: 2_188_000 };
  it('writes one plain-English sentence', () => {
    expect(describeChange('Logins', 'month', 'events', oct, sep)).toBe(
      'Logins rose 4.2% from 2,100,000 in September 2026 to 2,188,000 in October 2026.',
    );
    expect(describeChange('Logins', 'month', 'events', sep, oct)).toBe(
      'Logins fell 4.0% from 2,188,000 in October 2026 to 2,100,000 in September 2026.',
    );
  });
  it('handles weeks, no change, no previous, zero and no data', () => {
    expect(
      describeChange(
        'Logins',
        'week',
        'events',
        { periodStart: '2026-11-09', value: 10 },
        { periodStart: '2026-11-02', value: 8 },
      ),
    ).toBe(
      'Logins rose 25.0% from 8 in the week commencing 2 November 2026 to 10 in the week commencing 9 November 2026.',
    );
    expect(describeChange('Logins', 'month', 'events', oct, { ...sep, value: 2_188_000 })).toBe(
      'Logins stayed at 2,188,000 in October 2026, the same as in September 2026.',
    );
    expect(describeChange('Logins', 'month', 'events', oct, null)).toBe('Logins: 2,188,000 in October 2026.');
    expect(describeChange('Logins', 'month', 'events', oct, { ...sep, value: 0 })).toBe(
      'Logins rose from 0 in September 2026 to 2,188,000 in October 2026.',
    );
    expect(describeChange('Logins', 'month', 'events', null, null)).toBe(
      'There are no figures for logins yet.',
    );
    expect(describeChange('NHS App users', 'month', 'events', null, null)).toBe(
      'There are no figures for NHS App users yet.',
    );
  });
  it('does not give a relative change for percentages', () => {
    expect(
      describeChange(
        'Patients registered',
        'month',
        'percent',
        { periodStart: '2026-10-01', value: 76 },
        { periodStart: '2026-09-01', value: 75.6 },
      ),
    ).toBe('Patients registered rose from 75.6% in September 2026 to 76.0% in October 2026.');
  });
});

describe('describeYearChange', () => {
  const oct25 = { periodStart: '2025-10-01', value: 1_950_000 };
  const oct26 = { periodStart: '2026-10-01', value: 2_188_000 };
  it('compares the latest figure with the same period a year earlier, in one sentence', () => {
    expect(describeYearChange('month', 'events', oct26, oct25)).toBe(
      'That is 12.2% higher than in October 2025 (1,950,000).',
    );
    expect(describeYearChange('month', 'events', oct25, oct26)).toBe(
      'That is 10.9% lower than in October 2026 (2,188,000).',
    );
    expect(
      describeYearChange(
        'week',
        'events',
        { periodStart: '2026-11-30', value: 9 },
        { periodStart: '2025-12-01', value: 12 },
      ),
    ).toBe('That is 25.0% lower than in the week commencing 1 December 2025 (12).');
  });
  it('handles no change, a year earlier of 0, percentages and no figure', () => {
    expect(describeYearChange('month', 'events', oct26, { ...oct25, value: 2_188_000 })).toBe(
      'That is the same as in October 2025.',
    );
    expect(describeYearChange('month', 'events', oct26, { ...oct25, value: 0 })).toBe(
      'In October 2025 it was 0.',
    );
    expect(describeYearChange('month', 'percent', { ...oct26, value: 71 }, { ...oct25, value: 66.25 })).toBe(
      'That is 4.8 percentage points higher than in October 2025 (66.3%).',
    );
    expect(describeYearChange('month', 'events', oct26, null)).toBe('');
    expect(describeYearChange('month', 'events', null, oct25)).toBe('');
  });
});

describe('formatCoverage', () => {
  it('formats coverage', () => {
    expect(formatCoverage(1)).toBe('100%');
    expect(formatCoverage(0.99951)).toBe('100%');
    expect(formatCoverage(0.9994)).toBe('99.9%');
    expect(formatCoverage(0.5)).toBe('50%');
    expect(formatCoverage(null)).toBe('–');
  });
});

describe('lowerFirst', () => {
  it('lower-cases a word that starts a name, and keeps acronyms as they are', () => {
    expect(lowerFirst('Logins')).toBe('logins');
    expect(lowerFirst('Percentage of GP patients')).toBe('percentage of GP patients');
    expect(lowerFirst('NHS 111 visits')).toBe('NHS 111 visits');
    expect(lowerFirst('NHS App logins')).toBe('NHS App logins');
    expect(lowerFirst('GP appointments booked in the NHS App')).toBe('GP appointments booked in the NHS App');
    expect(lowerFirst('P9 registrations')).toBe('P9 registrations');
  });
});
