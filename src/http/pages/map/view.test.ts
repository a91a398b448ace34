import { describe, expect, it } from 'vitest';
import type { MetricDefinition } from '../../../domain/metric-definition.ts';
import type { MapValues } from '../../../query/map-values.ts';
import type { MapGeometry } from '../../../web/map/geometry.ts';
import { buildMapView, mapCsv, mapSummary, rankRows, sortMapRows, type MapViewInput } from './view.ts';
import { DEFAULT_MAP_SORT, mapUrl } from './state.ts';

const rate: MetricDefinition = {
  id: 'unique_logins_per_1000',
  name: 'Users logging in per 1,000 patients aged 13+',
  short_name: 'Users per 1,000',
  description: 'Different users per 1,000 patients.',
  calculation: 'Users over patients times 1,000.',
  unit: 'per_1000',
  aggregation: 'ratio',
  grains: ['week', 'month'],
  lowest_geography: 'practice',
  source: 'events',
  window: 'period',
  numerator: 'unique_logins',
  denominator: 'patients_13plus',
  multiplier: 1000,
  caveats: [],
  polarity: 'higher_is_better',
  disclosure: 'none',
  mi_publication: false,
  legacy_ids: [],
  theme: 'logins',
  display_order: 1,
};

const values: MapValues = {
  level: 'icb',
  metricId: rate.id,
  grain: 'month',
  periodStart: '2026-10-01',
  hasFigures: true,
  rows: [
    {
      code: 'QAA',
      name: 'Alpha ICB',
      onsCode: 'E1',
      value: 120,
      numerator: 120,
      denominator: 1000,
      coverage: 0.9,
    },
    { code: 'QBB', name: 'Beta ICB', onsCode: 'E2', value: 80, numerator: 40, denominator: 500, coverage: 1 },
    {
      code: 'QCC',
      name: 'Gamma ICB',
      onsCode: 'E3',
      value: 120,
      numerator: 60,
      denominator: 500,
      coverage: 0.5,
    },
    { code: 'QDD', name: 'Delta ICB', onsCode: 'E4', value: null },
    {
      code: 'QEE',
      name: 'Epsilon, "new" ICB',
      onsCode: null,
      value: 95.25,
      numerator: 1,
      denominator: 2,
      coverage: null,
    },
  ],
};

const geometry: MapGeometry = {
  level: 'icb',
  structure: 'current',
  source: 'icb.geojson.gz',
  width: 100,
  height: 120,
  shapes: [
    { code: 'QAA', onsCode: 'E1', name: 'Alpha', d: 'M0,0l10,0 0,10z' },
    { code: 'QBB', onsCode: 'E2', name: 'Beta', d: 'M20,0l10,0 0,10z' },
    { code: 'OLD', onsCode: 'E3', name: 'Gamma (old code)', d: 'M40,0l10,0 0,10z' },
    { code: 'QDD', onsCode: 'E4', name: 'Delta', d: 'M60,0l10,0 0,10z' },
    { code: 'QXX', onsCode: 'E9', name: 'Gone ICB', d: 'M80,0l10,0 0,10z' },
  ],
};

function input(overrides: Partial<MapViewInput['state']> = {}): MapViewInput {
  return {
    state: {
      level: 'icb',
      metric: rate,
      grain: 'month',
      periodStart: '2026-10-01',
      classes: 'quantile',
      sort: DEFAULT_MAP_SORT,
      ...overrides,
    },
    options: {
      levels: ['region', 'icb', 'sub_icb'],
      metrics: [rate],
      grains: ['month', 'week'],
      periods: ['2026-09-01', '2026-10-01'],
    },
    values,
    geometries: [geometry],
    status: { refreshedAt: null, firstDay: '2026-06-01', lastDay: '2026-11-15', demo: null },
    signedIn: true,
  };
}

describe('rankRows and sortMapRows', () => {
  it('ranks highest first, ties share a rank, no value no rank', () => {
    const ranks = rankRows(values.rows);
    expect(Object.fromEntries(ranks)).toEqual({ QAA: 1, QCC: 1, QEE: 3, QBB: 4 });
  });

  it('sorts by any column with rows without a value last', () => {
    const rows = values.rows.map((r) => ({ ...r, rank: rankRows(values.rows).get(r.code) ?? null }));
    expect(sortMapRows(rows, { key: 'value', dir: 'asc' }).map((r) => r.code)).toEqual([
      'QBB',
      'QEE',
      'QAA',
      'QCC',
      'QDD',
    ]);
    expect(sortMapRows(rows, { key: 'value', dir: 'desc' }).map((r) => r.code)).toEqual([
      'QAA',
      'QCC',
      'QEE',
      'QBB',
      'QDD',
    ]);
    expect(sortMapRows(rows, { key: 'name', dir: 'desc' }).map((r) => r.code)).toEqual([
      'QCC',
      'QEE',
      'QDD',
      'QBB',
      'QAA',
    ]);
    expect(sortMapRows(rows, { key: 'rank', dir: 'asc' }).at(-1)!.code).toBe('QDD');
  });
});

describe('mapSummary', () => {
  it('names the highest and lowest, with ties and the period', () => {
    expect(mapSummary(input().state, values.rows)).toBe(
      'In October 2026, Alpha ICB and Gamma ICB shared the highest users logging in per 1,000 patients aged 13+ (120.0) and Beta ICB had the lowest (80.0), of the 4 ICBs with a figure.',
    );
    expect(
      mapSummary({ ...input().state, grain: 'week', periodStart: '2026-11-09' }, [
        { name: 'A', value: 1 },
        { name: 'B', value: 2 },
      ]),
    ).toMatch(/^In the week commencing 9 November 2026, B had the highest .* and A had the lowest/);
    expect(mapSummary(input().state, [{ name: 'A', value: null }])).toBe(
      'There are no figures for users logging in per 1,000 patients aged 13+ for ICBs in October 2026.',
    );
    expect(mapSummary({ ...input().state, periodStart: null }, [])).toMatch(/no complete periods/);
  });
});

describe('buildMapView', () => {
  it('draws one link per area with a shape (matched by ODS then ONS code), hatching areas without a value', () => {
    const view = buildMapView(input());
    const links = [...view.svg!.matchAll(/<a href="([^"]+)" aria-label="([^"]+)" data-code="([^"]+)">/g)];
    expect(links.map((l) => l[3])).toEqual(['QAA', 'QBB', 'QCC', 'QDD']);
    expect(links[0]![1]).toBe('/areas/icb/QAA');
    expect(links[0]![2]).toBe('Alpha ICB: 120.0 per 1,000 patients aged 13+');
    expect(links[3]![2]).toBe('Delta ICB: no data');
    expect(view.svg).toContain('<title>Alpha ICB: 120.0 per 1,000 patients aged 13+</title>');
    expect(view.svg).toMatch(
      /data-code="QDD"><title>[^<]*<\/title><path class="app-map-area app-map-nodata" fill="url\(#map-hatch\)"/,
    );
    // QCC is drawn with the shape whose ONS code matches; QEE has no shape; QXX has no area.
    expect(view.notes.noBoundary).toEqual([{ name: 'Epsilon, "new" ICB', code: 'QEE' }]);
    expect(view.notes.noArea).toEqual([{ name: 'Gone ICB', code: 'QXX' }]);
    expect(view.svg).toContain('class="app-map__unmatched" aria-hidden="true"');
  });

  it('names a sub-ICB location by its place and NHS name in the table and tooltips, the CSV keeping both apart', () => {
    const row = {
      code: '15F',
      name: 'NHS West Yorkshire ICB - 15F',
      placeName: 'Leeds',
      onsCode: null,
      value: 1,
    };
    const view = buildMapView({ ...input(), values: { ...values, rows: [row] } });
    expect(view.table.rows.map((r) => r.name)).toEqual(['Leeds — NHS West Yorkshire ICB - 15F']);
    expect(view.csv.rows[0]!.slice(0, 4)).toEqual(['15F', 'NHS West Yorkshire ICB - 15F', 'Leeds', 'icb']);
  });

  it('escapes names in the SVG', () => {
    const view = buildMapView({
      ...input(),
      values: { ...values, rows: [{ code: 'QAA', name: 'A <b>&"x"</b>', onsCode: null, value: 1 }] },
    });
    expect(view.svg).toContain('A &lt;b&gt;&amp;&quot;x&quot;&lt;/b&gt;');
    expect(view.svg).not.toContain('<b>');
  });

  it('a legend with text ranges and counts, quantile or equal intervals, and "no data"', () => {
    const q = buildMapView(input());
    expect(q.legend!.methodText).toMatch(/quantile/);
    expect(q.legend!.items.map((i) => `${i.text} (${i.countText})`)).toEqual([
      '80.0 (1 ICB)',
      '95.3 (1 ICB)',
      '120.0 (2 ICBs)',
    ]);
    expect(q.legend!.noData).toEqual({ countText: '1 ICB' });
    const e = buildMapView(input({ classes: 'equal' }));
    expect(e.legend!.methodText).toMatch(/equal-interval/);
    expect(e.legend!.items.map((i) => i.text)).toEqual(['80.0 to 93.3', '93.3 to 106.7', '106.7 to 120.0']);
  });

  it('the table and the CSV hold the same rows in the same order', () => {
    const view = buildMapView(input({ sort: { key: 'name', dir: 'asc' } }));
    expect(view.table.rows.map((r) => r.code)).toEqual(['QAA', 'QBB', 'QDD', 'QEE', 'QCC']);
    expect(view.csv.rows.map((r) => r[0])).toEqual(view.table.rows.map((r) => r.code));
    expect(view.table.rows.map((r) => r.valueText)).toEqual(['120.0', '80.0', 'No data', '95.3', '120.0']);
    expect(view.table.rows.map((r) => r.rankText)).toEqual(['1', '4', '–', '3', '1']);
    expect(view.table.rows.find((r) => r.code === 'QEE')!.onMap).toBe(false);
    const csv = mapCsv(view).split('\r\n');
    expect(csv[0]).toBe(
      'area_code,area_name,area_place_name,area_level,area_ons_code,metric_id,grain,period_start,value,numerator,denominator,coverage,rank,shade_class,on_map',
    );
    expect(csv[1]).toBe(
      'QAA,Alpha ICB,,icb,E1,unique_logins_per_1000,month,2026-10-01,120,120,1000,0.9,1,120.0,yes',
    );
    expect(csv[3]).toBe('QDD,Delta ICB,,icb,E4,unique_logins_per_1000,month,2026-10-01,,,,,,No data,yes');
    expect(csv[4]).toBe(
      // 95.25 per 1,000 is written to 1 decimal, half away from zero (docs/adr/0022).
      'QEE,"Epsilon, ""new"" ICB",,icb,,unique_logins_per_1000,month,2026-10-01,95.3,1,2,,3,95.3,no',
    );
    expect(csv.at(-1)).toBe('');
  });

  it('sort links keep every setting and toggle the current column', () => {
    const view = buildMapView(input());
    const rank = view.table.columns.find((c) => c.key === 'rank')!;
    expect(rank.ariaSort).toBe('ascending');
    expect(rank.href).toBe(
      '/map?level=icb&metric=unique_logins_per_1000&grain=month&period=2026-10-01&sort=rank&dir=desc#map-table',
    );
    expect(view.table.columns.find((c) => c.key === 'value')!.href).toContain('sort=value&dir=desc');
    expect(view.csvHref).toBe(
      '/map.csv?level=icb&metric=unique_logins_per_1000&grain=month&period=2026-10-01',
    );
    expect(
      mapUrl('/map', {
        level: 'region',
        metricId: 'logins',
        grain: 'week',
        periodStart: null,
        classes: 'equal',
      }),
    ).toBe('/map?level=region&metric=logins&grain=week&classes=equal');
  });

  it('the form offers what it is given, newest period first, and tells anonymous viewers what signing in adds', () => {
    const view = buildMapView({
      ...input(),
      signedIn: false,
      options: { ...input().options, grains: ['month'] },
    });
    expect(view.form.periods.map((p) => [p.value, p.selected])).toEqual([
      ['2026-10-01', true],
      ['2026-09-01', false],
    ]);
    expect(view.form.grains).toEqual([]);
    expect(view.form.signInNote).toBe(true);
    expect(buildMapView(input()).form.grains.map((g) => g.value)).toEqual(['month', 'week']);
  });

  it('no figures at all: every area "no data", said plainly', () => {
    const view = buildMapView({
      ...input(),
      values: { ...values, hasFigures: false, rows: values.rows.map((r) => ({ ...r, value: null })) },
    });
    expect(view.notes.noFigures).toBe(true);
    expect(view.legend!.items).toEqual([]);
    expect(view.summary).toMatch(/^There are no figures/);
  });
});

describe('zoom, England in the key, approximate boundaries', () => {
  const inRegions: MapValues = {
    ...values,
    rows: values.rows.map((r, i) => ({
      ...r,
      regionCode: i < 2 ? 'Y56' : 'Y58',
      regionName: i < 2 ? 'London' : 'South West',
    })),
  };

  it('zoomed to a region: only its areas in the map, table and CSV, shaded and ranked as on the England map', () => {
    const england = buildMapView({ ...input(), values: inRegions });
    const view = buildMapView({
      ...input({ region: 'Y58' }),
      values: inRegions,
      geometries: [{ ...geometry, shapes: geometry.shapes.filter((s) => s.code !== 'QAA') }],
    });
    expect(view.zoom).toEqual({
      code: 'Y58',
      name: 'South West',
      englandHref: '/map?level=icb&metric=unique_logins_per_1000&grain=month&period=2026-10-01',
    });
    expect(view.table.rows.map((r) => r.code)).toEqual(['QCC', 'QEE', 'QDD']);
    expect(view.csv.rows.map((r) => r[0])).toEqual(['QCC', 'QEE', 'QDD']);
    expect(view.table.caption).toContain('by ICB in South West');
    // England's ranks: QCC shares first place with QAA (120), QEE is third.
    expect(view.table.rows.map((r) => r.rankText)).toEqual(['1', '3', '–']);
    const shade = (svg: string, code: string) =>
      new RegExp(`data-code="${code}"><title>[^<]*</title><path class="([^"]+)"`).exec(svg)![1];
    expect(shade(view.svg!, 'QCC')).toBe(shade(england.svg!, 'QCC'));
    // The key keeps England's classes and counts the region's areas.
    expect(view.legend!.items.map((i) => `${i.text} (${i.countText})`)).toEqual([
      '80.0 (0 ICBs)',
      '95.3 (1 ICB)',
      '120.0 (1 ICB)',
    ]);
    expect(view.form.regions).toEqual([
      { value: '', text: 'All of England', selected: false },
      { value: 'Y56', text: 'London', selected: false },
      { value: 'Y58', text: 'South West', selected: true },
    ]);
    expect(view.table.columns.find((c) => c.key === 'rank')!.href).toContain('region=Y58');
    expect(view.csvHref).toContain('region=Y58');
    // An unknown region is not a zoom (the route answers 400 before this).
    expect(buildMapView({ ...input({ region: 'Y99' }), values: inRegions }).zoom).toBeNull();
  });

  it('England’s figure in the key, rounded half away from zero by the one rule, with its shade', () => {
    // 95.25 per 1,000 rounds to 95.3 (1 decimal), in the class that starts at 95.25.
    const view = buildMapView({ ...input(), england: { value: 95.25 } });
    expect(view.legend!.england).toEqual({
      text: 'England: 95.3 per 1,000 patients aged 13+',
      shade: view.legend!.items[1]!.shade,
    });
    expect(view.dictionaryHref).toBe('/dictionary/unique_logins_per_1000');
    expect(buildMapView({ ...input(), england: { value: null } }).legend!.england).toBeNull();
    // Outside the areas' range (or a count, the sum of the areas): no shade to compare with.
    expect(buildMapView({ ...input(), england: { value: 100 } }).legend!.england!.shade).toBe(
      view.legend!.items[1]!.shade,
    );
    expect(buildMapView({ ...input(), england: { value: 120.06 } }).legend!.england).toEqual({
      text: 'England: 120.1 per 1,000 patients aged 13+',
      shade: null,
    });
    const counts: MetricDefinition = { ...rate, id: 'logins', unit: 'events', aggregation: 'event_count' };
    expect(buildMapView({ ...input({ metric: counts }), england: { value: 100 } }).legend!.england).toEqual({
      text: 'England: 100',
      shade: null,
    });
  });

  it('an area drawn with an approximate boundary says so on the map, in the table and in the notes', () => {
    const view = buildMapView({
      ...input(),
      geometries: [
        {
          ...geometry,
          shapes: geometry.shapes.map((s) =>
            s.code === 'QBB' ? { ...s, approximation: 'drawn with the boundary of the former QZZ' } : s,
          ),
        },
      ],
    });
    expect(view.svg).toContain(
      'aria-label="Beta ICB: 80.0 per 1,000 patients aged 13+ (approximate boundary)"',
    );
    expect(view.svg).toMatch(
      /data-code="QBB"><title>[^<]*<\/title><path class="app-map-area app-map-fill-\d app-map-approx"/,
    );
    expect(view.table.rows.filter((r) => r.approximate).map((r) => r.code)).toEqual(['QBB']);
    expect(view.notes.approximate).toEqual([
      { name: 'Beta ICB', code: 'QBB', text: 'drawn with the boundary of the former QZZ' },
    ]);
  });
});
