/** Charts with peers, and the chart CSVs. Pure. */
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { loadCatalogue } from '../../metrics/catalogue.ts';
import type { PeerBand } from '../../query/types.ts';
import type { SeriesPoint, SummaryTile } from '../../query/types.ts';
import { chartCsvHref } from '../../http/pages/area/state.ts';
import { bandPosition, chartCsv, chartView } from './metric-panels.ts';

const catalogue = loadCatalogue();
const byId = (id: string) => catalogue.find((m) => m.id === id)!;

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
    yearEarlier: null,
    changeOnYearPct: null,
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

  it('names the rate drawn in a sentence, keeping an acronym that starts it', () => {
    const rates = (name: string) =>
      chartView(tile, points, 'month', {
        trend: { name, unit: 'per_1000', area: points, parent: null, england: { name: 'England', points } },
        peers: { bands, areasWord: 'ICBs', areaName: 'NHS Somewhere ICB' },
      }).linesNote;
    expect(rates('GP appointments booked in the NHS App per 1,000 patients aged 13+')).toBe(
      'The chart shows GP appointments booked in the NHS App per 1,000 patients aged 13+: NHS Somewhere ICB as a solid blue line, England as a purple dotted line.',
    );
    expect(rates('Users logging in per 1,000 patients aged 13+')).toMatch(
      /^The chart shows users logging in per 1,000/,
    );
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
});
