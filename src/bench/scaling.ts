/** How a bench figure grows with its input, and what that gives at a larger input (the national week). Pure. */

export interface Point {
  x: number;
  y: number;
}

export interface Extrapolated {
  value: number;
  /** measured: a point at (or beyond) x; linear: the least-squares line; proportional: y/x of the largest point. */
  method: 'measured' | 'linear' | 'proportional';
}

/**
 * The figure at x from measured points: a point at x or beyond is taken as it is; otherwise the least-squares
 * line through the points (two at least, at different x), or, with one point or a line that falls as x grows
 * (noise between close points), proportional to x from the largest point.
 */
export function extrapolate(points: readonly Point[], x: number): Extrapolated {
  if (points.length === 0) return { value: NaN, method: 'proportional' };
  const beyond = points.filter((p) => p.x >= x).sort((a, b) => a.x - b.x)[0];
  if (beyond) return { value: beyond.y, method: 'measured' };
  const largest = points.reduce((a, b) => (b.x > a.x ? b : a));
  const proportional = { value: (largest.y * x) / largest.x, method: 'proportional' as const };
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  if (n < 2 || sxx === 0) return proportional;
  const slope = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0) / sxx;
  if (slope <= 0) return proportional;
  return { value: my + slope * (x - mx), method: 'linear' };
}

/** The exponent k in y ∝ x^k between two points (1: linear; below 1: grows slower than x). */
export function growthExponent(a: Point, b: Point): number {
  return Math.log(b.y / a.y) / Math.log(b.x / a.x);
}
