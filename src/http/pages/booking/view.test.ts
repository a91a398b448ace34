/**
 * The booking pages' view models: the specification's sentences (the seed's example figures), number and
 * percentage formatting, ranges and their default, and "no data" (never 0) for a range with nothing loaded.
 */
import { describe, expect, it } from 'vitest';
import { bookingMeasure, type BookingRow } from '../../../domain/booking.ts';
import { bookingRangeProblem } from './state.ts';
import {
  bookingSentence,
  buildBookingBreachView,
  buildBookingMeasureView,
  buildBookingSummaryView,
  compareDispositions,
  defaultBookingRange,
  formatRatio,
  formatTimeFrame,
  monthPicks,
  rangePhrase,
  trendRange,
} from './view.ts';

const m = (id: string) => bookingMeasure(id)!;
const row = (
  measure: string,
  count: number,
  paired: number | null,
  group: string | null = null,
): BookingRow => ({
  measure,
  group,
  count,
  paired,
  ratio: paired ? count / paired : null,
});

describe('sentences', () => {
  it("reads the seed's examples", () => {
    const dec = ['2025-12-01', '2025-12-31'] as const;
    expect(bookingSentence(m('rep-cons-01'), row('rep-cons-01', 2000, 2500), ...dec)).toBe(
      'In December 2025 there were 2,000 appointments booked and 2,500 successful referrals: 80% booking utilisation.',
    );
    expect(bookingSentence(m('rep-prov-03'), row('rep-prov-03', 2000, 10000), ...dec)).toBe(
      'In December 2025 there were 2,000 appointments booked and 10,000 appointment slots made available: 20% slot utilisation.',
    );
    expect(bookingSentence(m('rep-prov-04'), row('rep-prov-04', 500, 2500), ...dec)).toBe(
      'In December 2025 there were 500 referred cases not booked and 2,500 successful referrals: 20% non-booking.',
    );
    expect(bookingSentence(m('rep-cons-11'), row('rep-cons-11', 200, 800), ...dec, '“Dx05”')).toBe(
      'In December 2025 there were 200 “Dx05” appointments booked and 800 appointment slots offered that would cause a breach: 0.25 bookings per breaching slot offered.',
    );
    expect(bookingSentence(m('rep-cons-05'), row('rep-cons-05', 52, null), ...dec)).toBe(
      'In December 2025 there were 52 times the user did not select the top service although the top service could be booked.',
    );
    expect(bookingSentence(m('rep-cons-07'), row('rep-cons-07', 1, null), ...dec)).toBe(
      'In December 2025 there was 1 appointment booked and then cancelled while the patient was on the phone.',
    );
  });

  it('says no data, never 0, when nothing is loaded; keeps a real 0; has no ratio over 0', () => {
    expect(bookingSentence(m('rep-cons-01'), null, '2025-12-01', '2025-12-31')).toBe(
      'In December 2025: no data (no booking events are loaded for these dates).',
    );
    expect(bookingSentence(m('rep-cons-04'), row('rep-cons-04', 0, null), '2025-12-01', '2025-12-31')).toBe(
      'In December 2025 there were 0 bookings that failed because the slot was no longer available when the booking was made (HTTP 409).',
    );
    expect(bookingSentence(m('rep-cons-01'), row('rep-cons-01', 0, 0), '2025-12-01', '2025-12-01')).toBe(
      'On 1 December 2025 there were 0 appointments booked and 0 successful referrals (no booking utilisation: nothing to divide by).',
    );
    expect(
      bookingSentence(m('rep-prov-03'), { count: 5, paired: null, ratio: null }, '2025-12-01', '2025-12-31'),
    ).toBe(
      'In December 2025 there were 5 appointments booked; appointment slots made available: no data (not loaded).',
    );
  });

  it('every measure has its own sentence', () => {
    const texts = new Set<string>();
    for (const id of ['01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12'])
      texts.add(
        bookingSentence(m(`rep-cons-${id}`), row(`rep-cons-${id}`, 3, 4), '2025-12-01', '2025-12-31'),
      );
    for (const id of ['01', '02', '03', '04', '05'])
      texts.add(
        bookingSentence(m(`rep-prov-${id}`), row(`rep-prov-${id}`, 3, 4), '2025-12-01', '2025-12-31'),
      );
    // rep-cons-01 and rep-prov-02 differ ("referrals received"); only rep-prov-01 may repeat a count-only wording.
    expect(texts.size).toBeGreaterThanOrEqual(16);
  });
});

describe('formatting and ranges', () => {
  it('formats ratios as percentages or decimals', () => {
    expect(formatRatio(m('rep-cons-01'), 0.8)).toBe('80%');
    expect(formatRatio(m('rep-cons-01'), 0.80549)).toBe('80.5%');
    expect(formatRatio(m('rep-cons-10'), 0.5)).toBe('0.50');
    expect(formatRatio(m('rep-cons-10'), null)).toBe('no data');
  });

  it('phrases ranges', () => {
    expect(rangePhrase('2025-12-01', '2025-12-31')).toBe('In December 2025');
    expect(rangePhrase('2024-02-01', '2024-02-29')).toBe('In February 2024');
    expect(rangePhrase('2025-01-01', '2025-12-31')).toBe('In 2025');
    expect(rangePhrase('2025-12-01', '2025-12-14')).toBe('From 1 December 2025 to 14 December 2025');
  });

  it('defaults to the last complete calendar month of the data', () => {
    expect(defaultBookingRange({ first: '2025-01-06', last: '2025-12-14' })).toEqual({
      from: '2025-11-01',
      to: '2025-11-30',
    });
    expect(defaultBookingRange({ first: '2025-01-06', last: '2025-12-31' })).toEqual({
      from: '2025-12-01',
      to: '2025-12-31',
    });
    // Less than a month loaded: the data's span.
    expect(defaultBookingRange({ first: '2025-12-03', last: '2025-12-14' })).toEqual({
      from: '2025-12-03',
      to: '2025-12-14',
    });
    expect(defaultBookingRange({ first: null, last: null })).toBeNull();
  });

  it('offers the months in the data, newest first', () => {
    const picks = monthPicks(
      { first: '2025-10-20', last: '2025-12-14' },
      { from: '2025-11-01', to: '2025-11-30' },
      (f, t) => `${f}/${t}`,
    );
    expect(picks.map((p) => [p.text, p.href, p.current])).toEqual([
      ['December 2025', '2025-12-01/2025-12-31', false],
      ['November 2025', '2025-11-01/2025-11-30', true],
      ['October 2025', '2025-10-01/2025-10-31', false],
    ]);
  });

  it('checks dates', () => {
    expect(bookingRangeProblem(undefined, undefined)).toBeNull();
    expect(bookingRangeProblem('2025-12-01', '2025-12-31')).toBeNull();
    expect(bookingRangeProblem('2025-02-30', '2025-03-01')).toMatch(/real date/);
    expect(bookingRangeProblem('2025-12-31', '2025-12-01')).toMatch(/after/);
    expect(bookingRangeProblem('2025-12-01', undefined)).toMatch(/both/);
  });

  it('trends over the twelve months up to the range, within the data', () => {
    expect(trendRange({ first: '2024-01-01', last: '2025-12-14' }, '2025-11-30')).toEqual({
      from: '2024-12-01',
      to: '2025-11-30',
    });
    expect(trendRange({ first: '2025-06-10', last: '2025-12-14' }, '2026-03-31')).toEqual({
      from: '2025-06-10',
      to: '2025-12-14',
    });
  });

  it('orders dispositions naturally and words time frames', () => {
    expect(['Dx117', 'Dx11', 'Unknown', 'Dx05'].sort(compareDispositions)).toEqual([
      'Dx05',
      'Dx11',
      'Dx117',
      'Unknown',
    ]);
    expect(formatTimeFrame(120)).toBe('2 hours');
    expect(formatTimeFrame(60)).toBe('1 hour');
    expect(formatTimeFrame(1440)).toBe('24 hours');
    expect(formatTimeFrame(undefined)).toBe('not known');
  });
});

describe('page views', () => {
  const coverage = { first: '2025-10-01', last: '2025-12-31' };

  it('summary: thousands separators, "–" where no paired figure is set, no data outside the loaded dates', () => {
    const totals = new Map([['rep-cons-01', row('rep-cons-01', 12345, 15000)]]);
    const v = buildBookingSummaryView({
      side: 'consumer',
      from: '2025-12-01',
      to: '2025-12-31',
      coverage,
      totals,
      area: null,
      areaOptions: [],
      demo: true,
    });
    const first = v.items[0]!;
    expect([first.count, first.paired, first.ratio]).toEqual(['12,345', '15,000', '82.3%']);
    expect(v.items.find((i) => i.id === 'rep-cons-02')!.paired).toBeNull();
    expect(v.items).toHaveLength(12);
    const empty = buildBookingSummaryView({
      side: 'provider',
      from: '2024-01-01',
      to: '2024-01-31',
      coverage,
      totals,
      area: null,
      areaOptions: [],
      demo: false,
    });
    expect(empty.hasData).toBe(false);
    expect(empty.noDataText).toMatch(/^No data for these dates/);
    expect(empty.items.every((i) => i.count === 'no data' && !/ 0 /.test(i.sentence))).toBe(true);
    const never = buildBookingSummaryView({
      side: 'provider',
      from: '2024-01-01',
      to: '2024-01-31',
      coverage: { first: null, last: null },
      totals,
      area: null,
      areaOptions: [],
      demo: false,
    });
    expect(never.noDataText).toBe('No data: no booking events are loaded yet.');
  });

  it('measure: a table per grouping with names, and a trend with its table', () => {
    const v = buildBookingMeasureView({
      measure: m('rep-cons-01'),
      from: '2025-12-01',
      to: '2025-12-31',
      groupBy: 'practice',
      grain: 'month',
      coverage,
      total: row('rep-cons-01', 1500, 2000),
      rows: [
        { ...row('rep-cons-01', 1000, 1200, 'A81001'), groupName: 'The Practice' },
        row('rep-cons-01', 500, 800, 'Unknown'),
      ],
      trend: [
        { periodStart: '2025-10-01', periodEnd: '2025-10-31', count: 1400, paired: 1800, ratio: 1400 / 1800 },
        { periodStart: '2025-11-01', periodEnd: '2025-11-30', count: 1450, paired: 1850, ratio: 1450 / 1850 },
        { periodStart: '2025-12-01', periodEnd: '2025-12-14', count: 700, paired: 900, ratio: 700 / 900 },
      ],
      trendFrom: '2025-10-01',
      trendTo: '2025-12-14',
      area: null,
      areaOptions: [],
      demo: false,
    });
    expect(v.table!.caption).toBe(
      'Bookings against successful referrals, December 2025, by registered practice',
    );
    expect(v.table!.rows[0]).toEqual({
      group: 'A81001',
      name: 'The Practice',
      // A practice's row leads to the same measure for its patients alone; Unknown's leads nowhere.
      href: '/booking/measure/rep-cons-01?from=2025-12-01&to=2025-12-31&area=A81001',
      count: '1,000',
      paired: '1,200',
      ratio: '83.3%',
    });
    expect(v.table!.rows[1]!.href).toBeNull();
    expect(v.trend!.rows.map((r) => r.period)).toEqual([
      'October 2025',
      'November 2025',
      'December 2025 (1 December 2025 to 14 December 2025 only)',
    ]);
    expect(v.trend!.svg).toContain('<svg');
    expect(v.csvHref).toBe('/booking/measure/rep-cons-01/csv?from=2025-12-01&to=2025-12-31&groupBy=practice');
    expect(v.groupItems.map((g) => g.value)).not.toContain('error');
  });

  it('measure: a long table a page at a time, the links keeping the view and the CSV every row', () => {
    // 250 practices, counts falling so that the order is plain.
    const rows = Array.from({ length: 250 }, (_, i) =>
      row('rep-cons-01', 1000 - i, 2000, `P${String(i).padStart(5, '0')}`),
    );
    const input = {
      measure: m('rep-cons-01'),
      from: '2025-12-01',
      to: '2025-12-31',
      groupBy: 'practice' as const,
      grain: 'week' as const,
      coverage,
      total: row('rep-cons-01', 5000, 9000),
      rows,
      trend: [],
      trendFrom: '2025-12-01',
      trendTo: '2025-12-14',
      area: null,
      areaOptions: [],
      demo: false,
    };
    const view = (page?: number) =>
      buildBookingMeasureView({ ...input, ...(page === undefined ? {} : { page }) });
    const first = view();
    expect(first.table!.rows.map((r) => r.group)).toEqual(rows.slice(0, 100).map((r) => r.group));
    expect(first.table!.pagination).toEqual({
      text: 'Showing 1 to 100 of 250 rows',
      previous: null,
      next: {
        href: '/booking/measure/rep-cons-01?from=2025-12-01&to=2025-12-31&groupBy=practice&grain=week&page=2',
        text: 'Page 2 of 3',
      },
    });
    const second = view(2);
    expect(second.table!.rows.map((r) => r.group)).toEqual(rows.slice(100, 200).map((r) => r.group));
    // Back to page 1 without a page number; the CSV is the whole table whatever the page.
    expect(second.table!.pagination!.previous!.href).not.toContain('page=');
    expect(second.csvHref).not.toContain('page=');
    const last = view(3);
    expect(last.table!.rows).toHaveLength(50);
    expect(last.table!.pagination!.text).toBe('Showing 201 to 250 of 250 rows');
    expect(last.table!.pagination!.next).toBeNull();
    // A table of a page or less has no pages.
    expect(buildBookingMeasureView({ ...input, rows: rows.slice(0, 100) }).table!.pagination).toBeNull();
  });

  it('narrowed to an area: links keep it, the form lists it, groupings are the areas below it', () => {
    const options = [
      { level: 'region' as const, code: 'Y63', name: 'North East and Yorkshire' },
      { level: 'icb' as const, code: 'QWO', name: 'NHS West Yorkshire Integrated Care Board' },
      { level: 'sub-icb' as const, code: '15F', name: 'Leeds — NHS West Yorkshire ICB - 15F' },
    ];
    const icb = options[1]!;
    const totals = new Map([['rep-cons-01', row('rep-cons-01', 120, 150)]]);
    const v = buildBookingSummaryView({
      side: 'consumer',
      from: '2025-12-01',
      to: '2025-12-31',
      coverage,
      totals,
      area: icb,
      areaOptions: options,
      demo: false,
    });
    expect(v.areaWords).toBe(', for patients registered in NHS West Yorkshire Integrated Care Board (QWO)');
    expect(v.areaNote).toMatch(/not known are in no area/);
    expect(v.items[0]!.href).toBe('/booking/measure/rep-cons-01?from=2025-12-01&to=2025-12-31&area=QWO');
    expect(v.sideLinks[1]!.href).toBe('/booking?view=provider&from=2025-12-01&to=2025-12-31&area=QWO');
    expect(v.picks[0]!.href).toBe('/booking?view=consumer&from=2025-12-01&to=2025-12-31&area=QWO');
    expect(v.areaChoices.groups.map((g) => g.label)).toEqual([
      'England',
      'NHS England regions',
      'Integrated care boards',
      'Sub-ICB locations',
    ]);
    const selected = v.areaChoices.groups.flatMap((g) => g.items).filter((i) => i.selected);
    expect(selected).toEqual([
      { value: 'QWO', text: 'NHS West Yorkshire Integrated Care Board (QWO)', selected: true },
    ]);
    // A PCN reached by a link is listed so that the form keeps it.
    const pcn = { level: 'pcn' as const, code: 'U12345', name: 'Leeds Central PCN' };
    const w = buildBookingMeasureView({
      measure: m('rep-cons-06'),
      from: '2025-12-01',
      to: '2025-12-31',
      groupBy: 'none',
      grain: 'week',
      coverage,
      total: row('rep-cons-06', 4, null),
      rows: [],
      trend: [],
      trendFrom: '2025-10-01',
      trendTo: '2025-12-31',
      area: pcn,
      areaOptions: options,
      demo: false,
    });
    expect(w.groupItems.map((g) => g.value)).toEqual(['none', 'practice', 'disposition']); // by disposition too: booking_daily keeps each practice's (ADR 0070)
    expect(w.areaChoices.groups.at(-1)).toEqual({
      label: 'Primary care networks',
      items: [{ value: 'U12345', text: 'Leeds Central PCN (U12345)', selected: true }],
    });
    expect(w.csvHref).toBe(
      '/booking/measure/rep-cons-06/csv?from=2025-12-01&to=2025-12-31&area=U12345&groupBy=none',
    );
    expect(w.allAreasHref).toBe('/booking/measure/rep-cons-06?from=2025-12-01&to=2025-12-31&grain=week');
    expect(w.picks[0]!.href).toContain('area=U12345');
  });

  it('breach: bookings and slots per disposition with its time frame', () => {
    const v = buildBookingBreachView({
      from: '2025-12-01',
      to: '2025-12-31',
      coverage,
      within: [row('rep-cons-10', 200, 400, 'Dx05'), row('rep-cons-10', 30, 90, 'Dx11')],
      breaching: [row('rep-cons-11', 200, 800, 'Dx05'), row('rep-cons-11', 30, 10, 'Dx11')],
      allBreached: [row('rep-cons-12', 12, null, 'Dx05')],
      area: null,
      areaOptions: [],
      demo: false,
    });
    expect(
      v.rows.map((r) => [
        r.disposition,
        r.timeFrame,
        r.bookings,
        r.withinSlots,
        r.breachSlots,
        r.breachShare,
        r.allBreachedNotBooked,
      ]),
    ).toEqual([
      ['Dx05', '2 hours', '200', '400', '800', '66.7%', '12'],
      ['Dx11', '1 hour', '30', '90', '10', '10%', '0'],
    ]);
    expect(v.rows[0]!.sentence).toBe(
      'In December 2025 there were 200 “Dx05” appointments booked, and 400 appointment slots offered that would not cause a breach and 800 that would (time frame 2 hours).',
    );
    expect(v.areaWords).toBe('');
    expect(v.csvHref).toBe('/booking/breach.csv?from=2025-12-01&to=2025-12-31');
  });

  it('breach narrowed to an area: headings name it, and every link keeps it', () => {
    const area = { level: 'icb' as const, code: 'QWO', name: 'NHS West Yorkshire ICB' };
    const v = buildBookingBreachView({
      from: '2025-12-01',
      to: '2025-12-31',
      coverage,
      within: [row('rep-cons-10', 2, 4, 'Dx05')],
      breaching: [row('rep-cons-11', 2, 8, 'Dx05')],
      allBreached: [],
      area,
      areaOptions: [area],
      demo: false,
    });
    expect(v.areaWords).toBe(', for patients registered in NHS West Yorkshire ICB (QWO)');
    expect(v.areaNote).toMatch(/^Only the cases of patients registered in NHS West Yorkshire ICB/);
    expect(v.csvHref).toBe('/booking/breach.csv?from=2025-12-01&to=2025-12-31&area=QWO');
    expect(v.summaryHref).toBe('/booking?from=2025-12-01&to=2025-12-31&area=QWO');
    expect(v.picks.every((p) => p.href.includes('area=QWO'))).toBe(true);
    expect(v.areaChoices.groups[1]!.items).toEqual([
      { value: 'QWO', text: 'NHS West Yorkshire ICB (QWO)', selected: true },
    ]);
  });
});
