import { describe, expect, it } from 'vitest';
import { createTestQueries, TEST_METRICS } from '../../../../test/support/in-memory-queries.ts';
import type { NationalSummary } from '../../../query/types.ts';
import { changePct } from '../../../query/national-summary.ts';
import { tileView } from '../../../web/views/metric-panels.ts';
import { buildNationalSummaryView } from './view.ts';

describe('buildNationalSummaryView', () => {
  it('formats tiles, sentences and tables for a monthly summary', async () => {
    const summary = await createTestQueries().nationalSummary({ grain: 'month', includePartial: false });
    const view = buildNationalSummaryView(summary);
    expect(view.refreshedText).toBe('18 November 2026 at 7:45am');
    expect(view.completeUpToText).toBe('31 October 2026');
    expect(view.demo).toEqual({
      scaleText: '0.01',
      seedText: '42',
      generatedText: '18 November 2026 at 7:30am',
    });

    const logins = view.tiles.find((t) => t.id === 'logins')!;
    expect(logins).toMatchObject({ heading: 'Logins', valueText: '2,188,000', periodText: 'October 2026' });
    expect(logins.change).toMatchObject({
      arrow: '▲',
      directionWords: 'Up',
      text: '4.2% on the previous month',
    });
    // The change is neutral: no better/worse judgement, whatever the polarity.
    expect(logins.change).not.toHaveProperty('judgement');
    const cancelled = view.tiles.find((t) => t.id === 'appointments_cancelled')!;
    expect(cancelled.change).toMatchObject({ arrow: '▲', directionWords: 'Up' });
    expect(cancelled.change).not.toHaveProperty('judgement');

    const pct = view.tiles.find((t) => t.id === 'pct_registered')!;
    expect(pct.valueText).toBe('76.0%');
    expect(pct.change?.text).toBe('0.4 percentage points on the previous month');

    const chart = view.charts[0]!;
    expect(chart.summary).toBe(
      'Logins rose 4.2% from 2,100,000 in September 2026 to 2,188,000 in October 2026.',
    );
    expect(chart.rows).toHaveLength(6);
    expect(chart.rows[5]).toEqual({ period: 'October 2026', value: '2,188,000', complete: 'Yes' });
    expect(chart.hasPartial).toBe(false);
    expect(chart.svg).toContain('role="img"');
    expect(chart.svg).toContain('class="app-chart__svg app-chart__svg--wide"');
    expect(chart.svgNarrow).toContain('viewBox="0 0 360 240"');
    expect(chart.svgNarrow).toContain('id="chart-logins-narrow-title"');
  });

  it('marks the partial period when asked to include it', async () => {
    const summary = await createTestQueries().nationalSummary({ grain: 'week', includePartial: true });
    const view = buildNationalSummaryView(summary);
    expect(view.completeUpToText).toBe('15 November 2026');
    expect(view.hasPartial).toBe(true);
    const chart = view.charts[0]!;
    expect(chart.rows[chart.rows.length - 1]).toEqual({
      period: 'Week commencing 16 November 2026 (partial)',
      value: '301,112',
      complete: 'No (partial)',
    });
    expect(chart.svg).toContain('stroke-dasharray');
    expect(chart.caption).toBe(
      'Weekly, from the week commencing 28 September 2026 to the week commencing 16 November 2026 (partial)',
    );
    // Tiles stay on the latest complete period.
    expect(view.tiles[0]!.periodText).toBe('Week commencing 9 November 2026');
  });

  it('copes with no data at all', () => {
    const empty: NationalSummary = {
      grain: 'month',
      includePartial: false,
      status: { refreshedAt: null, firstDay: null, lastDay: null, demo: null },
      areaLevel: 'england',
      areaCode: 'E92000001',
      areaName: 'England',
      tiles: [
        {
          metricId: 'logins',
          name: TEST_METRICS[0]!.name,
          shortName: 'Logins',
          description: 'x',
          unit: 'events',
          polarity: 'higher_is_better',
          latest: null,
          previous: null,
          changePct: null,
          yearEarlier: null,
          changeOnYearPct: null,
        },
      ],
      series: {},
    };
    const view = buildNationalSummaryView(empty);
    expect(view.refreshedText).toBeNull();
    expect(view.completeUpToText).toBeNull();
    expect(view.demo).toBeNull();
    expect(view.tiles[0]).toMatchObject({ valueText: '–', change: null, noChangeText: 'No figures yet' });
    expect(view.charts[0]!.summary).toBe('There are no figures for logins yet.');
    expect(view.charts[0]!.svg).toContain('No figures to show');
  });

  it('never shows a change to or from a partial period', () => {
    const latest = { periodStart: '2026-11-01', value: 10, complete: false };
    const previous = { periodStart: '2026-10-01', value: 100, complete: true };
    const tile = {
      metricId: 'logins',
      name: 'NHS App logins',
      shortName: 'Logins',
      description: 'Logins.',
      unit: 'events',
      polarity: 'higher_is_better' as const,
      latest,
      previous,
      changePct: changePct(latest, previous),
      yearEarlier: null,
      changeOnYearPct: null,
    };
    // The query's change is null (the API's changePct too), and the tile says why instead of a change.
    expect(tile.changePct).toBeNull();
    expect(changePct({ ...latest, complete: true }, previous)).toBe(-90);
    const view = tileView(tile, 'month');
    expect(view.periodText).toBe('November 2026 (partial)');
    expect(view.change).toBeNull();
    expect(view.noChangeText).toBe('No change shown for a partial month');
  });

  it('shows only the periods of the range, in the table, the chart and the CSV link', async () => {
    const summary = await createTestQueries().nationalSummary({ grain: 'month', includePartial: false });
    // Six months, May to October 2026. 13 weeks ending 31 October start on 2 August: August to October.
    const view = buildNationalSummaryView(summary, null, null, { range: '13w' });
    const chart = view.charts[0]!;
    expect(chart.rows.map((r) => r.period)).toEqual(['August 2026', 'September 2026', 'October 2026']);
    expect(chart.caption).toBe('Monthly, from August 2026 to October 2026');
    expect(chart.csvHref).toBe('/areas/england/E92000001/chart.csv?metric=logins&range=13w');
    expect(view.range.options.find((o) => o.checked)!.value).toBe('13w');
    // The default (12 months) keeps all six, and writes no range into links.
    const all = buildNationalSummaryView(summary);
    expect(all.charts[0]!.rows).toHaveLength(6);
    expect(all.charts[0]!.csvHref).toBe('/areas/england/E92000001/chart.csv?metric=logins');
    // Tiles stay on the latest period whatever the range.
    expect(view.tiles[0]!.valueText).toBe('2,188,000');
  });

  it('adds a 4-week rolling average to weekly charts, as a line and a column', async () => {
    const summary = await createTestQueries().nationalSummary({ grain: 'week', includePartial: true });
    const view = buildNationalSummaryView(summary, null, null, { range: '8w', average: true });
    const chart = view.charts[0]!;
    expect(chart.tableHead.map((h) => h.text)).toEqual([
      'Period',
      'Number',
      '4-week rolling average',
      'Complete period',
    ]);
    // Logins 480,100, 495,300, 501,220, 498,010, 512,900, 520,400, 531,250 and a partial 301,112:
    // (480,100 + 495,300 + 501,220 + 498,010) / 4 = 493,657.5 → 493,658; then 501,857.5, 508,132.5 and
    // 515,640; none for the first three weeks or the partial week.
    expect(chart.tableRows.map((r) => r[2]!.text)).toEqual([
      '–',
      '–',
      '–',
      '493,658',
      '501,858',
      '508,133',
      '515,640',
      '–',
    ]);
    expect(chart.svg).toContain('app-chart__benchmark--average');
    expect(chart.averageNote).toMatch(/4-week rolling average/);
    // Monthly charts have no average, whatever the URL says.
    const monthly = await createTestQueries().nationalSummary({ grain: 'month', includePartial: false });
    const m = buildNationalSummaryView(monthly, null, null, { average: true });
    expect(m.charts[0]!.tableHead.map((h) => h.text)).not.toContain('4-week rolling average');
    expect(m.range.averageOffered).toBe(false);
  });
});
