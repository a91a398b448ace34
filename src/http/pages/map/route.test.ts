import zlib from 'node:zlib';
import { parse } from 'csv-parse/sync';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WarehouseQueries } from '../../../app/warehouse-queries.ts';
import { loadConfig } from '../../../config.ts';
import { isOpenMetric, type Viewer } from '../../../domain/access.ts';
import {
  londonMonth,
  mapTestWarehouse,
  TEST_CLOCK,
  type MapTestWarehouse,
} from '../../../../test/support/map-warehouse.ts';
import { formatValue } from '../../../web/format.ts';
import { Warehouse } from '../../../warehouse/db.ts';
import { migrate } from '../../../warehouse/migrate.ts';
import { buildApp, CONTENT_SECURITY_POLICY } from '../../app.ts';
import { buildAppAs } from '../../../../test/support/signed-in.ts';

const SIGNED_IN: Viewer = { signedIn: true, role: 'viewer', userId: 't1', via: 'session' };

let w: MapTestWarehouse;
let app: FastifyInstance;
let anon: FastifyInstance;

beforeAll(async () => {
  w = await mapTestWarehouse();
  const deps = {
    db: w.db,
    config: loadConfig({}),
    clock: TEST_CLOCK,
    queries: new WarehouseQueries(w.db, w.catalogue),
    catalogue: w.catalogue,
  };
  app = await buildAppAs({ ...deps }, SIGNED_IN);
  anon = await buildApp(deps);
});

afterAll(async () => {
  await app?.close();
  await anon?.close();
  w?.close();
});

function expectPage(res: LightMyRequestResponse, status = 200) {
  expect(res.statusCode, res.body.slice(0, 300)).toBe(status);
  expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
  expect(res.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
  expect(res.body).toContain('nhsuk-header');
  expect(res.body).not.toMatch(/\sstyle=/);
}

/** The map's links: [code, href, accessible name]. */
function mapLinks(html: string): [string, string, string][] {
  return [...html.matchAll(/<a href="([^"]+)" aria-label="([^"]+)" data-code="([^"]+)">/g)].map((m) => [
    m[3]!,
    m[1]!,
    m[2]!,
  ]);
}

/** The table's rows: [code, name, value text, rank text]. */
function tableRows(html: string): string[][] {
  const table = html.slice(
    html.indexOf('data-map-table'),
    html.indexOf('</table>', html.indexOf('data-map-table')),
  );
  return [
    ...table.matchAll(
      /<tr class="nhsuk-table__row" data-code="([^"]+)">\s*<th[^>]*><a[^>]*>([^<]*)<\/a><\/th>\s*<td[^>]*>[^<]*<\/td>\s*<td[^>]*>([^<]*)<\/td>\s*<td[^>]*>([^<]*)<\/td>/g,
    ),
  ].map((m) => [m[1]!, m[2]!, m[3]!, m[4]!]);
}

const unescape = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

describe('GET /map (signed in)', () => {
  it('defaults to ICBs, users per 1,000 patients 13+, the latest complete month; one link per area with a boundary', async () => {
    const res = await app.inject('/map');
    expectPage(res);
    const html = res.body;
    expect(html).toContain(
      '<title>Map of Users logging in per 1,000 patients aged 13+ by area, October 2026',
    );
    expect(html).toMatch(/id="map-summary">In October 2026, .* had the highest users logging in per 1,000/);
    const links = mapLinks(html);
    expect(links.map((l) => l[0]).sort()).toEqual(['QHM', 'QJK', 'Z9B2Z']);
    expect(links.find((l) => l[0] === 'QHM')![1]).toBe('/areas/icb/QHM');
    // London's only practice has no list size: no rate, hatched and labelled.
    expect(links.find((l) => l[0] === 'Z9B2Z')![2]).toBe(
      'NHS West and North London Integrated Care Board: no data',
    );
    expect(html).toMatch(/data-code="Z9B2Z"><title>[^<]*<\/title><path class="app-map-area app-map-nodata"/);
    // Honest about what is not drawn and what is drawn with no area.
    expect(html).toMatch(/id="map-no-boundary">[^<]*Made-up Integrated Care Board QZZ9 \(QZZ9\)/);
    expect(html).toMatch(/id="map-no-area">/);
    // The table holds every area, the one without a boundary too.
    expect(
      tableRows(html)
        .map((r) => r[0])
        .sort(),
    ).toEqual(['QHM', 'QJK', 'QZZ9', 'Z9B2Z']);
    expect(html).toContain('Key: Users logging in per 1,000 patients aged 13+');
    expect(html).toMatch(/No data <span class="app-map-legend__count">\(1 ICB\)/);
  });

  it('the table shows the stored figures (read straight from the cube), ranked', async () => {
    const res = await app.inject('/map?level=sub_icb&metric=logins&grain=month&period=2026-09-01');
    expectPage(res);
    const stored = await w.db.all<{ code: string; value: number }>(
      `SELECT area_code AS code, value FROM metric_value WHERE structure = 'current' AND metric_id = 'logins'
         AND grain = 'month' AND period_start = DATE '2026-09-01' AND area_level = 'sub_icb'`,
    );
    const byCode = new Map(stored.map((r) => [r.code, r.value]));
    const rows = tableRows(res.body);
    expect(rows).toHaveLength(4);
    for (const [code, , valueText] of rows)
      expect(valueText).toBe(formatValue(byCode.get(code!) ?? 0, 'events'));
    expect(rows.find((r) => r[0] === 'ZZ9')![2]).toBe('0'); // no activity: zero, not "no data"
    const values = rows.map((r) => Number(r[2]!.replace(/,/g, '')));
    expect(values).toEqual([...values].sort((a, b) => b - a));
    expect(rows[0]![3]).toBe('1');
  });

  it('regions: the 4 regions with no area are drawn as blank outlines and listed', async () => {
    const res = await app.inject('/map?level=region&metric=logins');
    expectPage(res);
    expect(
      mapLinks(res.body)
        .map((l) => l[0])
        .sort(),
    ).toEqual(['Y56', 'Y58', 'Y63']);
    expect((res.body.match(/class="app-map-area app-map-unmatched"/g) ?? []).length).toBe(4);
    expect(res.body).toMatch(/id="map-no-area">[^]*Midlands \(Y60\)/);
  });

  it('a week, a month given as YYYY-MM, a date inside a period, and equal-interval classes', async () => {
    const week = await app.inject('/map?level=icb&metric=logins&grain=week&period=2026-10-01');
    expectPage(week);
    expect(week.body).toContain('Week commencing 28 September 2026');
    const month = await app.inject('/map?metric=logins&period=2026-08');
    expectPage(month);
    expect(month.body).toMatch(/In August 2026,/);
    const equal = await app.inject('/map?metric=logins&classes=equal');
    expect(equal.body).toContain('equal-interval classes');
  });

  it('keeps the page small: the sub-ICB map, gzipped, is well under 150 KB', async () => {
    const res = await app.inject({ url: '/map?level=sub_icb', headers: { 'accept-encoding': 'gzip' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-encoding']).toBe('gzip');
    const bytes = res.rawPayload.length;
    expect(zlib.gunzipSync(res.rawPayload).toString()).toContain('data-map="map"');
    expect(bytes).toBeLessThan(60_000);
  });

  it('zoomed to a region: only its areas on the map, in the table and in the CSV, with England’s shades', async () => {
    const res = await app.inject('/map?metric=logins&period=2026-10&region=y58');
    expectPage(res);
    const html = res.body;
    // South West (Y58): Devon (QJK) and the made-up QZZ9, which has no boundary.
    expect(mapLinks(html).map((l) => l[0])).toEqual(['QJK']);
    expect(
      tableRows(html)
        .map((r) => r[0])
        .sort(),
    ).toEqual(['QJK', 'QZZ9']);
    expect(html).toMatch(
      /<h2 class="nhsuk-heading-l" id="map-heading">NHS App logins by area in South West: October 2026/,
    );
    expect(html).toContain('Rank in England (1 = highest)');
    expect(html).toMatch(/<option value="Y58" selected>South West<\/option>/);
    expect(html).toMatch(
      /id="map-zoom-out" href="\/map\?level=icb&amp;metric=logins&amp;grain=month&amp;period=2026-10-01"/,
    );
    expect(html).not.toContain('data-map-inset');
    // The same shade as on the England map, and England's rank.
    const shadeOf = (page: string, code: string) =>
      page.match(new RegExp(`data-code="${code}"><title>[^<]*</title><path class="([^"]+)"`))![1];
    const whole = await app.inject('/map?metric=logins&period=2026-10');
    expect(shadeOf(html, 'QJK')).toBe(shadeOf(whole.body, 'QJK'));
    expect(tableRows(html).find((r) => r[0] === 'QJK')![3]).toBe(
      tableRows(whole.body).find((r) => r[0] === 'QJK')![3],
    );
    const csv = await app.inject('/map.csv?metric=logins&period=2026-10&region=Y58');
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-disposition']).toContain('nhs-app-map_icb_Y58_logins_month_2026-10-01.csv');
    const records = parse(csv.body, { columns: true }) as Record<string, string>[];
    expect(records.map((r) => r.area_code).sort()).toEqual(['QJK', 'QZZ9']);
  });

  it('the key gives England’s figure (every login of the month) and links to the data dictionary', async () => {
    const res = await app.inject('/map?metric=logins&period=2026-10');
    expectPage(res);
    const logins = w.events.filter((e) => e.type === 'login' && londonMonth(e.time) === '2026-10').length;
    expect(res.body).toContain(`<strong>England: ${formatValue(logins, 'events')}</strong>`);
    expect(res.body).toMatch(
      /<a class="nhsuk-link" id="map-dictionary" href="\/dictionary\/logins">What is this figure\?/,
    );
    const dictionary = await app.inject('/dictionary/logins');
    expect(dictionary.statusCode).toBe(200);
  });

  it('insets draw London and Greater Manchester larger, hidden from screen readers, each with a zoom link', async () => {
    const res = await app.inject('/map?metric=logins&period=2026-10');
    const html = res.body;
    const london = html.slice(
      html.indexOf('id="map-inset-london"'),
      html.indexOf('</svg>', html.indexOf('id="map-inset-london"')),
    );
    expect(london).toContain('aria-hidden="true"');
    // London's one ICB of the test warehouse, out of the tab order.
    expect(
      [...london.matchAll(/<a href="([^"]+)" tabindex="-1" data-code="([^"]+)">/g)].map((m) => m[2]),
    ).toEqual(['Z9B2Z']);
    expect(london).toMatch(
      /href="\/map\?level=icb&amp;metric=logins&amp;grain=month&amp;period=2026-10-01&amp;region=Y56#map-heading">Zoom to London</,
    );
    // The test warehouse has no area in Greater Manchester: no inset for it.
    expect(html).not.toContain('id="map-inset-manchester"');
    expect((html.match(/class="app-map-inset-box"/g) ?? []).length).toBe(1);
    const regions = await app.inject('/map?level=region&metric=logins');
    expect(regions.body).not.toContain('data-map-inset');
  });

  it('bad parameters answer an NHS-styled 400 naming the parameter', async () => {
    const cases: [string, RegExp][] = [
      ['/map?level=pcn', /level must be one of: region, icb, sub_icb/],
      ['/map?grain=year', /grain must be one of/],
      ['/map?metric=Bad!', /metric must be a metric id/],
      ['/map?period=2026-13-01', /period: must be a calendar date/],
      ['/map?period=yesterday', /period must be a date/],
      ['/map?metric=logins&period=2025-01-01', /period: there are no complete monthly figures of logins/],
      ['/map?metric=logins&period=2026-11-01', /period: there are no complete monthly figures/], // partial month
      ['/map?level=region&metric=downloads', /metric: downloads has no figures for NHS England regions/],
      ['/map?metric=pomi_appointments_use&grain=week', /grain: pomi_appointments_use has no weekly figures/],
      ['/map?sort=size', /sort must be one of/],
      ['/map?classes=jenks', /classes must be one of: quantile, equal/],
      ['/map?level=icb&level=region', /level must be given once/],
      ['/map.csv?level=pcn', /level must be one of/],
      ['/map?region=Y99', /region: Y99 is not an NHS England region; choose one of Y56, Y58, Y63/],
      ['/map?region=Y5-6', /region must be an NHS England region code/],
    ];
    for (const [url, message] of cases) {
      const res = await app.inject(url);
      expect(res.statusCode, url).toBe(400);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(unescape(res.body), url).toMatch(message);
      expect(res.body).toContain('Sorry, there is a problem with this link');
    }
  });

  it('an unknown metric is a 404 (page and CSV)', async () => {
    for (const url of ['/map?metric=no_such_metric', '/map.csv?metric=no_such_metric']) {
      const res = await app.inject(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.body).toContain('Page not found');
    }
  });
});

describe('GET /map.csv', () => {
  it('gives exactly the table: same areas, order, values and ranks', async () => {
    for (const query of [
      'level=icb&metric=unique_logins_per_1000&grain=month&period=2026-10-01',
      'level=sub_icb&metric=logins&grain=week&period=2026-11-09&sort=name&dir=desc',
      'level=region&metric=registered_pct_13plus&classes=equal&sort=value&dir=asc',
    ]) {
      const page = await app.inject(`/map?${query}`);
      const csv = await app.inject(`/map.csv?${query}`);
      expect(csv.statusCode).toBe(200);
      expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(String(csv.headers['content-disposition'])).toMatch(
        /^attachment; filename="nhs-app-map_[a-z_]+_[a-z0-9_]+_(week|month)_\d{4}-\d{2}-\d{2}\.csv"$/,
      );
      const records = parse(csv.body, { columns: true }) as Record<string, string>[];
      const rows = tableRows(page.body);
      expect(records.map((r) => r.area_code)).toEqual(rows.map((r) => r[0]));
      const metricId = records[0]!.metric_id!;
      const unit = w.catalogue.find((m) => m.id === metricId)!.unit;
      records.forEach((r, i) => {
        const [code, name, valueText, rankText] = rows[i]!;
        expect(r.area_code).toBe(code);
        // Sub-ICB locations are shown by place and NHS name (docs/adr/0028); the CSV has both apart.
        expect(r.area_place_name ? `${r.area_place_name} — ${r.area_name}` : r.area_name).toBe(
          unescape(name!),
        );
        if (r.area_code === '16C') expect(r.area_place_name).toBe('Tees Valley');
        expect(r.value === '' ? 'No data' : formatValue(Number(r.value), unit)).toBe(valueText);
        expect(r.rank === '' ? '–' : r.rank).toBe(rankText);
      });
      // The page links to this CSV.
      expect(unescape(page.body)).toContain('id="map-csv" href="/map.csv?');
    }
  });

  it('the page’s CSV link is the same selection', async () => {
    const page = await app.inject('/map?level=region&metric=logins&sort=name&dir=asc');
    const href = unescape(/id="map-csv" href="([^"]+)"/.exec(page.body)![1]!);
    expect(href).toBe('/map.csv?level=region&metric=logins&grain=month&period=2026-10-01&sort=name&dir=asc');
    const csv = await app.inject(href);
    expect((parse(csv.body, { columns: true }) as { area_code: string }[]).map((r) => r.area_code)).toEqual(
      tableRows(page.body).map((r) => r[0]),
    );
  });
});

describe('anonymous viewers: open data only', () => {
  it('the default map is an open rate, and the form offers only what they can see', async () => {
    const res = await anon.inject('/map');
    expectPage(res);
    const html = res.body;
    const metricOptions = [
      ...html
        .slice(html.indexOf('id="map-metric"'), html.indexOf('</select>', html.indexOf('id="map-metric"')))
        .matchAll(/<option value="([^"]+)"/g),
    ].map((m) => m[1]!);
    // MI metrics, list sizes, and rates and percentages of MI counts per patients aged 13+ (issue 11).
    const open = w.catalogue.filter((m) => isOpenMetric(m, w.catalogue)).map((m) => m.id);
    expect(open).toEqual(
      expect.arrayContaining([
        'logins',
        'registered_pct_13plus',
        'unique_logins_per_1000',
        'patients_13plus',
      ]),
    );
    expect(open).not.toContain('appointments_cancelled_per_1000');
    expect(metricOptions.length).toBeGreaterThan(0);
    for (const id of metricOptions) expect(open).toContain(id);
    expect(metricOptions).toContain('registered_pct_13plus');
    // The public map defaults to a rate, with a figure for every ICB (not a population map of counts).
    expect(html).toMatch(/<option value="unique_logins_per_1000"[^>]*selected/);
    // Months only: no weeks to choose, and no hint about switching between them (staff see both).
    expect(html).not.toContain('name="grain"');
    expect(html).not.toContain('If you switch between weeks and months');
    expect((await app.inject('/map')).body).toContain('If you switch between weeks and months');
    const csv = await anon.inject('/map.csv');
    const records = parse(csv.body, { columns: true }) as Record<string, string>[];
    expect(records.length).toBeGreaterThan(0);
    for (const r of records) expect(r.metric_id).toBe('unique_logins_per_1000');
    // Every ICB with patients aged 13+ in the test warehouse has a rate (one has no list sizes: no data).
    expect(records.filter((r) => Number(r.value) > 0).length).toBe(records.length - 1);
    const levelOptions = [
      ...html
        .slice(html.indexOf('id="map-level"'), html.indexOf('</select>', html.indexOf('id="map-level"')))
        .matchAll(/<option value="([^"]+)"/g),
    ].map((m) => m[1]!);
    expect(levelOptions).toEqual(['region', 'icb']);
    expect(html).not.toContain('name="grain"');
    expect(html).toContain('open data');
    expect(mapLinks(html)).toHaveLength(3);
  });

  it('open figures are served; weekly, sub-ICB and restricted figures are refused (401: sent to sign in)', async () => {
    expect((await anon.inject('/map?level=region&metric=logins&grain=month')).statusCode).toBe(200);
    expect((await anon.inject('/map.csv?level=icb&metric=unique_logins')).statusCode).toBe(200);
    expect((await anon.inject('/map?level=icb&metric=registered_pct_13plus')).statusCode).toBe(200);
    expect((await anon.inject('/map.csv?level=region&metric=patients_13plus')).statusCode).toBe(200);
    for (const url of [
      '/map?level=sub_icb',
      '/map?grain=week',
      '/map?level=sub_icb&metric=unique_logins_per_1000',
      '/map?metric=appointments_cancelled_per_1000',
      '/map.csv?level=sub_icb&metric=logins',
      '/map.csv?metric=logins&grain=week',
    ]) {
      // The figure reader refuses (401); for pages the app answers it with a redirect to sign in.
      const res = await anon.inject(url);
      expect(res.statusCode, url).toBe(303);
      expect(res.headers.location).toBe(`/sign-in?next=${encodeURIComponent(url)}`);
      expect(res.body).not.toContain('data-map-table');
      expect(res.body).not.toContain('area_code');
    }
  });
});

describe('anonymous viewers under disclosure control (OPEN_DATA_DISCLOSURE=on)', () => {
  it('see counts below England rounded to 5 and 1 to 7 as "*", on the map, in its table and CSV', async () => {
    const sdc = await buildApp({
      db: w.db,
      config: loadConfig({ OPEN_DATA_DISCLOSURE: 'on' }),
      clock: TEST_CLOCK,
      queries: new WarehouseQueries(w.db, w.catalogue),
      catalogue: w.catalogue,
    });
    const query = 'level=icb&metric=logins&grain=month&period=2026-10-01';
    const stored = await w.db.all<{ code: string; value: number }>(
      `SELECT area_code AS code, value FROM metric_value WHERE structure = 'current' AND metric_id = 'logins'
         AND grain = 'month' AND period_start = DATE '2026-10-01' AND area_level = 'icb'`,
    );
    const exact = new Map(stored.map((r) => [r.code, r.value]));
    // The rule written out again: 0 stays 0, 1 to 7 are not shown, others go to the nearest 5 (halves up).
    const shown = (v: number) => (v === 0 ? '0' : v < 8 ? '*' : formatValue(Math.round(v / 5) * 5, 'events'));
    const page = await sdc.inject(`/map?${query}`);
    expectPage(page);
    const rows = tableRows(page.body);
    expect(rows.length).toBeGreaterThan(0);
    for (const [code, , valueText] of rows) expect(valueText).toBe(shown(exact.get(code!) ?? 0));
    // The fixture has an exact count that rounding changes, so the test can tell the two apart.
    expect(stored.some((r) => r.value >= 8 && r.value % 5 !== 0)).toBe(true);
    const records = parse((await sdc.inject(`/map.csv?${query}`)).body, { columns: true }) as Record<
      string,
      string
    >[];
    for (const r of records) {
      const v = exact.get(r.area_code!) ?? 0;
      expect(r.value).toBe(v > 0 && v < 8 ? '*' : String(v === 0 ? 0 : Math.round(v / 5) * 5));
    }
    // Signed-in users see the exact counts.
    const exactRows = tableRows((await app.inject(`/map?${query}`)).body);
    for (const [code, , valueText] of exactRows)
      expect(valueText).toBe(formatValue(exact.get(code!) ?? 0, 'events'));
    await sdc.close();
  });
});

describe('an empty warehouse', () => {
  it('answers 200 with a plain message, an empty table and a CSV of the header only', async () => {
    const db = await Warehouse.open(':memory:');
    await migrate(db);
    const empty = await buildAppAs(
      {
        db,
        config: loadConfig({}),
        clock: TEST_CLOCK,
        queries: new WarehouseQueries(db, w.catalogue),
        catalogue: w.catalogue,
      },
      SIGNED_IN,
    );
    try {
      const res = await empty.inject('/map');
      expectPage(res);
      expect(res.body).toMatch(/There are no complete periods of figures yet/);
      expect(tableRows(res.body)).toEqual([]);
      const csv = await empty.inject('/map.csv');
      expect(csv.statusCode).toBe(200);
      expect(csv.body.trim().split('\r\n')).toHaveLength(1);
      expect((await empty.inject('/map?period=2026-10-01')).statusCode).toBe(400);
    } finally {
      await empty.close();
      db.close();
    }
  });
});
