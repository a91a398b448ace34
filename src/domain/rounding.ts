/**
 * Rounding at the edge (docs/adr/0022): figures are computed in full precision and rounded only where they
 * leave the product (API answers, CSV files, pages), by the one rule below, so a value reads the same
 * everywhere and carries no floating-point noise (13.712400000000002 → 13.7).
 *
 * - counts (events, users, patients, downloads, practices), numerators and denominators: whole numbers;
 * - rates per 1,000 patients and their confidence limits: 1 decimal place;
 * - percentages and their confidence limits, and percentage changes: 1 decimal place;
 * - coverage (a share from 0 to 1): 4 decimal places (so 99.97% reads as 0.9997).
 */

/** Decimal places per unit of the catalogue (metric-definition.ts `unit`). */
export const DECIMALS_BY_UNIT: Readonly<Record<string, number>> = {
  events: 0,
  users: 0,
  patients: 0,
  downloads: 0,
  practices: 0,
  per_1000: 1,
  percent: 1,
};

/** Decimal places of a percentage change, and of coverage (a share 0–1). */
export const CHANGE_DECIMALS = 1;
export const COVERAGE_DECIMALS = 4;

/**
 * `value` rounded half away from zero to `decimals` places, as the nearest double (so it prints without
 * noise). Non-finite values are returned as they are; -0 becomes 0.
 */
export function roundTo(value: number, decimals: number): number {
  if (!Number.isFinite(value)) return value;
  // A whole number is its own rounding to any number of decimals (most counts): no string round trip.
  if (Number.isInteger(value) && decimals >= 0) return value === 0 ? 0 : value;
  const factor = 10 ** decimals;
  // toPrecision(15) first drops the representation error (1.005 is stored as 1.00499999…), so halves
  // round away from zero as written.
  const scaled = Number((Math.abs(value) * factor).toPrecision(15));
  const rounded = (Math.sign(value) * Math.round(scaled)) / factor;
  return rounded === 0 ? 0 : rounded;
}

/** A figure in `unit` rounded by the rule above; null and undefined stay as they are. */
export function roundFigure<T extends number | null | undefined>(value: T, unit: string): T {
  if (value === null || value === undefined) return value;
  return roundTo(value, DECIMALS_BY_UNIT[unit] ?? 1) as T;
}

/** A count (numerator, denominator, patients): a whole number. */
export function roundCount<T extends number | null | undefined>(value: T): T {
  if (value === null || value === undefined) return value;
  return roundTo(value, 0) as T;
}

export function roundChange<T extends number | null | undefined>(value: T): T {
  if (value === null || value === undefined) return value;
  return roundTo(value, CHANGE_DECIMALS) as T;
}

export function roundCoverage<T extends number | null | undefined>(value: T): T {
  if (value === null || value === undefined) return value;
  return roundTo(value, COVERAGE_DECIMALS) as T;
}

/** The rule in words, for the dictionary page and the README. */
export const ROUNDING_RULE = [
  'Counts (events, users, patients, downloads, practices), and the numerators and denominators of rates, are whole numbers.',
  'Rates per 1,000 patients and their confidence limits have 1 decimal place.',
  'Percentages, their confidence limits and percentage changes have 1 decimal place.',
  'Coverage (the share of a figure that a rate includes, from 0 to 1) has 4 decimal places in the API and CSV files.',
  'Figures are computed in full and rounded only when shown or sent, half away from zero; a rate is never computed from rounded parts.',
] as const;
