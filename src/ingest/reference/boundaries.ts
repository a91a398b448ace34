/**
 * Boundary loader: the shipped ONS-derived GeoJSON (data/reference/boundaries/*.geojson.gz, WGS84, outer rings
 * clockwise as d3-geo expects), with each feature's properties reduced to our area code (the ODS code),
 * its name and its ONS code.
 */
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { REPO_ROOT } from '../../config.ts';
import type {
  BoundaryCollection,
  BoundaryFeature,
  BoundaryLevel,
  BoundaryStructure,
  Geometry,
} from '../../domain/boundaries.ts';

export type {
  BoundaryCollection,
  BoundaryFeature,
  BoundaryLevel,
  BoundaryProperties,
  BoundaryStructure,
  Geometry,
} from '../../domain/boundaries.ts';

/** The shipped boundary files (gzipped GeoJSON). */
export const BOUNDARIES_DIR = path.join(REPO_ROOT, 'data', 'reference', 'boundaries');

const gunzip = promisify(zlib.gunzip);

interface BoundarySource {
  file: string;
  code: string;
  name: string;
  onsCode: string;
  /** Areas of the structure with no shape of their own, drawn with the shapes of older areas (by code). */
  derived?: readonly DerivedShape[];
}

/**
 * A shape derived by code lookup: the union of the shapes of `from` (older areas that no longer exist in the
 * structure, so their own shapes are replaced), drawn as `code`. `approximation` says how it differs from the
 * real boundary; the map shows it beside the area.
 */
export interface DerivedShape {
  code: string;
  name: string;
  onsCode: string;
  from: readonly string[];
  approximation: string;
}

const REGIONS: BoundarySource = {
  file: 'nhs-england-regions_7_dissolved-from-sub-icb_wgs84.geojson.gz',
  code: 'NHSER24CDH',
  name: 'NHSER24NM',
  onsCode: 'NHSER24CD',
};
const SUB_ICBS: BoundarySource = {
  file: 'sub-icb-locations_2022-07_BUC_wgs84_enriched.geojson.gz',
  code: 'SICBL24CDH',
  name: 'SICBL24NM',
  onsCode: 'SICBL24CD',
};

/**
 * April 2026 sub-ICB locations with no shape in the shipped files, derived from older ones by code (see
 * data/reference/README.md). Frimley's sub-ICB location D4U1Y was split in April 2026: of its 66 practices
 * in the January 2026 practice map, 41 make up the new U2G6B (all of U2G6B's practices), 14 moved to D9Y0V and
 * 11 to 92A. No shipped file has a boundary for the split, and the shipped April 2026 ICB file draws all of
 * D4U1Y inside Thames Valley (U2G6B's ICB), so U2G6B is drawn with D4U1Y's shape, said to be approximate.
 */
export const SUB_ICB_2026_DERIVED: readonly DerivedShape[] = [
  {
    code: 'U2G6B',
    name: 'NHS Thames Valley ICB - U2G6B',
    onsCode: 'E38000268',
    from: ['D4U1Y'],
    approximation:
      'drawn with the boundary of the former sub-ICB location D4U1Y (NHS Frimley ICB), split in April 2026: U2G6B has 41 of its 66 practices, the others moved to 92A and D9Y0V',
  },
];

/**
 * Which file and properties give each level. Regions did not change in 2026. The only sub-ICB shapes are the
 * July 2022 ones with 2024 codes, used for both structures; today's adds U2G6B, derived from D4U1Y.
 */
const SOURCES: Record<BoundaryStructure, Record<BoundaryLevel, BoundarySource>> = {
  current: {
    region: REGIONS,
    icb: {
      file: 'icb_36_2026-04_wgs84_enriched.geojson.gz',
      code: 'ICB26CDH',
      name: 'ICB26NM',
      onsCode: 'ICB26CD',
    },
    sub_icb: { ...SUB_ICBS, derived: SUB_ICB_2026_DERIVED },
  },
  '2024': {
    region: REGIONS,
    icb: {
      file: 'icb_42_2024_dissolved-from-sub-icb_wgs84.geojson.gz',
      code: 'ICB24CDH',
      name: 'ICB24NM',
      onsCode: 'ICB24CD',
    },
    sub_icb: SUB_ICBS,
  },
};

const cache = new Map<string, Promise<BoundaryCollection>>();

async function read(
  level: BoundaryLevel,
  structure: BoundaryStructure,
  dir: string,
): Promise<BoundaryCollection> {
  const source = SOURCES[structure][level];
  const file = path.join(dir, source.file);
  const raw = await fs.promises.readFile(file);
  const text = (raw[0] === 0x1f && raw[1] === 0x8b ? await gunzip(raw) : raw).toString('utf8');
  const json = JSON.parse(text) as {
    type?: string;
    features?: { geometry?: Geometry; properties?: Record<string, unknown> }[];
  };
  if (json.type !== 'FeatureCollection' || !Array.isArray(json.features)) {
    throw new Error(`${source.file} is not a GeoJSON FeatureCollection`);
  }
  const features = json.features.map((f, i): BoundaryFeature => {
    const props = f.properties ?? {};
    const code = props[source.code];
    if (typeof code !== 'string' || code === '') {
      throw new Error(`${source.file} feature ${i} has no ${source.code}`);
    }
    if (!f.geometry || (f.geometry.type !== 'Polygon' && f.geometry.type !== 'MultiPolygon')) {
      throw new Error(`${source.file} feature ${i} (${code}) is not a polygon`);
    }
    return {
      type: 'Feature',
      geometry: f.geometry,
      properties: {
        code,
        name: String(props[source.name] ?? code),
        onsCode: String(props[source.onsCode] ?? ''),
      },
    };
  });
  return {
    type: 'FeatureCollection',
    level,
    structure,
    source: source.file,
    features: withDerived(features, source.derived ?? [], source.file),
  };
}

/** The features with each derived shape added and the older shapes it is made of taken out. */
export function withDerived(
  features: readonly BoundaryFeature[],
  derived: readonly DerivedShape[],
  file = 'the boundary file',
): BoundaryFeature[] {
  if (derived.length === 0) return [...features];
  const used = new Set<string>();
  const added = derived.map((d): BoundaryFeature => {
    const parts = d.from.map((code) => {
      const f = features.find((x) => x.properties.code === code);
      if (!f) throw new Error(`${file} has no ${code} to draw ${d.code} with`);
      used.add(code);
      return f.geometry;
    });
    // A union by concatenation: the older areas do not overlap, so their polygons together are the area.
    const polygons = parts.flatMap((g) => (g.type === 'Polygon' ? [g.coordinates] : g.coordinates));
    return {
      type: 'Feature',
      geometry:
        polygons.length === 1
          ? { type: 'Polygon', coordinates: polygons[0]! }
          : { type: 'MultiPolygon', coordinates: polygons },
      properties: { code: d.code, name: d.name, onsCode: d.onsCode, approximation: d.approximation },
    };
  });
  return [...features.filter((f) => !used.has(f.properties.code)), ...added];
}

/**
 * The boundaries of one level as a GeoJSON FeatureCollection whose features carry `properties.code` (our ODS area
 * code), `properties.name` and `properties.onsCode`. Parsed once per process and shared: do not mutate the result.
 */
export function loadBoundaries(
  level: BoundaryLevel,
  structure: BoundaryStructure = 'current',
  dir: string = BOUNDARIES_DIR,
): Promise<BoundaryCollection> {
  const key = `${dir}\0${structure}\0${level}`;
  let loaded = cache.get(key);
  if (!loaded) {
    loaded = read(level, structure, dir);
    loaded.catch(() => cache.delete(key));
    cache.set(key, loaded);
  }
  return loaded;
}
