/**
 * Statistical disclosure control for open data below national level (PRODUCT.md §11, issue 5), when
 * configured (OPEN_DATA_DISCLOSURE=on): counts from 1 to 7 are suppressed (shown as "*") and every other
 * count is rounded to the nearest 5 (halves up: 2.5 → 5). Zero stays zero. A rate over patients is worked
 * out again from its disclosed count (`discloseRate`): the exact rate times the open list size would give
 * the count back (ADR 0061). Pure.
 */
import { confidenceOf, type ComparisonMethod, type Confidence } from './statistics.ts';

/** The smallest count shown (anything from 1 to this minus one is suppressed). */
export const SUPPRESS_BELOW = 8;
export const ROUND_TO = 5;
export const SUPPRESSED_TEXT = '*';

export type DisclosedCount = { suppressed: true; value: null } | { suppressed: false; value: number };

/**
 * A count as it may be published: null for a suppressed count (1–7), otherwise rounded to the nearest 5.
 * Non-finite or negative input is passed through unchanged (not a count; the caller's problem).
 */
export function discloseCount(value: number): DisclosedCount {
  if (!Number.isFinite(value) || value < 0) return { suppressed: false, value };
  if (value === 0) return { suppressed: false, value: 0 };
  if (value < SUPPRESS_BELOW) return { suppressed: true, value: null };
  return { suppressed: false, value: Math.floor(value / ROUND_TO + 0.5) * ROUND_TO };
}

/** Whether disclosure control applies to a figure: only counts, only below England, only when configured. */
export function disclosureApplies(opts: { enabled: boolean; level: string; unit: string }): boolean {
  return opts.enabled && opts.level !== 'england' && (opts.unit === 'events' || opts.unit === 'users');
}

/** Parses OPEN_DATA_DISCLOSURE: on/off (also true/false, 1/0, yes/no); default off. */
export function parseDisclosureSetting(raw: string | undefined): boolean {
  const v = (raw ?? '').trim().toLowerCase();
  if (v === '' || v === 'off' || v === 'false' || v === '0' || v === 'no') return false;
  if (v === 'on' || v === 'true' || v === '1' || v === 'yes') return true;
  throw new Error(`must be "on" or "off", got "${raw}"`);
}

/** A rate's parts as the readers give them (src/domain/rate.ts): its count, its patients, its coverage. */
export interface RateParts {
  numerator: number;
  denominator: number;
  /** The count's share of the area's whole count (practices without a list size are left out); null: none. */
  coverage: number | null;
}

/** A rate as it may be published: worked out from the disclosed count, or suppressed with it. */
export type DisclosedRate =
  | { suppressed: true; value: null; numerator: null; coverage: null; confidence: null }
  | {
      suppressed: false;
      value: number;
      numerator: number;
      coverage: number | null;
      /** The intervals of the disclosed rate (none when the method gives none). */
      confidence: Confidence | null;
    };

/**
 * A rate over patients aged 13+ as it may be published under disclosure control: the disclosed count over
 * the (open) list size, suppressed when the count is. The coverage is the disclosed count over the
 * disclosed whole count, so no figure given out is worked out from an exact count.
 */
export function discloseRate(p: RateParts, multiplier: number, method: ComparisonMethod): DisclosedRate {
  const n = discloseCount(Math.round(p.numerator));
  if (n.suppressed || !(p.denominator > 0)) {
    return { suppressed: true, value: null, numerator: null, coverage: null, confidence: null };
  }
  let coverage: number | null = null;
  if (p.coverage === 0) coverage = 0;
  else if (p.coverage !== null && p.coverage > 0) {
    // The whole count the coverage is a share of, disclosed like any other count.
    const whole = discloseCount(Math.round(p.numerator / p.coverage));
    coverage = whole.suppressed || whole.value === 0 ? null : n.value / whole.value;
  }
  return {
    suppressed: false,
    value: (n.value / p.denominator) * multiplier,
    numerator: n.value,
    coverage,
    confidence: confidenceOf(method, n.value, p.denominator, multiplier),
  };
}
