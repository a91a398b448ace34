import zlib from 'node:zlib';
import { geoArea } from 'd3-geo';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadBoundaries, type BoundaryCollection } from '../../ingest/reference/boundaries.ts';
import {
  clipRing,
  insetGeometry,
  MAP_INSETS,
  mapGeometry,
  projectCollection,
  ringArea,
  ringsToPath,
  rewind,
  simplifyLine,
  zoomedGeometry,
  ZOOM_MAX_HEIGHT,
} from './geometry.ts';

/** Absolute points of path data made of M, l (implicit repeats) and z, as ringsToPath writes it. */
function parsePath(d: string): [number, number][][] {
  const rings: [number, number][][] = [];
  for (const part of d.split('z').filter((p) => p !== '')) {
    const m = /^M(-?[\d.]+),?(-?[\d.]+)(?:l(.*))?$/.exec(part);
    if (!m) throw new Error(`bad ring ${part}`);
    let x = Number(m[1]);
    let y = Number(m[2]);
    const ring: [number, number][] = [[x, y]];
    const nums = (m[3] ?? '').match(/-?[\d.]+/g)?.map(Number) ?? [];
    for (let i = 0; i < nums.length; i += 2) {
      x += nums[i]!;
      y += nums[i + 1]!;
      ring.push([x, y]);
    }
    rings.push(ring);
  }
  return rings;
}

/** The centroid of a shape's path data (mean of its points), enough to tell north from south. */
function meanPoint(d: string): [number, number] {
  const pts = parsePath(d).flat();
  return [pts.reduce((s, p) => s + p[0], 0) / pts.length, pts.reduce((s, p) => s + p[1], 0) / pts.length];
}

describe('simplifyLine', () => {
  it('drops points within the tolerance of the line and keeps the rest', () => {
    expect(
      simplifyLine(
        [
          [0, 0],
          [1, 0.1],
          [2, -0.1],
          [3, 0],
        ],
        0.5,
      ),
    ).toEqual([
      [0, 0],
      [3, 0],
    ]);
    expect(
      simplifyLine(
        [
          [0, 0],
          [1, 5],
          [2, 0],
        ],
        0.5,
      ),
    ).toEqual([
      [0, 0],
      [1, 5],
      [2, 0],
    ]);
  });

  it('property: every dropped point is within the tolerance of the simplified line; ends kept', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.double({ min: 0, max: 100, noNaN: true }),
            fc.double({ min: 0, max: 100, noNaN: true }),
          ),
          {
            minLength: 2,
            maxLength: 60,
          },
        ),
        fc.double({ min: 0.1, max: 5, noNaN: true }),
        (points, tol) => {
          const out = simplifyLine(points as [number, number][], tol);
          expect(out[0]).toEqual(points[0]);
          expect(out[out.length - 1]).toEqual(points[points.length - 1]);
          // Each original point lies within tol of the kept polyline piece that spans it.
          const keptIdx = out.map((p) => points.indexOf(p as [number, number]));
          for (let k = 1; k < keptIdx.length; k++) {
            const [a, b] = [points[keptIdx[k - 1]!]!, points[keptIdx[k]!]!];
            for (let i = keptIdx[k - 1]! + 1; i < keptIdx[k]!; i++) {
              const p = points[i]!;
              const dx = b[0] - a[0];
              const dy = b[1] - a[1];
              const len2 = dx * dx + dy * dy;
              const t =
                len2 === 0 ? 0 : Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2));
              const dist = Math.hypot(a[0] + t * dx - p[0], a[1] + t * dy - p[1]);
              expect(dist).toBeLessThanOrEqual(tol + 1e-9);
            }
          }
        },
      ),
    );
  });
});

describe('ringsToPath', () => {
  it('writes an absolute move then relative lines in tenths of a pixel, closing with z', () => {
    const square: [number, number][] = [
      [0, 0],
      [10, 0],
      [10, 10],
      [0, 10],
      [0, 0],
    ];
    expect(ringsToPath([square])).toBe('M0,0l10,0 0,10-10,0z');
    expect(
      ringsToPath([
        [
          [1.26, 2.04],
          [3.5, 1.1],
          [1.26, 2.04],
        ],
      ]),
    ).toBe('M1.3,2l2.2-0.9z');
  });

  it('property: the path reads back as the points rounded to a tenth (no drift)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.double({ min: -50, max: 600, noNaN: true }),
            fc.double({ min: -50, max: 600, noNaN: true }),
          ),
          {
            minLength: 3,
            maxLength: 40,
          },
        ),
        (pts) => {
          const ring = pts as [number, number][];
          const back = parsePath(ringsToPath([ring]))[0]!;
          // Consecutive duplicates (after rounding) are dropped; compare with the same rule.
          const round = (v: number) => Math.round(v * 10) / 10;
          const expected: [number, number][] = [];
          for (const [x, y] of ring) {
            const p: [number, number] = [round(x), round(y)];
            const last = expected[expected.length - 1];
            if (!last || Math.abs(last[0] - p[0]) > 1e-9 || Math.abs(last[1] - p[1]) > 1e-9) expected.push(p);
          }
          expect(back.length).toBe(expected.length);
          back.forEach((p, i) => {
            expect(p[0]).toBeCloseTo(expected[i]![0], 6);
            expect(p[1]).toBeCloseTo(expected[i]![1], 6);
          });
        },
      ),
    );
  });
});

describe('rewind', () => {
  it('turns an RFC 7946 (anticlockwise) ring into the clockwise one d3 expects, and leaves a clockwise one alone', () => {
    const anticlockwise = [
      [-1, 51],
      [0, 51],
      [0, 52],
      [-1, 52],
      [-1, 51],
    ];
    const collection = (ring: number[][]): BoundaryCollection => ({
      type: 'FeatureCollection',
      level: 'region',
      structure: 'current',
      source: 'test',
      features: [
        {
          type: 'Feature',
          geometry: { type: 'Polygon', coordinates: [ring] },
          properties: { code: 'X', name: 'X', onsCode: '' },
        },
      ],
    });
    const area = (c: BoundaryCollection) => geoArea(c.features[0]!.geometry);
    expect(area(collection(anticlockwise))).toBeGreaterThan(2 * Math.PI);
    const fixed = rewind(collection(anticlockwise));
    expect(area(fixed)).toBeLessThan(0.001);
    const again = rewind(fixed);
    expect(again.features[0]!.geometry.coordinates).toEqual(fixed.features[0]!.geometry.coordinates);
  });
});

describe('projectCollection on the shipped boundaries', () => {
  it('regions: north up, west left, inside the view box', async () => {
    const g = projectCollection(await loadBoundaries('region'));
    expect(g.shapes).toHaveLength(7);
    expect(g.width).toBe(560);
    expect(g.height).toBeGreaterThan(550);
    expect(g.height).toBeLessThan(750);
    for (const s of g.shapes) {
      for (const [x, y] of parsePath(s.d).flat()) {
        expect(x).toBeGreaterThanOrEqual(0);
        expect(x).toBeLessThanOrEqual(g.width);
        expect(y).toBeGreaterThanOrEqual(0);
        expect(y).toBeLessThanOrEqual(g.height);
      }
      expect(Math.abs(ringArea(parsePath(s.d)[0]!))).toBeGreaterThan(0);
    }
    const at = (code: string) => meanPoint(g.shapes.find((s) => s.code === code)!.d);
    expect(at('Y63')[1]).toBeLessThan(at('Y56')[1]); // North East and Yorkshire is north of London
    expect(at('Y58')[0]).toBeLessThan(at('Y56')[0]); // South West is west of London
    expect(at('Y61')[0]).toBeGreaterThan(at('Y60')[0]); // East of England is east of the Midlands
  });

  it('every level is small once simplified (gzipped path data well under the page budget) and cached', async () => {
    let total = 0;
    for (const [level, structure] of [
      ['region', 'current'],
      ['icb', 'current'],
      ['icb', '2024'],
      ['sub_icb', 'current'],
    ] as const) {
      const g = await mapGeometry(level, structure, loadBoundaries);
      const bytes = zlib.gzipSync(g.shapes.map((s) => s.d).join('\n')).length;
      expect(bytes, `${level} ${structure}`).toBeLessThan(30_000);
      total += bytes;
      expect(await mapGeometry(level, structure, loadBoundaries)).toBe(g);
    }
    expect(total).toBeGreaterThan(10_000); // not simplified to nothing
  });
});

describe('clipRing', () => {
  it('clips a ring to the rectangle: a square over a corner keeps the part inside', () => {
    const ring: [number, number][] = [
      [-5, -5],
      [5, -5],
      [5, 5],
      [-5, 5],
    ];
    const clipped = clipRing(ring, 0, 0, 10, 10);
    expect(Math.abs(ringArea(clipped))).toBeCloseTo(25, 9);
    expect(clipped.every(([x, y]) => x >= 0 && x <= 10 && y >= 0 && y <= 10)).toBe(true);
    expect(clipRing(ring, 20, 20, 30, 30)).toEqual([]);
    expect(Math.abs(ringArea(clipRing(ring, -100, -100, 100, 100)))).toBe(100);
  });

  it('property: the clipped area never exceeds the ring’s or the window’s, and equals the ring’s when it fits', () => {
    // A star-shaped (so simple) ring around the origin: n points at jittered, increasing angles (gaps under
    // half a turn), each at a positive distance.
    const star = fc
      .array(fc.tuple(fc.double({ min: 0, max: 0.9, noNaN: true }), fc.integer({ min: 1, max: 50 })), {
        minLength: 4,
        maxLength: 12,
      })
      .map((pts) =>
        pts.map(([jitter, r], i): [number, number] => {
          const angle = (2 * Math.PI * (i + jitter)) / pts.length;
          return [r * Math.cos(angle), r * Math.sin(angle)];
        }),
      );
    fc.assert(
      fc.property(star, (ring) => {
        const area = Math.abs(ringArea(ring));
        const inside = clipRing(ring, -20, -10, 30, 20);
        const e = 1e-9; // interpolation rounding
        expect(inside.every(([x, y]) => x >= -20 - e && x <= 30 + e && y >= -10 - e && y <= 20 + e)).toBe(
          true,
        );
        const clipped = Math.abs(ringArea(inside));
        expect(clipped).toBeLessThanOrEqual(area + 1e-9);
        expect(clipped).toBeLessThanOrEqual(50 * 30 + 1e-9);
        expect(Math.abs(ringArea(clipRing(ring, -60, -60, 60, 60)))).toBeCloseTo(area, 9);
      }),
    );
  });
});

describe('zoomed maps and insets', () => {
  const load = (level: 'region' | 'icb' | 'sub_icb', structure: 'current' | '2024') =>
    loadBoundaries(level, structure);

  it('a zoom draws exactly the shapes asked for, fitted to the width, no taller than the limit', async () => {
    const all = await loadBoundaries('sub_icb');
    const codes = all.features.map((f) => f.properties.code).filter((c, i) => i % 7 === 0);
    const zoomed = await zoomedGeometry('sub_icb', 'current', load, codes);
    expect(zoomed.shapes.map((s) => s.code).sort()).toEqual([...codes].sort());
    expect(zoomed.height).toBeLessThanOrEqual(ZOOM_MAX_HEIGHT);
    const pts = zoomed.shapes.flatMap((s) => parsePath(s.d).flat());
    const xs = pts.map((p) => p[0]);
    const ys = pts.map((p) => p[1]);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThanOrEqual(zoomed.width);
    expect(Math.max(...ys)).toBeLessThanOrEqual(zoomed.height);
    // Fills the width or the height.
    expect(
      Math.max(Math.max(...xs) - Math.min(...xs), (Math.max(...ys) - Math.min(...ys)) * 1.0001),
    ).toBeGreaterThan(Math.min(zoomed.width, zoomed.height) - 20);
    expect(await zoomedGeometry('sub_icb', 'current', load, [...codes].reverse())).toBe(zoomed);
  });

  it('the London inset holds every London ICB, larger than on the England map, clipped to the inset', async () => {
    const london = MAP_INSETS.find((i) => i.id === 'london')!;
    const inset = (await insetGeometry('icb', 'current', load, london))!;
    const codes = inset.geometry.shapes.map((s) => s.code);
    for (const code of ['QKK', 'QMF', 'QWE', 'Z9B2Z']) expect(codes).toContain(code);
    expect(codes).not.toContain('QOP'); // Greater Manchester is far away
    for (const s of inset.geometry.shapes) {
      for (const [x, y] of parsePath(s.d).flat()) {
        expect(x).toBeGreaterThanOrEqual(-0.05);
        expect(x).toBeLessThanOrEqual(inset.geometry.width + 0.05);
        expect(y).toBeGreaterThanOrEqual(-0.05);
        expect(y).toBeLessThanOrEqual(inset.geometry.height + 0.05);
      }
    }
    // On the England map the box is small and in the south east; the inset is about 5 times larger.
    const england = await mapGeometry('icb', 'current', load);
    expect(inset.box.x).toBeGreaterThan(england.width / 2);
    expect(inset.box.y).toBeGreaterThan(england.height / 2);
    expect(inset.geometry.width / inset.box.width).toBeGreaterThan(4);
  });
});
