/**
 * The shape of the shipped boundary files once read (src/ingest/reference/boundaries.ts reads them; the map,
 * src/web/map/geometry.ts, draws them): GeoJSON features whose properties are reduced to our area code (the
 * ODS code), its name and its ONS code.
 */
export type BoundaryLevel = 'region' | 'icb' | 'sub_icb';
/** 'current': April 2026 geography (36 ICBs); '2024': April 2024 geography (42 ICBs, to March 2026). */
export type BoundaryStructure = 'current' | '2024';

export interface BoundaryProperties {
  /** Our area code: the ODS code (Y56, QHM, 16C …). */
  code: string;
  name: string;
  onsCode: string;
  /** Set on a shape derived from older areas' shapes: how it differs from the area's real boundary. */
  approximation?: string;
}

export type Geometry =
  { type: 'Polygon'; coordinates: number[][][] } | { type: 'MultiPolygon'; coordinates: number[][][][] };

export interface BoundaryFeature {
  type: 'Feature';
  geometry: Geometry;
  properties: BoundaryProperties;
}

export interface BoundaryCollection {
  type: 'FeatureCollection';
  level: BoundaryLevel;
  structure: BoundaryStructure;
  /** The shipped file the shapes come from. */
  source: string;
  features: BoundaryFeature[];
}

/** Reads the boundaries of one level and structure (loadBoundaries in src/ingest/reference/boundaries.ts). */
export type BoundaryLoader = (
  level: BoundaryLevel,
  structure: BoundaryStructure,
) => Promise<BoundaryCollection>;
