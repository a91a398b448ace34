/** View models of the data dictionary, About page, data table, chart CSVs and peer position. Pure. */
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { loadCatalogue } from '../../metrics/catalogue.ts';
import type { PeerBand } from '../../query/peers.ts';
import type { SeriesPoint, SummaryTile } from '../../query/types.ts';
import { buildAboutView, describeCron } from './about.ts';
import { peerText } from '../../http/pages/area/view.ts';
import { dataUrl, levelForArea, pageNumbers, selectionFields, type DataSelection } from './data-table.ts';
import { buildDictionaryMetricView, buildDictionaryView, relatedMetrics } from './dictionary.ts';
import { bandPosition, chartCsv, chartView } from './metric-panels.ts';
import { chartCsvHref } from '../../http/pages/area/state.ts';
import { csvCell as csvField } from '../../domain/csv.ts';

const catalogue = loadCatalogue();
const byId = (id: string) => catalogue.find((m) => m.id === id)!;

describe('data dictionary view', () => {
  it('puts every metric under exactly one theme, in display order, with a contents entry per theme', () => {
    const view = buildDictionaryView(catalogue);
    const listed = view.themes.flatMap((t) => t.metrics.map((m) => m.id));
    expect(listed.sort()).toEqual(catalogue.map((m) => m.id).sort());
    expect(view.contents.map((c) => c.href)).toEqual(view.themes.map((t) => `#${t.id}`));
    for (const t of view.themes) {
      const orders = t.metrics.map((m) => byId(m.id).display_order);
      expect(orders).toEqual([...orders].sort((a, b) => a - b));
    }
  });

  it('relates counts to their rates and running totals, and rates to their parts', () => {
    expect(relatedMetrics(byId('registrations'), catalogue).map((r) => [r.relation, r.href])).toContainEqual([
      'Running total',
      '/dictionary/registrations_cumulative',
    ]);
    const pct = relatedMetrics(byId('registered_pct_13plus'), catalogue);
    expect(pct.map((r) => r.relation)).toEqual(['Numerator', 'Denominator']);
    const view = buildDictionaryMetricView(byId('downloads'), catalogue);
    expect(view.dataHref).toBe('/data?metric=downloads&grain=month');
    expect(view.facts.find((f) => f.key === 'Lowest geography')!.value).toMatch(/^England/);
    // Counts from events without a catalogue rate are compared as a derived per-1,000 rate.
    expect(buildDictionaryMetricView(byId('appointments_booked'), catalogue).derivedRateNote).toMatch(
      /per 1,000/,
    );
    expect(buildDictionaryMetricView(byId('logins'), catalogue).derivedRateNote).toBeNull();
  });
});

describe('comparison method and rounding in the dictionary', () => {
  it('names each metric’s method from the catalogue and states the rounding rule', () => {
    const fact = (id: string) =>
      buildDictionaryMetricView(byId(id), catalogue).facts.find((f) => f.key === 'Compared with England by')!
        .value;
    expect(fact('registered_pct_13plus')).toMatch(/^Wilson’s score method/);
    expect(fact('logins_per_1000')).toMatch(/^Byar’s method/);
    expect(fact('logins')).toMatch(/^Not compared/);
    const rule = buildDictionaryView(catalogue).roundingRule.join(' ');
    expect(rule).toContain('whole numbers');
    expect(rule).toContain('1 decimal place');
  });
});

describe('About view', () => {
  it('describes simple cron schedules in words and leaves others as they are', () => {
    expect(describeCron('30 7 * * 3')).toBe('every Wednesday at 7:30am');
    expect(describeCron('0 18 * * 1,4')).toBe('every Monday and Thursday at 6:00pm');
    expect(describeCron('5 0 * * *')).toBe('every day at 12:05am');
    expect(describeCron('0 12 2 * *')).toBe('on the 2nd of every month at 12:00pm');
    expect(describeCron('*/5 * * * *')).toBeNull();
    expect(describeCron('0 7 * 1 3')).toBeNull();
  });

  it('lists complete and partial periods of each grain', () => {
    const view = buildAboutView({
      status: { refreshedAt: null, firstDay: '2026-01-01', lastDay: '2026-03-04', demo: null },
      refreshSchedule: '30 7 * * 3',
      builds: [],
    });
    const [months, weeks] = view.periods;
    expect(months).toMatchObject({
      firstComplete: 'January 2026',
      lastComplete: 'February 2026',
      completeCount: 2,
    });
    expect(months!.partial).toBe('March 2026');
    // 1 January 2026 is a Thursday: the first whole week starts on Monday 5 January; 2 March is partial.
    expect(weeks!.firstComplete).toMatch(/^Week commencing 5 January 2026/);
    expect(weeks!.partial).toMatch(/29 December 2025.*2 March 2026/);
    expect(view.schedule.text).toBe('Every Wednesday at 7:30am, UK time (Europe/London)');
  });
});

describe('data table view helpers', () => {
  const sel: DataSelection = {
    level: 'region',
    area: null,
    metrics: ['logins'],
    grain: 'month',
    from: null,
    to: null,
    includePartial: false,
    page: 1,
  };

  it('writes only non-default settings into URLs and hidden fields', () => {
    expect(dataUrl(sel)).toBe('/data');
    expect(dataUrl({ ...sel, page: 3 })).toBe('/data?page=3');
    expect(dataUrl({ ...sel, page: 3 }, { csv: true })).toBe('/data.csv');
    const full = {
      ...sel,
      level: 'practice' as const,
      area: 'QE1',
      metrics: ['logins', 'registrations'],
      grain: 'week' as const,
      from: '2026-01-05',
      to: '2026-02-02',
      includePartial: true,
      page: 2,
    };
    expect(dataUrl(full)).toBe(
      '/data?level=practice&area=QE1&metric=logins&metric=registrations&grain=week&from=2026-01-05&to=2026-02-02&partial=1&page=2',
    );
    expect(selectionFields(full).map((f) => f.name)).toEqual([
      'level',
      'area',
      'metric',
      'metric',
      'grain',
      'from',
      'to',
      'partial',
    ]);
  });

  it('numbers pages with the first, the last and two either side of the current one', () => {
    expect(pageNumbers(1, 1)).toEqual([1]);
    expect(pageNumbers(1, 4)).toEqual([1, 2, 3, 4]);
    expect(pageNumbers(10, 20)).toEqual([1, null, 8, 9, 10, 11, 12, null, 20]);
    expect(pageNumbers(20, 20)).toEqual([1, null, 18, 19, 20]);
  });

  it('shows a chosen area at the selected level when it is at or below the area', () => {
    expect(levelForArea('practice', 'icb')).toBe('practice');
    expect(levelForArea('region', 'icb')).toBe('icb');
  });

  it('writes CSV fields that spreadsheets read safely', () => {
    expect(csvField('Leeds, North')).toBe('"Leeds, North"');
    expect(csvField('Say "hi"')).toBe('"Say ""hi"""');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField(0.1 + 0.2)).toBe('0.30000000000000004');
    expect(csvField(null)).toBe('');
    expect(csvField(true)).toBe('true');
  });
});

describe('charts with peers, and their CSV', () => {
  const points: SeriesPoint[] = [
    { periodStart: '2026-08-01', value: 10, complete: true },
    { periodStart: '2026-09-01', value: 30, complete: true },
    { periodStart: '2026-10-01', value: 55.5, complete: true },
  ];
  const bands: PeerBand[] = points.map((p, i) => ({
    periodStart: p.periodStart,
    complete: true,
    p10: 5 + i,
    p25: 10 + i,
    p50: 20 + i,
    p75: 30 + i,
    p90: 50 + i,
    count: 36,
  }));
  const tile: SummaryTile = {
    metricId: 'logins',
    name: 'NHS App logins',
    shortName: 'Logins',
    description: 'Logins.',
    unit: 'events',
    polarity: 'higher_is_better',
    latest: points[2]!,
    previous: points[1]!,
    changePct: 85,
  };

  it('draws the band, says how to read it and where the area stands, and adds it to the table', () => {
    const view = chartView(tile, points, 'month', {
      csvHref: chartCsvHref({ level: 'icb', code: 'QE1' }, 'logins', 'month', false),
      peers: { bands, areasWord: 'ICBs', areaName: 'NHS Somewhere ICB' },
    });
    expect(view.csvHref).toBe('/areas/icb/QE1/chart.csv?metric=logins');
    expect(view.svg).toContain('app-chart__band-outer');
    expect(view.svg).toContain('spread across the 36 ICBs');
    expect(view.svg).toContain('In October 2026, NHS Somewhere ICB was among the highest 10% of ICBs.');
    expect(view.tableHead.map((h) => h.text)).toEqual([
      'Period',
      'Number',
      'Middle half of ICBs (25th to 75th percentile)',
      'Middle 80% of ICBs (10th to 90th percentile)',
      'Complete period',
    ]);
    expect(view.tableRows[0]!.map((c) => c.text)).toEqual([
      'August 2026',
      '10',
      '10 to 30',
      '5 to 50',
      'Yes',
    ]);
    const plain = chartView(tile, points, 'month');
    expect(plain.svg).not.toContain('app-chart__band');
    expect(plain.tableHead).toHaveLength(3);
    expect(plain.csvHref).toBeNull();
  });

  it('places a value in words relative to the band', () => {
    const b = bands[0]!;
    expect(bandPosition(4, b, 'PCNs')).toBe('among the lowest 10% of PCNs');
    expect(bandPosition(7, b, 'PCNs')).toBe('in the lowest quarter of PCNs');
    expect(bandPosition(20, b, 'PCNs')).toBe('in the middle half of PCNs');
    expect(bandPosition(40, b, 'PCNs')).toBe('in the highest quarter of PCNs');
    expect(bandPosition(60, b, 'PCNs')).toBe('among the highest 10% of PCNs');
  });

  it('writes the CSV of exactly the chart’s periods and band', () => {
    const text = chartCsv({
      area: { level: 'icb', code: 'QE1', name: 'NHS Somewhere, ICB' },
      metric: byId('logins'),
      grain: 'month',
      points,
      bands,
    });
    const rows = parse(text, { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(3);
    expect(rows[2]).toMatchObject({
      period_start: '2026-10-01',
      period_end: '2026-10-31',
      period: 'October 2026',
      complete: 'true',
      area_name: 'NHS Somewhere, ICB',
      // A count, rounded at the edge to a whole number (docs/adr/0022).
      value: '56',
      peers_p10: '7',
      peers_p90: '52',
      peers_count: '36',
    });
    expect(Object.keys(rows[0]!)).not.toContain('numerator');
  });

  it('states the percentile rank in a tile', () => {
    const base = {
      metricId: 'logins_per_1000',
      metricName: 'NHS App logins per 1,000 patients aged 13+',
      unit: 'per_1000',
      periodStart: '2026-10-01',
    };
    expect(
      peerText({ ...base, count: 36, value: 5, rank: 10, percentileRank: (25 / 35) * 100 }, 'icb', 'month'),
    ).toBe(
      'Higher than 71% of the other 35 ICBs on NHS App logins per 1,000 patients aged 13+ in October 2026 (ranked 10 of 36).',
    );
    expect(peerText({ ...base, count: 36, value: 9, rank: 1, percentileRank: 100 }, 'icb', 'month')).toMatch(
      /^Highest of the 36 ICBs/,
    );
    expect(
      peerText({ ...base, count: 1, value: 9, rank: 1, percentileRank: null }, 'icb', 'month'),
    ).toBeNull();
    expect(
      peerText({ ...base, count: 36, value: null, rank: null, percentileRank: null }, 'icb', 'month'),
    ).toBeNull();
  });
});
