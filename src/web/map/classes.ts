/**
 * Shading classes for the map: values split into up to five classes, by quantiles (about the same number of
 * areas in each) or equal intervals (the range cut into equal steps), each with a colour of a single-hue
 * sequential palette (ColorBrewer "Blues", safe for every kind of colour blindness and in greyscale) and a
 * text label, so the legend never relies on colour alone. Pure and unit-tested.
 */
export const CLASS_METHODS = ['quantile', 'equal'] as const;
export type ClassMethod = (typeof CLASS_METHODS)[number];

/**
 * ColorBrewer Blues, the five darker shades of its 7-class scheme (light to dark): its lightest shade is too
 * close to the page's grey background. Classes are drawn with CSS classes app-map-fill-0 … 4.
 */
export const PALETTE = ['#c6dbef', '#9ecae1', '#6baed6', '#2171b5', '#084594'] as const;

/** Which palette colours a classing with k classes uses, spread over the palette (always light to dark). */
const SHADES: Record<number, number[]> = {
  1: [2],
  2: [1, 3],
  3: [0, 2, 4],
  4: [0, 1, 3, 4],
  5: [0, 1, 2, 3, 4],
};

export interface MapClass {
  /** Position in the legend, 0 = lowest values. */
  index: number;
  /** Palette colour (0–4): the CSS class is `app-map-fill-${shade}`. */
  shade: number;
  /** The class's range: for quantiles the lowest and highest value in it; for equal intervals its bounds. */
  lower: number;
  upper: number;
  /** How many areas fall in the class. */
  count: number;
}

export interface Classing {
  method: ClassMethod;
  classes: MapClass[];
  /** The class of a value (the index into `classes`), or null when there are no classes. */
  classOf(value: number): number | null;
}

/**
 * Splits finite values into at most `k` classes (fewer when there are fewer distinct values).
 *
 * - quantile: the sorted values are cut into k runs of (nearly) equal length; equal values always share a
 *   class, so a run boundary inside a group of ties moves to the group's end. A class's range is from its
 *   lowest to its highest value; ranges never overlap.
 * - equal: [min, max] cut into k intervals of equal width; a value on a boundary goes to the upper class,
 *   the maximum to the last class. Empty intervals are kept (count 0), so the steps stay equal.
 */
export function classify(values: readonly number[], method: ClassMethod, k = 5): Classing {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const distinct = [...new Set(sorted)];
  const n = Math.max(0, Math.min(k, distinct.length, 5));
  if (n === 0) return { method, classes: [], classOf: () => null };
  if (method === 'equal') {
    const min = sorted[0]!;
    const max = sorted[sorted.length - 1]!;
    const width = (max - min) / n;
    const shades = SHADES[n]!;
    const classOf = (v: number) =>
      width === 0 ? 0 : Math.min(n - 1, Math.max(0, Math.floor((v - min) / width)));
    const classes: MapClass[] = shades.map((shade, i) => ({
      index: i,
      shade,
      lower: min + i * width,
      upper: i === n - 1 ? max : min + (i + 1) * width,
      count: 0,
    }));
    for (const v of sorted) classes[classOf(v)]!.count++;
    return { method, classes, classOf: (v) => (Number.isFinite(v) ? classOf(v) : null) };
  }
  // Quantiles: class boundaries as the first value of each class, never splitting ties.
  const starts: number[] = [sorted[0]!];
  for (let i = 1; i < n; i++) {
    // The cut falls at the i-th n-tile; inside a run of ties it moves to the next greater value.
    const previous = starts[starts.length - 1]!;
    let j = Math.floor((i * sorted.length) / n);
    while (j < sorted.length && sorted[j]! <= previous) j++;
    if (j < sorted.length) starts.push(sorted[j]!);
  }
  const shades = SHADES[starts.length]!;
  const classOf = (v: number) => {
    let c = 0;
    while (c + 1 < starts.length && v >= starts[c + 1]!) c++;
    return c;
  };
  const classes: MapClass[] = starts.map((lower, i) => ({
    index: i,
    shade: shades[i]!,
    lower,
    upper: lower,
    count: 0,
  }));
  for (const v of sorted) {
    const c = classes[classOf(v)]!;
    c.count++;
    c.upper = v;
  }
  return { method, classes, classOf: (v) => (Number.isFinite(v) ? classOf(v) : null) };
}
