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
  BoundaryFeature,
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
  /** A shape drawn from older areas' shapes: how it differs from the real boundary (see boundaries.ts). */
  approximation?: string;
}

export interface MapGeometry {
  level: BoundaryLevel;
  structure: BoundaryStructure;
  /** The shipped file the shapes come from. */
  source: string;
  width: number;
  height: number;
  shapes: MapShape[];
  /** Where a longitude/latitude lands on this map, in pixels. */
  locate?: (lonLat: [number, number]) => [number, number];
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
  /**
   * Fit this feature's bounds (an inset's frame) into the width instead of the whole collection; shapes are
   * then clipped to the map's rectangle and those left empty dropped.
   */
  frame?: BoundaryFeature;
  /** The frame's height is at least this many pixels (a thin frame is padded equally above and below). */
  minHeight?: number;
  /** A taller map is scaled down to this height (and centred across the width); 0: no limit. */
  maxHeight?: number;
}

export const MAP_WIDTH = 560;
const DEFAULTS = { width: MAP_WIDTH, margin: 8, tolerance: 0.6, minRingArea: 2, minHeight: 0, maxHeight: 0 };

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

/**
 * A closed ring clipped to the rectangle [x0, x1] × [y0, y1] (Sutherland–Hodgman: the window is convex, so
 * any ring clips correctly for filling; parts outside become runs along the window's edge). Empty when the
 * ring lies wholly outside.
 */
export function clipRing(ring: Point[], x0: number, y0: number, x1: number, y1: number): Point[] {
  const edges: [(p: Point) => boolean, (a: Point, b: Point) => Point][] = [
    [(p) => p[0] >= x0, (a, b) => [x0, a[1] + ((b[1] - a[1]) * (x0 - a[0])) / (b[0] - a[0])]],
    [(p) => p[0] <= x1, (a, b) => [x1, a[1] + ((b[1] - a[1]) * (x1 - a[0])) / (b[0] - a[0])]],
    [(p) => p[1] >= y0, (a, b) => [a[0] + ((b[0] - a[0]) * (y0 - a[1])) / (b[1] - a[1]), y0]],
    [(p) => p[1] <= y1, (a, b) => [a[0] + ((b[0] - a[0]) * (y1 - a[1])) / (b[1] - a[1]), y1]],
  ];
  let out = ring;
  for (const [inside, cross] of edges) {
    const input = out;
    out = [];
    for (let i = 0; i < input.length; i++) {
      const current = input[i]!;
      const previous = input[(i + input.length - 1) % input.length]!;
      if (inside(current)) {
        if (!inside(previous)) out.push(cross(previous, current));
        out.push(current);
      } else if (inside(previous)) out.push(cross(previous, current));
    }
    if (out.length === 0) return [];
  }
  return out;
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
  const fitted = o.frame ? rewind({ ...input, features: [o.frame] }) : collection;
  const projection = geoTransverseMercator()
    .rotate([2, 0])
    .fitWidth(o.width - 2 * o.margin, fitted);
  const [[, y0], [, y1]] = geoPath(projection).bounds(fitted);
  let height: number;
  if (o.maxHeight > 0 && y1 - y0 + 2 * o.margin > o.maxHeight) {
    // Too tall (a region running north to south): fitted to the height instead, centred.
    projection.fitExtent(
      [
        [o.margin, o.margin],
        [o.width - o.margin, o.maxHeight - o.margin],
      ],
      fitted,
    );
    height = o.maxHeight;
  } else {
    const pad = Math.max(0, (o.minHeight - 2 * o.margin - (y1 - y0)) / 2);
    projection.translate([
      projection.translate()[0] + o.margin,
      projection.translate()[1] + o.margin + pad - y0,
    ]);
    height = Math.ceil(y1 - y0 + 2 * o.margin + 2 * pad);
  }
  const project = (c: number[]): Point => {
    const p = projection([c[0]!, c[1]!]);
    if (!p) throw new Error(`could not project ${c.join(',')}`);
    return p;
  };
  const shapes: MapShape[] = [];
  for (const f of collection.features) {
    const polygons = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
    const rings: { ring: Point[]; area: number }[] = [];
    for (const polygon of polygons) {
      for (const raw of polygon) {
        let ring = simplifyLine(raw.map(project), o.tolerance);
        // Clipped after simplifying, so the window's straight edges stay exact.
        if (o.frame) ring = clipRing(ring.slice(0, -1), 0, 0, o.width, height);
        if (ring.length < (o.frame ? 3 : 4)) continue; // a ring needs three distinct points
        rings.push({ ring, area: Math.abs(ringArea(ring)) });
      }
    }
    const largest = rings.reduce((m, r) => (r.area > m ? r.area : m), 0);
    const kept = rings.filter((r) => r.area >= o.minRingArea || (r.area === largest && largest > 0));
    if (o.frame && kept.length === 0) continue; // wholly outside the inset
    const shape: MapShape = {
      code: f.properties.code,
      onsCode: f.properties.onsCode,
      name: f.properties.name,
      d: ringsToPath(kept.map((r) => r.ring)),
    };
    if (f.properties.approximation) shape.approximation = f.properties.approximation;
    shapes.push(shape);
  }
  return {
    level: collection.level,
    structure: collection.structure,
    source: collection.source,
    width: o.width,
    height,
    shapes,
    locate: (lonLat) => project(lonLat),
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

/** A zoomed map is at most this tall (about England's map), so a tall region still fits a screen. */
export const ZOOM_MAX_HEIGHT = 640;

/**
 * The map zoomed to some of a level's shapes (a region's areas): only those shapes, fitted to the width, at
 * a finer scale than England's. Computed once per set of codes and process.
 */
export function zoomedGeometry(
  level: BoundaryLevel,
  structure: BoundaryStructure,
  load: BoundaryLoader,
  codes: readonly string[],
): Promise<MapGeometry> {
  const wanted = new Set(codes);
  const key = `zoom\0${level}\0${structure}\0${[...wanted].sort().join(',')}`;
  return cached(key, () =>
    load(level, structure).then((c) =>
      projectCollection(
        { ...c, features: c.features.filter((f) => wanted.has(f.properties.code)) },
        { maxHeight: ZOOM_MAX_HEIGHT },
      ),
    ),
  );
}

/** An inset of the England map: a dense place drawn larger beside it. */
export interface InsetDefinition {
  id: string;
  /** Its name, e.g. "London". */
  title: string;
  /** The boundary whose extent the inset shows (e.g. the London region, Y56). */
  frame: { level: BoundaryLevel; code: string };
  /** The region the inset's "zoom in" link goes to. */
  region: string;
}

/**
 * The insets of the England map at the ICB and sub-ICB levels: the places whose areas are too small to see
 * or select at England's scale (London's ICBs, Greater Manchester and its neighbours).
 */
export const MAP_INSETS: readonly InsetDefinition[] = [
  { id: 'london', title: 'London', frame: { level: 'region', code: 'Y56' }, region: 'Y56' },
  {
    id: 'manchester',
    title: 'Greater Manchester',
    frame: { level: 'icb', code: 'QOP' },
    region: 'Y62',
  },
];
export const INSET_WIDTH = 270;

export interface InsetGeometry {
  inset: InsetDefinition;
  geometry: MapGeometry;
  /** The inset's extent on the England map, in its pixels (drawn there as a box). */
  box: { x: number; y: number; width: number; height: number };
}

/** An inset of a level's England map: the shapes within the frame's extent, drawn larger and clipped to it. */
export function insetGeometry(
  level: BoundaryLevel,
  structure: BoundaryStructure,
  load: BoundaryLoader,
  inset: InsetDefinition,
): Promise<InsetGeometry | null> {
  const key = `inset\0${level}\0${structure}\0${inset.id}`;
  return cached(key, async () => {
    const frames = await load(inset.frame.level, 'current');
    const frame = frames.features.find((f) => f.properties.code === inset.frame.code);
    if (!frame) return null;
    const [england, collection] = await Promise.all([
      mapGeometry(level, structure, load),
      load(level, structure),
    ]);
    const geometry = projectCollection(collection, { width: INSET_WIDTH, frame, minHeight: 200 });
    // The inset's corners back on the England map: the frame's extent, projected there.
    const ring =
      frame.geometry.type === 'Polygon' ? frame.geometry.coordinates : frame.geometry.coordinates.flat();
    const points = ring.flat().map((c) => england.locate!([c[0]!, c[1]!]));
    const xs = points.map((p) => p[0]);
    const ys = points.map((p) => p[1]);
    const x = Math.min(...xs);
    const y = Math.min(...ys);
    return { inset, geometry, box: { x, y, width: Math.max(...xs) - x, height: Math.max(...ys) - y } };
  });
}

function cached<T>(key: string, make: () => Promise<T>): Promise<T> {
  let found = others.get(key) as Promise<T> | undefined;
  if (!found) {
    found = make();
    found.catch(() => others.delete(key));
    others.set(key, found);
  }
  return found;
}
const others = new Map<string, Promise<unknown>>();

/** The boundary files that can draw a level: today's first, then older ones. */
export const STRUCTURES_FOR_LEVEL: Record<BoundaryLevel, BoundaryStructure[]> = {
  region: ['current'],
  icb: ['current', '2024'],
  sub_icb: ['current', '2024'],
};
