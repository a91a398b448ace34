import { describe, expect, it } from 'vitest';
import { loadCatalogue } from '../metrics/catalogue.ts';
import { buildableMetrics } from '../metrics/build.ts';
import { builtBy, isKind, metricKind, missingFigure, missingValue, rollUp } from './metric-kind.ts';
import { percentChange } from './rate.ts';

const catalogue = loadCatalogue();
const byId = new Map(catalogue.map((m) => [m.id, m]));
const metric = (id: string) => {
  const m = byId.get(id);
  if (!m) throw new Error(`no metric ${id} in the catalogue`);
  return m;
};

describe('the metric model (src/domain/metric-kind.ts)', () => {
  it('compiles each kind of YAML definition into its kind', () => {
    expect(metricKind(metric('logins'))).toEqual({ kind: 'count' });
    expect(metricKind(metric('unique_logins'))).toEqual({ kind: 'unique_users' });
    expect(metricKind(metric('unique_logins_12m'))).toEqual({ kind: 'rolling_window', months: 12 });
    expect(metricKind(metric('patients_13plus'))).toEqual({ kind: 'feed_figure', source: 'list_sizes' });
    const cumulative = catalogue.find((m) => m.aggregation === 'cumulative')!;
    expect(metricKind(cumulative)).toEqual({ kind: 'running_total', of: cumulative.of });
    const perThousand = catalogue.find((m) => m.denominator === 'patients_13plus' && m.unit === 'per_1000')!;
    expect(metricKind(perThousand)).toEqual({
      kind: 'patient_rate',
      numerator: perThousand.numerator,
      multiplier: 1000,
    });
    const stored = catalogue.find((m) => m.aggregation === 'ratio' && m.denominator !== 'patients_13plus')!;
    expect(metricKind(stored).kind).toBe('ratio');
    expect(metricKind({ aggregation: 'snapshot', source: 'mi_publication' })).toEqual({ kind: 'published' });
  });

  it('says what a missing figure is: 0 for counts of events, carried for running totals, else no data', () => {
    expect(missingFigure(metric('logins'))).toBe('zero');
    expect(missingFigure(metric('unique_logins_12m'))).toBe('zero');
    expect(missingFigure(catalogue.find((m) => m.aggregation === 'cumulative')!)).toBe('carry');
    expect(missingFigure(metric('patients_13plus'))).toBe('none');
    for (const m of catalogue.filter((x) => x.source !== 'events'))
      expect(missingFigure(m), m.id).toBe('none');
    for (const m of catalogue.filter((x) => x.aggregation === 'ratio'))
      expect(missingFigure(m), m.id).toBe('none');
    expect(missingValue(metric('logins'), 7, 0)).toBe(0);
    expect(
      missingValue(
        catalogue.find((m) => m.aggregation === 'cumulative')!,
        7,
        0,
      ),
    ).toBe(7);
    expect(missingValue(metric('patients_13plus'), 7, 0)).toBeNull();
  });

  it('rolls unique users up by counting them again, counts and feeds by summing, rates from their parts', () => {
    expect(rollUp(metric('logins'))).toBe('sum');
    expect(rollUp(metric('unique_logins'))).toBe('recount');
    expect(rollUp(metric('unique_logins_12m'))).toBe('recount');
    expect(rollUp(metric('patients_13plus'))).toBe('sum');
    for (const m of catalogue.filter((x) => x.aggregation === 'ratio'))
      expect(rollUp(m), m.id).toBe('from-parts');
  });

  it('builds every catalogue metric in the step its kind names, or reads it when asked for', () => {
    const built = new Set(buildableMetrics(catalogue).map((m) => m.id));
    for (const m of catalogue) {
      const step = builtBy(m);
      if (step === null) {
        expect(isKind(m, 'patient_rate', 'published'), m.id).toBe(true);
        expect(built.has(m.id), m.id).toBe(false);
      } else if (step === 'denominators') {
        expect(m.id).toBe('patients_13plus');
      } else {
        expect(built.has(m.id), `${m.id} (${step})`).toBe(true);
      }
    }
    expect(builtBy(metric('unique_logins_12m'))).toBe('rolling-12-month-users');
    expect(builtBy(metric('patients_all'))).toBe('list-sizes');
  });
});

describe('percentChange', () => {
  it('is the change in per cent, and nothing when there is nothing to change from', () => {
    expect(percentChange(150, 100)).toBe(50);
    expect(percentChange(75, 100)).toBe(-25);
    expect(percentChange(5, 0)).toBeNull();
    expect(percentChange(null, 100)).toBeNull();
    expect(percentChange(100, undefined)).toBeNull();
    expect(percentChange(0, 40)).toBe(-100);
  });
});
