/**
 * Statistical disclosure control for open data below national level (PRODUCT.md §11, issue 5), when
 * configured (OPEN_DATA_DISCLOSURE=on): counts from 1 to 7 are suppressed (shown as "*") and every other
 * count is rounded to the nearest 5 (halves up: 2.5 → 5). Zero stays zero. Rates and percentages are not
 * counts and are left alone by callers. Pure.
 */

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
