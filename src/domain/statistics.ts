/**
 * Confidence intervals and the comparison verdict, the way Fingertips (OHID, formerly PHE) computes them
 * (docs/adr/0022):
 *
 * - proportions (a percentage of patients): Wilson's score interval;
 * - rates per 1,000 patients (counts over a population): Byar's approximation to the exact Poisson
 *   interval of the count, divided by the denominator and multiplied by 1,000; for a count of 0 the lower
 *   limit is 0 (Byar's lower formula is undefined there) and the upper one is Byar's at 0;
 * - 95% (z = 1.959964) and 99.8% (z = 3.090232) levels;
 * - the verdict compares an area's 95% interval with the benchmark's value (a point, not its interval):
 *   wholly above → higher, wholly below → lower, otherwise similar; read through the metric's polarity as
 *   better / worse / similar, or left as higher / lower / similar when the metric has no polarity.
 *
 * Pure functions; no I/O.
 */

/** z for a two-sided 95% interval (Fingertips' value). */
export const Z_95 = 1.959964;
/** z for a two-sided 99.8% interval (Fingertips' value). */
export const Z_998 = 3.090232;

export interface Interval {
  lower: number;
  upper: number;
}

/**
 * Wilson's score interval for a proportion of `successes` out of `trials`, as a share (0–1). Null when
 * there is no interval to compute: no trials, a negative or non-finite count, or more successes than trials.
 */
export function wilsonInterval(successes: number, trials: number, z: number): Interval | null {
  if (!Number.isFinite(successes) || !Number.isFinite(trials) || !(trials > 0)) return null;
  if (successes < 0 || successes > trials) return null;
  const p = successes / trials;
  const z2 = z * z;
  const centre = 2 * successes + z2;
  const spread = z * Math.sqrt(z2 + 4 * successes * (1 - p));
  const denominator = 2 * (trials + z2);
  return {
    lower: Math.max(0, (centre - spread) / denominator),
    upper: Math.min(1, (centre + spread) / denominator),
  };
}

/**
 * Byar's interval for a Poisson count `observed`: lower = O(1 − 1/(9O) − z/(3√O))³ (0 when O = 0, and
 * never below 0), upper = (O+1)(1 − 1/(9(O+1)) + z/(3√(O+1)))³. Null for a negative or non-finite count.
 */
export function byarInterval(observed: number, z: number): Interval | null {
  if (!Number.isFinite(observed) || observed < 0) return null;
  const o = observed;
  const lower = o === 0 ? 0 : Math.max(0, o * (1 - 1 / (9 * o) - z / (3 * Math.sqrt(o))) ** 3);
  const o1 = o + 1;
  const upper = o1 * (1 - 1 / (9 * o1) + z / (3 * Math.sqrt(o1))) ** 3;
  return { lower, upper };
}

/** How a metric's figure can be given a confidence interval (from the catalogue: comparisonOf). */
export type ComparisonMethod = 'rate-per-1000' | 'proportion' | 'none';

/** A figure's 95% and 99.8% intervals, in the figure's own unit (per 1,000 or per cent). */
export interface Confidence {
  lowerCi95: number;
  upperCi95: number;
  lowerCi998: number;
  upperCi998: number;
}

/**
 * A rate's interval at `z`: Wilson's for a proportion, Byar's count interval over the denominator otherwise.
 * A function of its own rather than a closure: it runs for every period of every rate a page shows.
 */
function intervalAt(
  method: ComparisonMethod,
  numerator: number,
  denominator: number,
  z: number,
): Interval | null {
  if (method === 'proportion') return wilsonInterval(numerator, denominator, z);
  const count = byarInterval(numerator, z);
  return count && { lower: count.lower / denominator, upper: count.upper / denominator };
}

/**
 * The intervals of a rate or proportion from its parts: `numerator` events or people out of `denominator`
 * patients, shown × `multiplier` (1,000 for a rate per 1,000, 100 for a percentage). Null when no interval
 * can be computed: method 'none', no denominator, or parts a proportion cannot have (more than all).
 */
export function confidenceOf(
  method: ComparisonMethod,
  numerator: number | null | undefined,
  denominator: number | null | undefined,
  multiplier: number,
): Confidence | null {
  if (method === 'none' || numerator === null || numerator === undefined) return null;
  if (denominator === null || denominator === undefined) return null;
  if (!(denominator > 0) || !Number.isFinite(denominator)) return null;
  const ci95 = intervalAt(method, numerator, denominator, Z_95);
  const ci998 = intervalAt(method, numerator, denominator, Z_998);
  if (!ci95 || !ci998) return null;
  return {
    lowerCi95: ci95.lower * multiplier,
    upperCi95: ci95.upper * multiplier,
    lowerCi998: ci998.lower * multiplier,
    upperCi998: ci998.upper * multiplier,
  };
}

export type Polarity = 'higher_is_better' | 'lower_is_better' | 'neutral';

/** The comparison verdict of an area against a benchmark (England or the parent area). */
export const VERDICTS = ['better', 'similar', 'worse', 'higher', 'lower', 'not-compared'] as const;
export type Verdict = (typeof VERDICTS)[number];

/**
 * Fingertips' rule: the area's interval against the benchmark's value. Wholly above it → higher, wholly
 * below → lower, touching or containing it → similar; with a polarity, higher and lower read as better or
 * worse. 'not-compared' when either is missing (no interval could be computed, or no benchmark figure).
 */
export function compareWithBenchmark(
  interval: { lower: number; upper: number } | null,
  benchmark: number | null | undefined,
  polarity: Polarity,
): Verdict {
  if (!interval || benchmark === null || benchmark === undefined) return 'not-compared';
  if (!Number.isFinite(benchmark)) return 'not-compared';
  if (!Number.isFinite(interval.lower) || !Number.isFinite(interval.upper)) return 'not-compared';
  let side: 'higher' | 'lower' | 'similar' = 'similar';
  if (interval.lower > benchmark) side = 'higher';
  else if (interval.upper < benchmark) side = 'lower';
  if (side === 'similar' || polarity === 'neutral') return side;
  return (side === 'higher') === (polarity === 'higher_is_better') ? 'better' : 'worse';
}

/** The 95% interval of a figure that carries one, for compareWithBenchmark. */
export function interval95(
  c: { lowerCi95?: number | null; upperCi95?: number | null } | null | undefined,
): Interval | null {
  if (!c || typeof c.lowerCi95 !== 'number' || typeof c.upperCi95 !== 'number') return null;
  return { lower: c.lowerCi95, upper: c.upperCi95 };
}

/**
 * Quantiles of `values` at the shares `ps` (0–1) by linear interpolation between the two nearest ranks
 * (Hyndman and Fan's type 7, as DuckDB's quantile_cont and R's default): position (n − 1) × p. Empty for no
 * values.
 */
export function quantiles(values: readonly number[], ps: readonly number[]): number[] {
  if (values.length === 0) return [];
  const sorted = [...values].sort((a, b) => a - b);
  return ps.map((p) => {
    const pos = (sorted.length - 1) * p;
    const lo = Math.floor(pos);
    const hi = Math.ceil(pos);
    const d = pos - lo;
    // Weighted as DuckDB weighs them, so a quantile here and one stored by the build agree to the bit.
    return lo === hi ? sorted[lo]! : sorted[lo]! * (1 - d) + sorted[hi]! * d;
  });
}

/** p0, p10 … p100. */
export const DECILES = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1] as const;

/** Where one figure stands among its peers' (itself included when it has one). */
export interface Standing {
  /** How many peers. */
  count: number;
  /** The peers' deciles (p0 … p100); empty without peers. */
  deciles: number[];
  /** 1 for the highest figure; ties share a rank (one more than the number of higher figures). Null without a figure. */
  rank: number | null;
  /** The share of the other peers with a lower figure, in per cent; null without a figure or with one peer. */
  percentileRank: number | null;
  /**
   * How many peers have exactly the area's figure (the area itself among them when it is a peer): more than one
   * makes its rank a joint one. Null without a figure.
   */
  equal: number | null;
}

export function standing(peers: readonly number[], own: number | null): Standing {
  const count = peers.length;
  const deciles = quantiles(peers, DECILES);
  if (own === null) return { count, deciles, rank: null, percentileRank: null, equal: null };
  let higher = 0;
  let lower = 0;
  for (const v of peers) {
    if (v > own) higher += 1;
    else if (v < own) lower += 1;
  }
  return standingFrom(count, deciles, higher, lower);
}

/** A standing from how many peers are above and below the area's figure (the rest have it exactly). */
function standingFrom(count: number, deciles: number[], higher: number, lower: number): Standing {
  return {
    count,
    deciles,
    rank: higher + 1,
    percentileRank: count < 2 ? null : (lower / (count - 1)) * 100,
    equal: count - higher - lower,
  };
}

/**
 * The peers' figures held for many look-ups (a level's rates in one period, asked for by each of its areas'
 * pages): sorted once, their deciles worked out once. standingIn(field, own) equals standing(peers, own).
 */
export interface PeerField {
  /** The peers' figures, ascending. */
  sorted: Float64Array;
  deciles: number[];
}

export function peerField(peers: readonly number[]): PeerField {
  return { sorted: Float64Array.from(peers).sort(), deciles: quantiles(peers, DECILES) };
}

/** standing(peers, own) over a PeerField of the same peers, by binary search rather than a pass over them. */
export function standingIn(field: PeerField, own: number | null): Standing {
  const { sorted, deciles } = field;
  const count = sorted.length;
  if (own === null) return { count, deciles, rank: null, percentileRank: null, equal: null };
  const lower = firstAtLeast(sorted, own, false);
  const higher = count - firstAtLeast(sorted, own, true);
  return standingFrom(count, deciles, higher, lower);
}

/** The first index whose figure is >= x (strict: > x) in an ascending list; its length when there is none. */
function firstAtLeast(sorted: Float64Array, x: number, strict: boolean): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (strict ? sorted[mid]! <= x : sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
