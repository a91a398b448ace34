/**
 * The metric model (issue 9 item 1): each YAML definition compiles into one typed kind that owns what the
 * metric means — how the build makes it, how it rolls up from practices to areas, what a missing figure
 * is, how its rate is formed and what a zero denominator gives. Every consumer asks here (or through
 * `metricKind`) rather than testing `aggregation`, `source` and `denominator` itself, so no rule is written
 * twice. Pure.
 *
 * | kind              | YAML                                             | built by              | rolls up          | missing figure |
 * | ----------------- | ------------------------------------------------ | --------------------- | ----------------- | -------------- |
 * | `count`           | event_count from events                          | `event-counts`        | sum               | 0              |
 * | `unique_users`    | unique_users from events, window period          | `unique-users`        | recount users     | 0              |
 * | `rolling_window`  | unique_users, window rolling_12_months           | `rolling-12-month-u…` | recount users     | 0              |
 * | `running_total`   | cumulative (of a count from events)              | `running-totals`      | sum, then total   | carried        |
 * | `feed_figure`     | a column of an NHS feed, or list sizes           | `feed-figures` …      | sum               | no data        |
 * | `patient_rate`    | ratio over patients_13plus                       | computed when read    | from summed parts | no data        |
 * | `ratio`           | ratio of two stored metrics (e.g. a percentage)  | `ratios`              | from stored parts | no data        |
 * | `published`       | the MI publication (national, as published)      | the MI feed's loader  | not rolled up     | no data        |
 *
 * The formulas: a rate over patients aged 13+ is `patientRate` (src/domain/rate.ts: no denominator, no
 * rate); a ratio of two stored metrics is stored by the build (`buildSql.storedRatio`: numerator ÷
 * denominator × multiplier where the denominator is above 0, else no cell, which reads as no data); a change
 * between two figures is `percentChange` (src/domain/rate.ts).
 */
import { isPatientRate, PATIENTS_13PLUS, type MetricDefinition } from './metric-definition.ts';

export type MetricKind =
  | { readonly kind: 'count' }
  | { readonly kind: 'unique_users' }
  | { readonly kind: 'rolling_window'; readonly months: 12 }
  | { readonly kind: 'running_total'; readonly of: string }
  | { readonly kind: 'feed_figure'; readonly source: FeedSource }
  | { readonly kind: 'patient_rate'; readonly numerator: string | null; readonly multiplier: number }
  | {
      readonly kind: 'ratio';
      readonly numerator: string;
      readonly denominator: string;
      readonly multiplier: number;
    }
  | { readonly kind: 'published' };

export type KindName = MetricKind['kind'];

/** The NHS's own files whose figures are kept under catalogue ids (ADR 0007), and the list sizes. */
export type FeedSource = Exclude<MetricDefinition['source'], 'events' | 'mi_publication'>;

/**
 * What the kind is compiled from: a catalogue definition, or the few fields other rules carry about (the
 * open-data rule's references are loose: see src/domain/access.ts OpenMetricRef).
 */
export type KindInput = Partial<
  Pick<MetricDefinition, 'id' | 'window' | 'of' | 'numerator' | 'denominator' | 'multiplier'>
> & { readonly aggregation?: string; readonly source?: string };

/** Compiles a definition into its kind. The schema has already refused impossible combinations. */
export function metricKind(m: KindInput): MetricKind {
  if (m.aggregation === 'ratio') {
    const multiplier = m.multiplier ?? 1;
    if (isPatientRate(m)) return { kind: 'patient_rate', numerator: m.numerator ?? null, multiplier };
    return { kind: 'ratio', numerator: m.numerator!, denominator: m.denominator!, multiplier };
  }
  if (m.aggregation === 'cumulative') return { kind: 'running_total', of: m.of! };
  if (m.source === 'mi_publication') return { kind: 'published' };
  if (m.source !== 'events') return { kind: 'feed_figure', source: m.source as FeedSource };
  if (m.aggregation === 'unique_users') {
    return m.window === 'rolling_12_months'
      ? { kind: 'rolling_window', months: 12 }
      : { kind: 'unique_users' };
  }
  return { kind: 'count' };
}

/** Whether the metric is one of these kinds (for filters: `catalogue.filter((m) => isKind(m, 'count'))`). */
export function isKind(m: KindInput, ...kinds: KindName[]): boolean {
  return kinds.includes(metricKind(m).kind);
}

/**
 * What an area's missing figure for a loaded period is (issue 11 item 4, ADR 0024): 0 for counts of activity
 * events (the period's events were loaded and none matched), the last total carried for a running total of
 * one, and no data for everything else (a feed or a ratio not reported is absent, never 0).
 */
export function missingFigure(m: KindInput): 'zero' | 'carry' | 'none' {
  switch (metricKind(m).kind) {
    case 'count':
    case 'unique_users':
    case 'rolling_window':
      return 'zero';
    case 'running_total':
      return 'carry';
    default:
      return 'none';
  }
}

/**
 * The figure for a loaded period without a stored one, by `missingFigure`: `zero`, the figure `carried` from
 * the period before (a running total), or null (no data). Readers walk periods in order and pass the last.
 */
export function missingValue<T>(m: KindInput, carried: T, zero: T): T | null {
  const rule = missingFigure(m);
  return rule === 'zero' ? zero : rule === 'carry' ? carried : null;
}

/**
 * How practices' figures make an area's: summed, users counted again at each level (a user who used two
 * practices of an ICB is one user of the ICB), derived from summed parts (rates), or not at all.
 */
export function rollUp(m: KindInput): 'sum' | 'recount' | 'from-parts' | 'none' {
  switch (metricKind(m).kind) {
    case 'count':
    case 'feed_figure':
    case 'running_total':
      return 'sum';
    case 'unique_users':
    case 'rolling_window':
      return 'recount';
    case 'patient_rate':
    case 'ratio':
      return 'from-parts';
    case 'published':
      return 'none';
  }
}

/**
 * The build step that stores the metric's cells (src/metrics/build.ts BUILD_STEPS; `build --explain` lists
 * them), or null when it is computed when read (rates over patients aged 13+) or loaded as published.
 * The 13+ list sizes are the rates' denominators, stored apart by the step `denominators`.
 */
export type KindBuildStep =
  | 'event-counts'
  | 'unique-users'
  | 'rolling-12-month-users'
  | 'feed-figures'
  | 'list-sizes'
  | 'denominators'
  | 'running-totals'
  | 'ratios';

export function builtBy(m: KindInput): KindBuildStep | null {
  const k = metricKind(m);
  switch (k.kind) {
    case 'count':
      return 'event-counts';
    case 'unique_users':
      return 'unique-users';
    case 'rolling_window':
      return 'rolling-12-month-users';
    case 'feed_figure':
      if (k.source !== 'list_sizes') return 'feed-figures';
      return m.id === PATIENTS_13PLUS ? 'denominators' : 'list-sizes';
    case 'running_total':
      return 'running-totals';
    case 'ratio':
      return 'ratios';
    case 'patient_rate':
    case 'published':
      return null;
  }
}
