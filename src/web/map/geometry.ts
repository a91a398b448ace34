/**
 * Map geometry: the shipped boundaries (src/ingest/reference/boundaries.ts) projected to SVG pixels with
 * d3-geo, simplified and written as compact SVG path data, once per level and boundary file per process.
 *
 * Projection: transverse Mercator on the 2°W meridian (the meridian of the Ordnance Survey's National Grid),
 * fitted to the width with `fitWidth`; the height follows from England's shape. Simplification happens in
 * pixel space (Douglas–Peucker with a tolerance in pixels, then rings smaller than a few square pixels are
 * dropped, never a shape's largest ring), so detail never drawn is never sent. Pure apart from `mapGeometry`,
 * which reads the files through the loader it is given (the HTTP layer passes loadBoundaries).
 */
import { geoArea, geoPath, geoTransverseMercator } from 'd3-geo';
import type {
  BoundaryCollection,
  BoundaryLevel,
  BoundaryLoader,
  BoundaryStructure,
} from '../../domain/boundaries.ts';

export interface MapShape {
  /** Our area code (ODS), its ONS code and the name in the boundary file. */
  code: string;
  onsCode: string;
  name: string;
  /** SVG path data in the map's pixel space. */
  d: string;
}

export interface MapGeometry {
  level: BoundaryLevel;
  structure: BoundaryStructure;
  /** The shipped file the shapes come from. */
  source: string;
  width: number;
  height: number;
  shapes: MapShape[];
}

export interface ProjectOptions {
  /** Width of the map in pixels (the viewBox). */
  width?: number;
  /** Margin around England, in pixels. */
  margin?: number;
  /** Douglas–Peucker tolerance in pixels. */
  tolerance?: number;
  /** Rings with a smaller area (square pixels) are dropped, except each shape's largest. */
  minRingArea?: number;
}

export const MAP_WIDTH = 560;
const DEFAULTS: Required<ProjectOptions> = { width: MAP_WIDTH, margin: 8, tolerance: 0.6, minRingArea: 2 };

type Point = [number, number];

/** Squared distance from p to the segment a–b. */
function segmentDistance2(p: Point, a: Point, b: Point): number {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const len2 = dx * dx + dy * dy;
  let t = len2 === 0 ? 0 : ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2;
  t = Math.max(0, Math.min(1, t));
  const x = a[0] + t * dx - p[0];
  const y = a[1] + t * dy - p[1];
  return x * x + y * y;
}

/**
 * Douglas–Peucker simplification of a polyline: keeps the first and last points and every point needed so
 * that no dropped point lies further than `tolerance` from the kept line. Iterative (no recursion limit).
 */
export function simplifyLine(points: Point[], tolerance: number): Point[] {
  const n = points.length;
  if (n <= 2) return points.slice();
  const keep = new Uint8Array(n);
  keep[0] = 1;
  keep[n - 1] = 1;
  const tol2 = tolerance * tolerance;
  const stack: [number, number][] = [[0, n - 1]];
  while (stack.length > 0) {
    const [first, last] = stack.pop()!;
    let maxD = -1;
    let index = -1;
    for (let i = first + 1; i < last; i++) {
      const d = segmentDistance2(points[i]!, points[first]!, points[last]!);
      if (d > maxD) {
        maxD = d;
        index = i;
      }
    }
    if (index >= 0 && maxD > tol2) {
      keep[index] = 1;
      stack.push([first, index], [index, last]);
    }
  }
  return points.filter((_, i) => keep[i] === 1);
}

/** Signed area of a closed ring (shoelace); the sign gives the winding. */
export function ringArea(ring: Point[]): number {
  let sum = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    sum += (ring[j]![0] + ring[i]![0]) * (ring[j]![1] - ring[i]![1]);
  }
  return sum / 2;
}

/** Tenths of a pixel, as integers: the precision of the path data. */
const tenths = (v: number) => Math.round(v * 10);
const fmt = (t: number) => (t % 10 === 0 ? String(t / 10) : (t / 10).toFixed(1));
/** Joins two numbers of path data: a minus sign separates them by itself. */
const pair = (a: number, b: number) => `${fmt(a)}${b < 0 ? '' : ','}${fmt(b)}`;

/**
 * Compact SVG path data for closed rings: an absolute move to each ring's start, then relative lines between
 * points rounded to a tenth of a pixel (deltas are taken between rounded points, so errors never add up).
 */
export function ringsToPath(rings: Point[][]): string {
  let out = '';
  for (const ring of rings) {
    let px = tenths(ring[0]![0]);
    let py = tenths(ring[0]![1]);
    out += `M${pair(px, py)}`;
    let first = true;
    // GeoJSON rings repeat their first point at the end: 'z' closes them instead.
    const closed =
      ring.length > 1 &&
      ring[0]![0] === ring[ring.length - 1]![0] &&
      ring[0]![1] === ring[ring.length - 1]![1];
    for (let i = 1; i < ring.length - (closed ? 1 : 0); i++) {
      const x = tenths(ring[i]![0]);
      const y = tenths(ring[i]![1]);
      if (x === px && y === py) continue;
      const dx = x - px;
      out += `${first ? 'l' : dx < 0 ? '' : ' '}${pair(dx, y - py)}`;
      first = false;
      px = x;
      py = y;
    }
    out += 'z';
  }
  return out;
}

/**
 * The collection with every ring wound as d3-geo expects (outer rings clockwise, holes anticlockwise), whatever
 * the file did: the shipped files follow RFC 7946 (outer rings anticlockwise), which d3 reads as "the whole
 * globe except this area". A ring's winding is told from its spherical area: a ring d3 reads as covering more
 * than a hemisphere is reversed (or, for a hole, one covering less). Returns a new collection; no mutation.
 */
export function rewind(collection: BoundaryCollection): BoundaryCollection {
  const fix = (ring: number[][], hole: boolean) => {
    const big = geoArea({ type: 'Polygon', coordinates: [ring] }) > 2 * Math.PI;
    return big === hole ? ring : ring.slice().reverse();
  };
  const polygon = (rings: number[][][]) => rings.map((r, i) => fix(r, i > 0));
  return {
    ...collection,
    features: collection.features.map((f) => ({
      ...f,
      geometry:
        f.geometry.type === 'Polygon'
          ? { type: 'Polygon', coordinates: polygon(f.geometry.coordinates) }
          : { type: 'MultiPolygon', coordinates: f.geometry.coordinates.map(polygon) },
    })),
  };
}

/** Projects, simplifies and serialises a boundary collection (rewound first). Pure. */
export function projectCollection(input: BoundaryCollection, options: ProjectOptions = {}): MapGeometry {
  const o = { ...DEFAULTS, ...options };
  const collection = rewind(input);
  const projection = geoTransverseMercator()
    .rotate([2, 0])
    .fitWidth(o.width - 2 * o.margin, collection);
  const [[, y0], [, y1]] = geoPath(projection).bounds(collection);
  projection.translate([projection.translate()[0] + o.margin, projection.translate()[1] + o.margin - y0]);
  const height = Math.ceil(y1 - y0 + 2 * o.margin);
  const project = (c: number[]): Point => {
    const p = projection([c[0]!, c[1]!]);
    if (!p) throw new Error(`could not project ${c.join(',')}`);
    return p;
  };
  const shapes = collection.features.map((f): MapShape => {
    const polygons = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
    const rings: { ring: Point[]; area: number }[] = [];
    for (const polygon of polygons) {
      for (const raw of polygon) {
        const ring = simplifyLine(raw.map(project), o.tolerance);
        if (ring.length < 4) continue; // a closed ring needs three distinct points
        rings.push({ ring, area: Math.abs(ringArea(ring)) });
      }
    }
    const largest = rings.reduce((m, r) => (r.area > m ? r.area : m), 0);
    const kept = rings.filter((r) => r.area >= o.minRingArea || r.area === largest);
    return {
      code: f.properties.code,
      onsCode: f.properties.onsCode,
      name: f.properties.name,
      d: ringsToPath(kept.map((r) => r.ring)),
    };
  });
  return {
    level: collection.level,
    structure: collection.structure,
    source: collection.source,
    width: o.width,
    height,
    shapes,
  };
}

const cache = new Map<string, Promise<MapGeometry>>();

/**
 * The projected shapes of one level and boundary file, read with `load` (loadBoundaries,
 * src/ingest/reference/boundaries.ts) and computed once per process (do not mutate).
 */
export function mapGeometry(
  level: BoundaryLevel,
  structure: BoundaryStructure,
  load: BoundaryLoader,
): Promise<MapGeometry> {
  const key = `${level}\0${structure}`;
  let found = cache.get(key);
  if (!found) {
    found = load(level, structure).then((c) => projectCollection(c));
    found.catch(() => cache.delete(key));
    cache.set(key, found);
  }
  return found;
}

/** The boundary files that can draw a level: today's first, then older ones. */
export const STRUCTURES_FOR_LEVEL: Record<BoundaryLevel, BoundaryStructure[]> = {
  region: ['current'],
  icb: ['current', '2024'],
  sub_icb: ['current'],
};
