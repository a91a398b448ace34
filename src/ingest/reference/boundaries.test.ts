import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBoundaries } from './boundaries.ts';
import { BUNDLED_REFERENCE_DIR } from './bundled.ts';
import { parsePracticeMap, type PracticeMapRow } from './practice-map.ts';

let aug: PracticeMapRow[];
let jan: PracticeMapRow[];

beforeAll(async () => {
  aug = (await parsePracticeMap(path.join(BUNDLED_REFERENCE_DIR, 'gp-reg-pat-prac-map_2026-08.csv.gz'))).rows;
  jan = (await parsePracticeMap(path.join(BUNDLED_REFERENCE_DIR, 'gp-reg-pat-prac-map_2026-01.csv.gz'))).rows;
});

const sorted = (values: Iterable<string>) => [...new Set(values)].sort();

describe('loadBoundaries', () => {
  it('7 regions whose codes, ONS codes and names are those of the Aug 2026 map', async () => {
    const regions = await loadBoundaries('region');
    expect(regions.type).toBe('FeatureCollection');
    expect(regions.features).toHaveLength(7);
    expect(sorted(regions.features.map((f) => f.properties.code))).toEqual(
      sorted(aug.map((r) => r.regionCode)),
    );
    const byCode = new Map(aug.map((r) => [r.regionCode, r]));
    for (const f of regions.features) {
      expect(f.properties.onsCode).toBe(byCode.get(f.properties.code)!.regionOnsCode);
      expect(f.properties.name.toLowerCase()).toBe(byCode.get(f.properties.code)!.regionName.toLowerCase());
      expect(['Polygon', 'MultiPolygon']).toContain(f.geometry.type);
    }
  });

  it('36 current ICBs whose codes are the 36 ICBs of the Aug 2026 map', async () => {
    const icbs = await loadBoundaries('icb');
    expect(icbs.features).toHaveLength(36);
    expect(sorted(icbs.features.map((f) => f.properties.code))).toEqual(sorted(aug.map((r) => r.icbCode)));
    const ons = new Map(aug.map((r) => [r.icbCode, r.icbOnsCode]));
    for (const f of icbs.features) expect(f.properties.onsCode).toBe(ons.get(f.properties.code));
  });

  it('the 42 ICBs of 2024 match the Jan 2026 map', async () => {
    const icbs = await loadBoundaries('icb', '2024');
    expect(icbs.features).toHaveLength(42);
    expect(sorted(icbs.features.map((f) => f.properties.code))).toEqual(sorted(jan.map((r) => r.icbCode)));
  });

  it('106 sub-ICB locations with their ODS codes (all of Jan 2026; all but the new U2G6B in Aug 2026)', async () => {
    const subs = await loadBoundaries('sub_icb');
    expect(subs.features).toHaveLength(106);
    const codes = sorted(subs.features.map((f) => f.properties.code));
    expect(codes).toEqual(sorted(jan.map((r) => r.subIcbCode)));
    expect(sorted(aug.map((r) => r.subIcbCode)).filter((c) => !codes.includes(c))).toEqual(['U2G6B']);
    expect(
      subs.features.every((f) => /^E38\d{6}$/.test(f.properties.onsCode) && f.properties.name !== ''),
    ).toBe(true);
  });

  it('is cached: the same collection twice', async () => {
    expect(await loadBoundaries('region')).toBe(await loadBoundaries('region', 'current'));
  });
});
