/**
 * No data is not zero (issue 11 item 4, ADR 0024). The metric cube is sparse: it stores a figure only where
 * there is one. Where an area has no stored figure for a loaded period:
 *
 * - a count or unique-user figure from activity events was zero (the events of the period were loaded and
 *   none matched), and a running total of one carries its last value;
 * - any other figure (the NHS feeds: practice snapshot, integrated partners, downloads, POMI; list sizes;
 *   ratios of stored figures) was not reported for that area and period: it is absent — `null` in the API,
 *   an empty CSV cell, "no data" on pages — never 0.
 *
 * Pure, so every reader (series, map, data table, breakdowns) applies the same rule.
 */
import { missingFigure } from './metric-kind.ts';

/** The metric as far as the rule needs it (its kind decides: src/domain/metric-kind.ts `missingFigure`). */
export type AbsentMetricRef = Parameters<typeof missingFigure>[0];

/**
 * Whether an area's missing figure for a loaded period means zero (true) or no data (false). A running
 * total with nothing stored yet is 0 (it carries its last value once it has one).
 */
export function absentMeansZero(metric: AbsentMetricRef): boolean {
  return missingFigure(metric) !== 'none';
}

/** The figure to show for a stored value that may be missing: 0 or null by the rule above. */
export function figureOrAbsent(metric: AbsentMetricRef, stored: number | null | undefined): number | null {
  if (stored !== null && stored !== undefined) return stored;
  return absentMeansZero(metric) ? 0 : null;
}

/** The text shown for an absent figure on pages and in picker labels. */
export const NO_DATA_TEXT = 'no data';

/** A picker label: the metric's label with "(no data)" when the selection has none of its figures. */
export function pickerLabel(text: string, metricId: string, withFigures: ReadonlySet<string> | null): string {
  return withFigures && !withFigures.has(metricId) ? `${text} (${NO_DATA_TEXT})` : text;
}
