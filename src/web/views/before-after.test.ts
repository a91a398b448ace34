import { describe, expect, it } from 'vitest';
import type { SeriesPoint, SummaryTile } from '../../query/types.ts';
import { beforeAfterView } from './before-after.ts';

/** Monthly points from January 2026, all complete. */
const months = (values: number[]): SeriesPoint[] =>
  values.map((value, i) => ({ periodStart: `2026-0${i + 1}-01`, value, complete: true }));

const tile = (metricId: string, shortName: string, unit: string) =>
  ({ metricId, shortName, name: shortName, unit, latest: null, previous: null }) as unknown as SummaryTile;

describe('beforeAfterView against the rest of England', () => {
  // Logins 1,000 → 1,200 a month from 1 March; England 11,000 → 11,200, so the rest of England stayed at
  // 10,000: the difference is the area's +20 %.
  const page = {
    grain: 'month' as const,
    area: { name: 'NHS Somewhere ICB', level: 'icb', code: 'QXX' },
    tiles: [tile('logins', 'Logins', 'events'), tile('pct', 'Registered', 'percent')],
    series: { logins: months([1000, 1000, 1200, 1200]), pct: months([50, 50, 60, 60]) },
    englandSeries: { logins: months([11000, 11000, 11200, 11200]), pct: months([40, 40, 40, 40]) },
  };

  it('gives each count’s change here, in the rest of England, and the difference with its interval', () => {
    const view = beforeAfterView(page, '2026-03-01')!;
    expect(view.rest!.caption).toBe(
      'The same months in NHS Somewhere ICB against the rest of England (England less NHS Somewhere ICB)',
    );
    // Rates are not compared at all; the count's rest: 10,000 → 10,000 a month, two months a side.
    expect(view.rest!.rows).toHaveLength(1);
    const row = view.rest!.rows[0]!;
    expect(row).toMatchObject({ name: 'Logins', here: '+20.0%', rest: '0.0%' });
    // ln(1.2) ± 1.96·√(1/2000 + 1/2400 + 2/20000) by hand: 0.18232 ± 0.06249.
    expect(row.difference).toBe(
      `+20.0% (95% interval +${((Math.exp(0.18232 - 0.06249) - 1) * 100).toFixed(1)}% to +${((Math.exp(0.18232 + 0.06249) - 1) * 100).toFixed(1)}%)`,
    );
    expect(row.verdict).toBe('Above the rest of England’s change, more than chance would explain');
    // The same comparison as CSV, from the API.
    expect(view.csvHref).toBe('/api/v1/before-after?level=icb&code=QXX&since=2026-03-01&format=csv');
    const { area: _area, ...england } = page;
    expect(beforeAfterView(england, '2026-03-01')!.csvHref).toBe(
      '/api/v1/before-after?since=2026-03-01&format=csv',
    );
  });

  it('says a change too small for one decimal as a rise or fall, not as "−less than"', () => {
    // The rest of England: 10,000 → 9,996 a month, −0.04 %.
    const view = beforeAfterView(
      { ...page, englandSeries: { logins: months([11000, 11000, 11196, 11196]) } },
      '2026-03-01',
    )!;
    expect(view.rest!.rows[0]!.rest).toBe('a fall of less than 0.1%');
  });

  it('has no such table without England’s figures (England’s own page) or with a period of them missing', () => {
    const { englandSeries: _, ...england } = page;
    expect(beforeAfterView(england, '2026-03-01')!.rest).toBeNull();
    expect(beforeAfterView(england, '2026-03-01')!.rows).toHaveLength(1);
    const gap = {
      logins: months([11000, 11000, 11200, 11200]).filter((p) => p.periodStart !== '2026-02-01'),
    };
    expect(beforeAfterView({ ...page, englandSeries: gap }, '2026-03-01')!.rest).toBeNull();
  });
});
