/**
 * The one formula for a rate over patients aged 13+ (docs/adr/0006, 0024): every reader — series, data
 * table, area children, the API's breakdown — takes its value from here, so none can differ on the formula or
 * on what a zero denominator means.
 */

export interface PatientRateParts {
  /** The numerator metric's stored value for the area and period (all its practices). */
  stored: number;
  /** The part of `stored` from practices without a list size: left out, as their patients are. */
  uncovered: number;
  /** Patients aged 13+ of the practices with a list size; null when none has one. */
  patients13plus: number | null;
  /** The demo scale on demo data, else 1. */
  patientScale: number;
  /** 1,000 for "per 1,000 patients", 100 for a percentage. */
  multiplier: number;
}

export interface PatientRate {
  value: number;
  numerator: number;
  denominator: number;
  /** The share of the numerator metric the rate covers (null when the metric is 0). */
  coverage: number | null;
}

/** The rate, or null when there is no denominator: no data, never 0 (src/domain/no-data.ts). */
export function patientRate(p: PatientRateParts): PatientRate | null {
  if (p.patients13plus === null || !(p.patients13plus > 0) || !(p.patientScale > 0)) return null;
  const numerator = p.stored - p.uncovered;
  const denominator = p.patients13plus * p.patientScale;
  return {
    value: (numerator / denominator) * p.multiplier,
    numerator,
    denominator,
    coverage: p.stored > 0 ? numerator / p.stored : null,
  };
}

/**
 * The change of `value` on `from`, in per cent (also "how far the computed figure is from the official
 * one"); null when either is missing or `from` is 0 (no change can be said from nothing). The one formula for
 * changes on pages, in the API, CSVs and the CLI.
 */
export function percentChange(
  value: number | null | undefined,
  from: number | null | undefined,
): number | null {
  if (value === null || value === undefined || from === null || from === undefined || from === 0) return null;
  return ((value - from) / Math.abs(from)) * 100;
}
