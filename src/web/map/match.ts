/**
 * Matching boundary shapes to today's areas: by ODS code first (the code the app uses), then by ONS code, so
 * a boundary file keyed on either works. What matches nothing is reported on both sides, never hidden.
 * Pure and unit-tested.
 */
import type { MapGeometry, MapShape } from './geometry.ts';

export interface AreaKey {
  code: string;
  onsCode: string | null;
}

export interface ShapeMatch<A extends AreaKey> {
  /** Areas with their shape, in the order of `areas`. */
  matched: { area: A; shape: MapShape }[];
  /** Areas of today's structure with no shape in the boundary file. */
  noBoundary: A[];
  /** Shapes of the boundary file with no area of today's structure. */
  noArea: MapShape[];
}

export function matchShapes<A extends AreaKey>(
  areas: readonly A[],
  shapes: readonly MapShape[],
): ShapeMatch<A> {
  const byCode = new Map(shapes.map((s) => [s.code.toUpperCase(), s]));
  const byOns = new Map(shapes.filter((s) => s.onsCode !== '').map((s) => [s.onsCode.toUpperCase(), s]));
  const used = new Set<MapShape>();
  const matched: ShapeMatch<A>['matched'] = [];
  const noBoundary: A[] = [];
  for (const area of areas) {
    let shape = byCode.get(area.code.toUpperCase());
    if (!shape || used.has(shape)) shape = area.onsCode ? byOns.get(area.onsCode.toUpperCase()) : undefined;
    if (!shape || used.has(shape)) {
      noBoundary.push(area);
      continue;
    }
    used.add(shape);
    matched.push({ area, shape });
  }
  return { matched, noBoundary, noArea: shapes.filter((s) => !used.has(s)) };
}

/**
 * The boundary file that draws most of the areas (the first one given wins ties), with its matches: for
 * ICBs, the April 2026 shapes on a warehouse whose latest practice map has the 36 ICBs, the 2024 shapes on
 * one still on the 42.
 */
export function bestGeometry<A extends AreaKey>(
  areas: readonly A[],
  geometries: readonly MapGeometry[],
): { geometry: MapGeometry; match: ShapeMatch<A> } | null {
  let best: { geometry: MapGeometry; match: ShapeMatch<A> } | null = null;
  for (const geometry of geometries) {
    const match = matchShapes(areas, geometry.shapes);
    if (!best || match.matched.length > best.match.matched.length) best = { geometry, match };
  }
  return best;
}
