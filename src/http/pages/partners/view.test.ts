import { describe, expect, it } from 'vitest';
import { buildPartnersView, type JumpOffSourceInput } from './view.ts';

// 15 complete months, January 2025 to March 2026.
const periods = Array.from({ length: 15 }, (_, i) => ({
  periodStart: `${2025 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}-01`,
  complete: true,
}));
/** A provider's monthly clicks: `before` in January–March 2025, `after` in January–March 2026, 10 between. */
const clicks = (before: number, after: number) =>
  periods.map((_, i) => (i < 3 ? before : i >= 12 ? after : 10));
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

describe('buildPartnersView: is it growing?', () => {
  const providers = [
    { provider: 'Growing', values: clicks(20, 30) },
    { provider: 'Shrinking', values: clicks(40, 30) },
    { provider: 'Flat', values: clicks(10_000, 10_001) },
    { provider: 'New', values: clicks(0, 5) },
  ];
  const all = periods.map((_, i) => sum(providers.map((p) => p.values[i]!)));
  const source: JumpOffSourceInput = {
    source: 'events',
    hasFigures: true,
    total: sum(all),
    feedDays: null,
    periods: periods.map((p, i) => ({ ...p, total: all[i]! })),
    providers: providers.map((p) => ({ ...p, total: sum(p.values), share: sum(p.values) / sum(all) })),
    services: [],
  };
  const view = buildPartnersView(
    { area: { level: 'icb', code: 'QWO', name: 'NHS West Yorkshire ICB', isCurrent: true }, grain: 'month' },
    [source],
  );
  const s = view.sources[0]!;

  it('gives each provider’s last 3 months against the same months a year earlier', () => {
    expect(s.providerHead[3]).toBe('Last 3 months on a year earlier');
    expect(s.providerRows.map((r) => [r[0], r[3]])).toEqual([
      ['Growing', '+50.0%'],
      ['Shrinking', '−25.0%'],
      // 30,003 against 30,000: under 0.05%.
      ['Flat', '0.0%'],
      // Nothing a year earlier: no percentage, rather than growth from nothing.
      ['New', '–'],
    ]);
  });

  it('says it in the summary for all providers together', () => {
    // 90 + 90 + 30,003 + 15 = 30,198 against 60 + 120 + 30,000 + 0 = 30,180: up 0.06%.
    expect(s.summary).toContain(
      'In the last 3 months (January 2026 to March 2026) there were 30,198, up 0.1% on the same months a year earlier (30,180).',
    );
  });
});
