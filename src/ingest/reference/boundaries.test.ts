import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { projectCollection } from '../../web/map/geometry.ts';
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

  it('106 sub-ICB locations with their ODS codes (2024 file: those of Jan 2026; today: those of Aug 2026)', async () => {
    const old = await loadBoundaries('sub_icb', '2024');
    expect(old.features).toHaveLength(106);
    expect(sorted(old.features.map((f) => f.properties.code))).toEqual(sorted(jan.map((r) => r.subIcbCode)));
    const subs = await loadBoundaries('sub_icb');
    expect(subs.features).toHaveLength(106);
    expect(sorted(subs.features.map((f) => f.properties.code))).toEqual(sorted(aug.map((r) => r.subIcbCode)));
    expect(
      subs.features.every((f) => /^E38\d{6}$/.test(f.properties.onsCode) && f.properties.name !== ''),
    ).toBe(true);
  });

  it('U2G6B (new in April 2026) is drawn with the shape of D4U1Y, the sub-ICB location its practices came from', async () => {
    // The code lookup, from the two shipped practice maps: every U2G6B practice was in D4U1Y in January.
    const janSub = new Map(jan.map((r) => [r.practiceCode, r.subIcbCode]));
    const from = new Set(aug.filter((r) => r.subIcbCode === 'U2G6B').map((r) => janSub.get(r.practiceCode)));
    expect([...from]).toEqual(['D4U1Y']);
    expect(aug.some((r) => r.subIcbCode === 'D4U1Y')).toBe(false);
    const old = (await loadBoundaries('sub_icb', '2024')).features.find(
      (f) => f.properties.code === 'D4U1Y',
    )!;
    const u2g6b = (await loadBoundaries('sub_icb')).features.find((f) => f.properties.code === 'U2G6B')!;
    expect(u2g6b.geometry).toEqual(old.geometry);
    expect(u2g6b.properties.onsCode).toBe(aug.find((r) => r.subIcbCode === 'U2G6B')!.subIcbOnsCode);
    expect(u2g6b.properties.approximation).toMatch(/D4U1Y/);
  });

  it('every region, ICB and sub-ICB location of each bundled practice map has a shape the map draws', async () => {
    const levels = [
      ['region', (r: PracticeMapRow) => r.regionCode],
      ['icb', (r: PracticeMapRow) => r.icbCode],
      ['sub_icb', (r: PracticeMapRow) => r.subIcbCode],
    ] as const;
    for (const [rows, structure] of [
      [aug, 'current'],
      [jan, '2024'],
    ] as const) {
      for (const [level, codeOf] of levels) {
        const geometry = projectCollection(await loadBoundaries(level, structure));
        const drawn = new Map(geometry.shapes.map((s) => [s.code, s.d]));
        for (const code of sorted(rows.map(codeOf))) {
          // A path with at least one ring of three points: M x,y l dx,dy dx,dy … z
          expect(drawn.get(code), `${structure} ${level} ${code}`).toMatch(
            /^M[-\d.,]+l[-\d.,]+[ -][-\d.,]+.*z$/,
          );
        }
      }
    }
  });

  it('is cached: the same collection twice', async () => {
    expect(await loadBoundaries('region')).toBe(await loadBoundaries('region', 'current'));
  });
});
