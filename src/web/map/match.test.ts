import { describe, expect, it } from 'vitest';
import type { MapGeometry, MapShape } from './geometry.ts';
import { bestGeometry, matchShapes } from './match.ts';

const shape = (code: string, onsCode = ''): MapShape => ({
  code,
  onsCode,
  name: `Shape ${code}`,
  d: 'M0,0z',
});

describe('matchShapes', () => {
  it('matches by ODS code, then by ONS code; reports areas with no shape and shapes with no area', () => {
    const areas = [
      { code: 'QHM', onsCode: 'E54000050' },
      { code: 'NEW1', onsCode: 'E54000099' }, // new ODS code, same ONS code as an old shape
      { code: 'NONE', onsCode: null },
    ];
    const shapes = [shape('QHM', 'E54000050'), shape('OLD1', 'E54000099'), shape('GONE', 'E54000001')];
    const m = matchShapes(areas, shapes);
    expect(m.matched.map((x) => [x.area.code, x.shape.code])).toEqual([
      ['QHM', 'QHM'],
      ['NEW1', 'OLD1'],
    ]);
    expect(m.noBoundary.map((a) => a.code)).toEqual(['NONE']);
    expect(m.noArea.map((s) => s.code)).toEqual(['GONE']);
  });

  it('never draws one shape for two areas', () => {
    const m = matchShapes(
      [
        { code: 'A', onsCode: 'E1' },
        { code: 'B', onsCode: 'E1' },
      ],
      [shape('A', 'E1')],
    );
    expect(m.matched).toHaveLength(1);
    expect(m.noBoundary.map((a) => a.code)).toEqual(['B']);
  });
});

describe('bestGeometry', () => {
  const geometry = (structure: 'current' | '2024', codes: string[]): MapGeometry => ({
    level: 'icb',
    structure,
    source: structure,
    width: 10,
    height: 10,
    shapes: codes.map((c) => shape(c)),
  });

  it('picks the boundary file that draws most areas; today’s wins ties', () => {
    const current = geometry('current', ['A', 'B']);
    const old = geometry('2024', ['A', 'X', 'Y']);
    expect(
      bestGeometry(
        [
          { code: 'A', onsCode: null },
          { code: 'B', onsCode: null },
        ],
        [current, old],
      )!.geometry,
    ).toBe(current);
    expect(
      bestGeometry(
        [
          { code: 'X', onsCode: null },
          { code: 'Y', onsCode: null },
        ],
        [current, old],
      )!.geometry,
    ).toBe(old);
    expect(bestGeometry([{ code: 'Z', onsCode: null }], [current, old])!.geometry).toBe(current);
    expect(bestGeometry([], [])).toBeNull();
  });
});
