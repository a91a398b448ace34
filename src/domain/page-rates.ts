/**
 * The rates the figure pages compare and draw bands on. Pure: the query layer reads figures with it and the
 * build (src/metrics/build.ts, step `peer-bands`) stores the peer bands of exactly these rates, so that both
 * follow one rule.
 */
import { isPatientRate, isStoredRatio, type MetricDefinition } from './metric-definition.ts';
import { metricsShownOn } from './placements.ts';

function isCount(metric: MetricDefinition): boolean {
  return metric.unit === 'events' || metric.unit === 'users';
}

/**
 * The rate a tile is compared on: the metric itself when it is a rate; for a count, the catalogue's rate per
 * 1,000 patients aged 13+ of that count, or else one derived from it (any count from events can be turned
 * into a rate, docs/adr/0006). Null when there is nothing to compare on.
 */
export function comparisonMetric(
  metric: MetricDefinition,
  catalogue: MetricDefinition[],
): { metric: MetricDefinition; numerator: MetricDefinition | null; derived: boolean } | null {
  const byId = new Map(catalogue.map((m) => [m.id, m]));
  if (isStoredRatio(metric)) return null;
  if (isPatientRate(metric)) {
    const numerator = metric.numerator ? (byId.get(metric.numerator) ?? null) : null;
    return numerator ? { metric, numerator, derived: false } : null;
  }
  if (!isCount(metric) || metric.source !== 'events' || metric.lowest_geography !== 'practice') return null;
  const rate = catalogue.find((m) => isPatientRate(m) && m.numerator === metric.id && m.unit === 'per_1000');
  if (rate) return { metric: rate, numerator: metric, derived: false };
  const derived: MetricDefinition = {
    ...metric,
    id: `${metric.id}_per_1000`,
    name: `${metric.name} per 1,000 patients aged 13+`,
    short_name: `${metric.short_name} per 1,000`,
    unit: 'per_1000',
    aggregation: 'ratio',
    numerator: metric.id,
    denominator: 'patients_13plus',
    multiplier: 1000,
  };
  return { metric: derived, numerator: metric, derived: true };
}

/** A rate over patients aged 13+ whose peer bands the build stores. */
export interface BandedRate {
  /** The rate's id (a catalogue rate, or `<count>_per_1000`). */
  metricId: string;
  /** The numerator metric's id. */
  numeratorId: string;
  multiplier: number;
}

/**
 * The rates area pages draw peer bands on: each headline metric's comparison rate (src/query/area-page.ts
 * draws a tile's band on the rate its trend shows). Bands of anything else are computed when asked for.
 */
export function bandedRates(catalogue: MetricDefinition[]): BandedRate[] {
  const out = new Map<string, BandedRate>();
  // The headline metrics (shown_on national_summary_headline in their YAML): their tiles draw the bands.
  for (const m of metricsShownOn(catalogue, 'national_summary_headline')) {
    const c = comparisonMetric(m, catalogue);
    if (!c?.numerator) continue;
    out.set(c.metric.id, {
      metricId: c.metric.id,
      numeratorId: c.numerator.id,
      multiplier: c.metric.multiplier ?? 1,
    });
  }
  return [...out.values()];
}
