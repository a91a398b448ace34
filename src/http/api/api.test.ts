/**
 * The API over a small real warehouse (real ingest and build, test/support/api-warehouse.ts): figures
 * checked against direct SQL over the events and the cube, and against the read model the `query` command
 * prints; CSV against JSON; 400/404/401; anonymous against signed-in; ETags and invalidation.
 */
import { Ajv } from 'ajv';
import { parse } from 'csv-parse/sync';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AreaLevel } from '../../domain/areas.ts';
import { roundTo } from '../../domain/rounding.ts';
import { getNationalSummary } from '../../query/national-summary.ts';
import { getPeers } from '../../query/peers.ts';
import { getAreaSeries, getMetricSeries } from '../../query/series.ts';
import { getDataStatus } from '../../query/status.ts';
import { openApiDocument } from './routes.ts';
import { buildAppPair, testWarehouseDeps, type AppPair } from '../../../test/support/test-apps.ts';
import {
  buildTestWarehouse,
  TEST_DEMO_SCALE,
  type TestWarehouse,
} from '../../../test/support/api-warehouse.ts';

let tw: TestWarehouse;
let apps: AppPair;
let anon: FastifyInstance;
let user: FastifyInstance;

beforeAll(async () => {
  tw = await buildTestWarehouse();
  apps = await buildAppPair(testWarehouseDeps(tw));
  ({ anon, user } = apps);
}, 120_000);

afterAll(async () => {
  await apps?.close();
  tw?.close();
});

const metric = (id: string) => tw.catalogue.find((m) => m.id === id)!;

async function json(app: FastifyInstance, url: string) {
  const res = await app.inject(url);
  expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  return res.json();
}

async function csv(app: FastifyInstance, url: string) {
  const res = await app.inject(url);
  expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
  expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
  expect(res.headers['content-disposition']).toMatch(/^attachment; filename="[A-Za-z0-9_-]+\.csv"$/);
  return {
    headers: res.headers,
    rows: parse(res.body, { columns: true, skip_empty_lines: true }) as Record<string, string>[],
  };
}

/** A JSON value as the CSV writes it. */
function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  return String(v);
}

/** Logins of one area per London calendar month, counted straight from the events. */
async function directMonthlyLogins(level: AreaLevel, code: string): Promise<Map<string, number>> {
  const rows = await tw.db.all<{ month: string; n: number }>(
    `SELECT strftime(timezone('Europe/London', e.event_time), '%Y-%m-01') AS month, count(*) AS n
     FROM activity_event e
     JOIN area_ancestry a ON a.structure = 'current' AND a.area_level = 'practice' AND a.area_code = e.practice_code
     WHERE e.event_type = 'login' AND a.ancestor_level = $1 AND a.ancestor_code = $2
     GROUP BY 1`,
    [level, code],
  );
  return new Map(rows.map((r) => [r.month, r.n]));
}

describe('GET /api/v1/metrics', () => {
  it('lists the catalogue with definitions, and one metric by id', async () => {
    const body = await json(anon, '/api/v1/metrics');
    expect(body.data.map((m: { id: string }) => m.id)).toEqual(tw.catalogue.map((m) => m.id));
    const logins = body.data.find((m: { id: string }) => m.id === 'logins');
    expect(logins).toMatchObject({
      name: metric('logins').name,
      calculation: metric('logins').calculation,
      grains: ['week', 'month'],
      lowestGeography: 'practice',
      source: 'events',
      miPublication: true,
      openData: { levels: ['england', 'region', 'icb'], grains: ['month'] },
    });
    expect(logins.caveats).toEqual(metric('logins').caveats);
    const rate = body.data.find((m: { id: string }) => m.id === 'unique_logins_per_1000');
    expect(rate).toMatchObject({
      numerator: 'unique_logins',
      denominator: 'patients_13plus',
      multiplier: 1000,
      // A rate of an MI count per GP list sizes (both open data) is open too (issue 11).
      openData: { levels: ['england', 'region', 'icb'], grains: ['month'] },
    });
    const closedRate = body.data.find((m: { id: string }) => m.id === 'appointments_cancelled_per_1000');
    expect(closedRate.openData).toBeNull();
    expect((await json(anon, '/api/v1/metrics/logins')).data).toEqual(logins);
  });

  it('answers CSV with the same metrics', async () => {
    const { rows, headers } = await csv(anon, '/api/v1/metrics?format=csv');
    expect(headers['content-disposition']).toContain('filename="metrics.csv"');
    expect(rows.map((r) => r.id)).toEqual(tw.catalogue.map((m) => m.id));
    const logins = rows.find((r) => r.id === 'logins')!;
    expect(logins.calculation).toBe(metric('logins').calculation); // commas, quotes and all
    expect(logins.caveats).toBe(metric('logins').caveats.join(' | '));
    expect(logins.miPublication).toBe('true');
  });

  it('answers 404 for an unknown metric and 400 for a malformed id', async () => {
    const missing = await anon.inject('/api/v1/metrics/no_such_metric');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().message).toMatch(/params\/id/);
    const bad = await anon.inject('/api/v1/metrics/Bad%20Id');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/params\/id/);
  });
});

describe('GET /api/v1/areas', () => {
  it('lists a level, the children of a parent, and CSV of the same', async () => {
    const icbs = await json(anon, '/api/v1/areas?level=icb');
    expect(icbs.data.map((a: { code: string }) => a.code).sort()).toEqual(
      ['QA1', 'QA2', 'QA3', 'QA9', 'UNKNOWN'].filter((c) =>
        icbs.data.some((a: { code: string }) => a.code === c),
      ),
    );
    const under = await json(anon, '/api/v1/areas?level=practice&parent=u00001');
    expect(under.data.map((a: { code: string }) => a.code)).toEqual(['P00001', 'P00002', 'P00003']);
    expect(under.data[0].parent).toEqual({ code: 'U00001', level: 'pcn' });
    const { rows } = await csv(anon, '/api/v1/areas?level=practice&parent=U00001&format=csv');
    expect(rows).toEqual(
      under.data.map(
        (a: {
          code: string;
          onsCode: string | null;
          name: string;
          level: string;
          parent: { code: string; level: string };
        }) => ({
          code: a.code,
          onsCode: cell(a.onsCode),
          name: a.name,
          placeName: '',
          level: a.level,
          parentCode: a.parent.code,
          parentLevel: a.parent.level,
          closed: 'false',
          closedAt: '',
          successorCode: '',
          unknown: 'false',
        }),
      ),
    );
  });

  it('searches with q, optionally at one level', async () => {
    const found = await json(anon, '/api/v1/areas?q=P00012');
    expect(found.data[0]).toMatchObject({ code: 'P00012', level: 'practice', exactCode: true });
    expect(found.data[0].parent).toMatchObject({ code: 'U00004', level: 'pcn' });
    const byName = await json(anon, '/api/v1/areas?q=pcn&level=pcn');
    expect(byName.data.length).toBeGreaterThan(3);
    expect(byName.data.every((a: { level: string }) => a.level === 'pcn')).toBe(true);
    const postcode = await json(anon, '/api/v1/areas?q=ls12%201aa');
    expect(postcode.data[0].code).toBe('P00012');
  });

  it('gives a sub-ICB location its place name from the shipped file beside its NHS name (docs/adr/0028)', async () => {
    // The test warehouse's 00T is named "Sub-ICB 00T"; the shipped file says 00T succeeded NHS Bolton CCG.
    const list = await json(anon, '/api/v1/areas?level=sub_icb&include=closed');
    const bolton = list.data.find((a: { code: string }) => a.code === '00T');
    expect(bolton).toMatchObject({ name: 'Sub-ICB 00T', placeName: 'Bolton' });
    // Codes the file does not have (made-up 00A), and other levels, have none.
    expect(list.data.find((a: { code: string }) => a.code === '00A').placeName).toBeNull();
    const region = await json(anon, '/api/v1/areas/region/Y58');
    expect(region.data.placeName).toBeNull();
    const one = await json(anon, '/api/v1/areas/sub_icb/00t');
    expect(one.data).toMatchObject({ code: '00T', name: 'Sub-ICB 00T', placeName: 'Bolton' });
    const practice = await json(anon, '/api/v1/areas/practice/P00013');
    expect(practice.data.ancestors.find((a: { level: string }) => a.level === 'sub_icb')).toMatchObject({
      code: '00T',
      placeName: 'Bolton',
    });
    const { rows } = await csv(anon, '/api/v1/areas/sub_icb/00T?format=csv');
    expect(rows.find((r) => r.relation === 'area')).toMatchObject({ code: '00T', placeName: 'Bolton' });
    // Search finds it by the place name, in any case, and by the former CCG's name.
    for (const q of ['bolton', 'BOLTON', 'nhs bolton ccg']) {
      const found = await json(anon, `/api/v1/areas?q=${encodeURIComponent(q)}&level=sub_icb`);
      expect(found.data.map((a: { code: string }) => a.code)).toEqual(['00T']);
      expect(found.data[0].placeName).toBe('Bolton');
    }
    // A misspelt place: nothing found, and the search spelt as the place names spell it, which finds it; the
    // search page offers it as a link.
    const misspelt = await json(anon, '/api/v1/areas?q=boltom');
    expect(misspelt).toEqual({ query: 'boltom', total: 0, data: [], didYouMean: 'Bolton' });
    expect((await json(anon, '/api/v1/areas?q=Bolton&level=sub_icb')).data[0].code).toBe('00T');
    expect((await json(anon, '/api/v1/areas?q=qqqqqq')).didYouMean).toBeUndefined();
    const page = await anon.inject('/search?q=boltom');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Did you mean <a class="nhsuk-link" href="/search?q=Bolton">Bolton</a>?');
    // Figure answers name the area the same way.
    const series = await json(user, '/api/v1/series?metric=logins&level=sub_icb&code=00T');
    expect(series.area).toEqual({
      level: 'sub_icb',
      code: '00T',
      name: 'Sub-ICB 00T',
      placeName: 'Bolton',
      isCurrent: true,
    });
  });

  it('gives one area with the areas above and below it', async () => {
    const body = await json(anon, '/api/v1/areas/icb/qa9');
    expect(body.data).toMatchObject({ code: 'QA9', level: 'icb', isCurrent: true, childLevel: 'sub_icb' });
    expect(body.data.ancestors.map((a: { code: string }) => a.code)).toEqual(['E92000001', 'Y56']);
    expect(body.data.parent.code).toBe('Y56');
    expect(body.data.children.map((c: { code: string }) => c.code).sort()).toEqual(['00A', '00B']);
    const closed = await json(anon, '/api/v1/areas/practice/P00014');
    expect(closed.data).toMatchObject({ isCurrent: false, childLevel: null, children: [] });
    const { rows } = await csv(anon, '/api/v1/areas/icb/QA9?format=csv');
    expect(rows.map((r) => `${r.relation}:${r.code}`)).toEqual([
      'ancestor:E92000001',
      'ancestor:Y56',
      'area:QA9',
      ...body.data.children.map((c: { code: string }) => `child:${c.code}`),
    ]);
    expect((await anon.inject('/api/v1/areas/icb/QZZ')).statusCode).toBe(404);
    expect((await anon.inject('/api/v1/areas/country/QA9')).statusCode).toBe(400);
  });

  for (const [name, url, status, message] of [
    ['no level and no q', '/api/v1/areas', 400, /querystring\/level is required/],
    ['q and parent', '/api/v1/areas?q=a&parent=Y56', 400, /both q and parent/],
    ['blank q', '/api/v1/areas?q=%20%20', 400, /querystring\/q/],
    ['too long q', `/api/v1/areas?q=${'x'.repeat(101)}`, 400, /querystring\/q/],
    ['unknown parent', '/api/v1/areas?level=pcn&parent=ZZZ', 404, /querystring\/parent/],
  ] as const) {
    it(`answers ${status} for ${name}`, async () => {
      const res = await anon.inject(url);
      expect(res.statusCode).toBe(status);
      expect(res.json().message).toMatch(message);
    });
  }
});

describe('GET /api/v1/series', () => {
  it('gives a practice’s monthly logins as counted from the events, with the change on the previous month', async () => {
    const body = await json(user, '/api/v1/series?metric=logins&level=practice&code=P00001');
    const direct = await directMonthlyLogins('practice', 'P00001');
    expect(body).toMatchObject({ metric: 'logins', unit: 'events', grain: 'month', structure: 'current' });
    expect(body.area).toEqual({
      level: 'practice',
      code: 'P00001',
      name: 'Practice P00001',
      placeName: null,
      isCurrent: true,
    });
    expect(body.data.map((p: { periodStart: string }) => p.periodStart)).toEqual(
      Array.from({ length: 10 }, (_, i) => `2026-${String(i + 1).padStart(2, '0')}-01`),
    );
    for (const [i, p] of body.data.entries()) {
      expect(p.value).toBe(direct.get(p.periodStart) ?? 0);
      expect(p.complete).toBe(true);
      const prev = body.data[i - 1];
      // Rounded at the edge to 1 decimal (docs/adr/0022).
      expect(p.changePct).toBe(
        prev && prev.value !== 0 ? roundTo(((p.value - prev.value) / prev.value) * 100, 1) : null,
      );
    }
  });

  it('gives an ICB’s figures and England’s by default, the partial period on request, and a range', async () => {
    const icb = await json(user, '/api/v1/series?metric=logins&level=icb&code=QA9');
    const direct = await directMonthlyLogins('icb', 'QA9');
    for (const p of icb.data) expect(p.value).toBe(direct.get(p.periodStart) ?? 0);
    const england = await json(anon, '/api/v1/series?metric=logins');
    const total = await tw.db.all<{ month: string; n: number }>(
      `SELECT strftime(timezone('Europe/London', event_time), '%Y-%m-01') AS month, count(*) AS n
       FROM activity_event WHERE event_type = 'login' GROUP BY 1`,
    );
    for (const p of england.data) expect(p.value).toBe(total.find((t) => t.month === p.periodStart)!.n);
    const partial = await json(anon, '/api/v1/series?metric=logins&partial=1');
    expect(partial.data.at(-1)).toMatchObject({ periodStart: '2026-11-01', complete: false });
    const range = await json(anon, '/api/v1/series?metric=logins&from=2026-03-10&to=2026-05-01');
    expect(range.data.map((p: { periodStart: string }) => p.periodStart)).toEqual([
      '2026-03-01',
      '2026-04-01',
      '2026-05-01',
    ]);
  });

  it('gives rates with numerator, denominator and coverage, as the query command does and from the cube', async () => {
    const url = '/api/v1/series?metric=unique_logins_per_1000&level=pcn&code=U00001&grain=week';
    const body = await json(user, url);
    const status = await getDataStatus(tw.db);
    const expected = await getMetricSeries(
      tw.db,
      status,
      metric('unique_logins_per_1000'),
      { level: 'pcn', code: 'U00001', grain: 'week', structure: 'current', includePartial: false },
      tw.catalogue,
    );
    // The same figures, rounded at the edge: counts whole, the rate and its limits to 1 decimal.
    expect(body.data.map((p: { periodStart: string }) => p.periodStart)).toEqual(
      expected.map((p) => p.periodStart),
    );
    for (const [i, p] of body.data.entries()) {
      const e = expected[i]!;
      expect(p.value).toBe(roundTo(e.value, 1));
      expect(p.numerator).toBe(Math.round(e.numerator!));
      expect(p.denominator).toBe(Math.round(e.denominator!));
      expect(p.coverage).toBe(e.coverage === null ? null : roundTo(e.coverage!, 4));
      expect(String(p.value)).not.toMatch(/\.\d{2}/);
    }
    const england = await getMetricSeries(
      tw.db,
      status,
      metric('unique_logins_per_1000'),
      { level: 'england', code: 'E92000001', grain: 'week', structure: 'current', includePartial: false },
      tw.catalogue,
    );
    // Independently: Byar's limits of the count over the patients x 1,000, and the verdict as Fingertips
    // draws it (the PCN's 95% interval against England's value in the same week).
    for (const p of body.data) {
      const o = p.numerator;
      const n = p.denominator;
      const z = 1.959964;
      const lower = o === 0 ? 0 : o * (1 - 1 / (9 * o) - z / (3 * Math.sqrt(o))) ** 3;
      const upper = (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * Math.sqrt(o + 1))) ** 3;
      // Limits from the rounded parts can differ from those of the full ones by a rounding step.
      expect(Math.abs(p.lowerCi95 - (lower / n) * 1000)).toBeLessThan(0.15);
      expect(Math.abs(p.upperCi95 - (upper / n) * 1000)).toBeLessThan(0.15);
      expect(p.lowerCi998).toBeLessThanOrEqual(p.lowerCi95);
      expect(p.upperCi998).toBeGreaterThanOrEqual(p.upperCi95);
      const e = england.find((x) => x.periodStart === p.periodStart)!.value;
      const verdict = p.lowerCi95 > e ? 'better' : p.upperCi95 < e ? 'worse' : 'similar';
      // Away from the edges, the rounded limits give the same verdict as the full ones.
      if (Math.abs(p.lowerCi95 - e) > 0.1 && Math.abs(p.upperCi95 - e) > 0.1)
        expect(p.comparedWithEngland, p.periodStart).toBe(verdict);
    }
    expect(
      new Set(body.data.map((p: { comparedWithEngland: string }) => p.comparedWithEngland)).size,
    ).toBeGreaterThan(0);
    // Independently, from the stored parts: (users - uncovered) / (13+ patients x demo scale) x 1,000.
    for (const p of body.data.slice(-5)) {
      const parts = await tw.db.one<{ value: number; uncovered: number; patients: number }>(
        `SELECT v.value, coalesce(v.uncovered, 0) AS uncovered, d.patients_13plus AS patients
         FROM metric_value v JOIN area_denominator d ON d.grain = v.grain AND d.period_start = v.period_start
           AND d.area_level = v.area_level AND d.area_code = v.area_code
         WHERE v.structure = 'current' AND v.metric_id = 'unique_logins' AND v.grain = 'week'
           AND v.area_level = 'pcn' AND v.area_code = 'U00001' AND v.period_start = $1::DATE`,
        [p.periodStart],
      );
      expect(p.numerator).toBe(parts!.value - parts!.uncovered);
      expect(p.denominator).toBe(Math.round(parts!.patients * TEST_DEMO_SCALE));
      expect(p.value).toBe(
        roundTo(((parts!.value - parts!.uncovered) / (parts!.patients * TEST_DEMO_SCALE)) * 1000, 1),
      );
      expect(p.coverage).toBe(roundTo((parts!.value - parts!.uncovered) / parts!.value, 4));
    }
    const { rows } = await csv(user, `${url}&format=csv`);
    expect(Object.keys(rows[0]!)).toEqual([
      'area_code',
      'area_name',
      'area_place_name',
      'area_level',
      'area_ons_code',
      'periodStart',
      'value',
      'complete',
      'changePct',
      'numerator',
      'denominator',
      'coverage',
      'lowerCi95',
      'upperCi95',
      'lowerCi998',
      'upperCi998',
      'comparedWithEngland',
    ]);
    const area = {
      area_code: 'U00001',
      area_name: body.area.name,
      area_place_name: '',
      area_level: 'pcn',
      area_ons_code: '',
    };
    expect(rows).toEqual(
      body.data.map((p: Record<string, unknown>) => ({
        ...area,
        ...Object.fromEntries(
          Object.keys(rows[0]!)
            .slice(5)
            .map((k) => [k, cell(p[k])]),
        ),
      })),
    );
  });

  it('reads old ICBs as recorded at the time', async () => {
    const body = await json(
      user,
      '/api/v1/series?metric=logins&level=icb&code=QA1&structure=as-recorded&to=2026-07-31',
    );
    expect(body.structure).toBe('as-recorded');
    const direct = await tw.db.all<{ month: string; n: number }>(
      `SELECT strftime(timezone('Europe/London', event_time), '%Y-%m-01') AS month, count(*) AS n
       FROM activity_event WHERE event_type = 'login' AND practice_code IN ('P00001', 'P00002', 'P00003') GROUP BY 1`,
    );
    for (const p of body.data) expect(p.value).toBe(direct.find((d) => d.month === p.periodStart)?.n ?? 0);
    expect(body.data.some((p: { value: number }) => p.value > 0)).toBe(true);
  });

  it('gives anonymous viewers open figures only', async () => {
    const open = await anon.inject('/api/v1/series?metric=logins&level=icb&code=QA9');
    expect(open.statusCode).toBe(200);
    expect(open.headers['cache-control']).toBe('public, max-age=300');
    // Rates and % registered of MI counts, and list sizes, are open for ICBs (issue 11), the same as signed in.
    for (const url of [
      '/api/v1/series?metric=unique_logins_per_1000&level=icb&code=QA9',
      '/api/v1/series?metric=registered_pct_13plus&level=icb&code=QA9',
      '/api/v1/series?metric=patients_13plus&level=icb&code=QA9',
      '/api/v1/breakdown?metric=registrations_per_1000&level=region&code=Y56',
    ]) {
      const res = await anon.inject(url);
      expect(res.statusCode, url).toBe(200);
      const data = res.json().data as { value: number | null }[];
      expect(
        data.some((p) => typeof p.value === 'number' && p.value > 0),
        url,
      ).toBe(true);
      expect(res.json(), url).toEqual((await user.inject(url)).json());
    }
    for (const url of [
      '/api/v1/series?metric=logins&level=practice&code=P00001',
      '/api/v1/series?metric=logins&level=sub_icb&code=00A',
      '/api/v1/series?metric=logins&grain=week',
      '/api/v1/series?metric=unique_logins_per_1000&level=practice&code=P00001',
      '/api/v1/series?metric=registered_pct_13plus&level=pcn&code=U00001',
      '/api/v1/series?metric=appointments_cancelled_per_1000',
      '/api/v1/series?metric=appointments_booked&level=region&code=Y56',
      '/api/v1/series?metric=logins&level=practice&code=P00001&format=csv',
    ]) {
      const res = await anon.inject(url);
      expect(res.statusCode, url).toBe(401);
      expect(res.json()).toEqual({ error: 'Unauthorized', message: expect.stringMatching(/sign in/i) });
      expect(res.body).not.toMatch(/periodStart/);
      const signedIn = await user.inject(url);
      expect(signedIn.statusCode, url).toBe(200);
      expect(signedIn.headers['cache-control']).toBe('private, no-cache');
    }
  });

  for (const [name, url, status, message] of [
    ['no metric', '/api/v1/series', 400, /querystring\/metric is required/],
    ['an unknown metric', '/api/v1/series?metric=no_such', 404, /querystring\/metric/],
    ['a malformed metric', '/api/v1/series?metric=DROP%20TABLE', 400, /querystring\/metric/],
    [
      'a grain the metric lacks',
      '/api/v1/series?metric=unique_logins_12m&grain=week',
      400,
      /querystring\/grain must be one of: month/,
    ],
    ['an unknown grain', '/api/v1/series?metric=logins&grain=day', 400, /querystring\/grain must be one of/],
    [
      'a level below the metric’s lowest',
      '/api/v1/series?metric=downloads&level=icb&code=QA9',
      400,
      /querystring\/level/,
    ],
    ['no code below England', '/api/v1/series?metric=logins&level=icb', 400, /querystring\/code is required/],
    ['an unknown area', '/api/v1/series?metric=logins&level=icb&code=QZZ', 404, /querystring\/code/],
    [
      'another code for England',
      '/api/v1/series?metric=logins&level=england&code=QA9',
      404,
      /querystring\/code/,
    ],
    [
      'a malformed code',
      `/api/v1/series?metric=logins&level=icb&code=${encodeURIComponent("' OR 1=1")}`,
      400,
      /querystring\/code/,
    ],
    [
      'a date that does not exist',
      '/api/v1/series?metric=logins&from=2026-02-30',
      400,
      /querystring\/from must be a real date/,
    ],
    ['a malformed date', '/api/v1/series?metric=logins&to=26-1-1', 400, /querystring\/to/],
    [
      'from after to',
      '/api/v1/series?metric=logins&from=2026-05-01&to=2026-04-01',
      400,
      /querystring\/from must not be after/,
    ],
    ['an unknown structure', '/api/v1/series?metric=logins&structure=old', 400, /querystring\/structure/],
    ['an unknown format', '/api/v1/series?metric=logins&format=xml', 400, /querystring\/format/],
    [
      'a partial flag that is not one',
      '/api/v1/series?metric=logins&partial=yes',
      400,
      /querystring\/partial/,
    ],
    [
      'an unknown parameter',
      '/api/v1/series?metric=logins&colour=red',
      400,
      /must not have the parameter "colour"/,
    ],
    [
      'a repeated parameter',
      '/api/v1/series?metric=logins&metric=registrations',
      400,
      /querystring\/metric must be given once/,
    ],
  ] as const) {
    it(`answers ${status} for ${name}`, async () => {
      const res = await user.inject(url);
      expect(res.statusCode, res.body).toBe(status);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.json().message).toMatch(message);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).not.toMatch(/OR 1=1|DROP/);
    });
  }
});

describe('GET /api/v1/breakdown', () => {
  it('gives England’s regions for the latest complete month, equal to the events, with shares', async () => {
    const body = await json(anon, '/api/v1/breakdown?metric=logins');
    expect(body).toMatchObject({
      childLevel: 'region',
      periodStart: '2026-10-01',
      grain: 'month',
      parent: { code: 'E92000001' },
    });
    for (const row of body.data.filter((r: { code: string }) => r.code !== 'UNKNOWN')) {
      expect(row.value).toBe((await directMonthlyLogins('region', row.code)).get('2026-10-01') ?? 0);
    }
    const total = body.data.reduce((s: number, r: { value: number }) => s + r.value, 0);
    const england = await json(anon, '/api/v1/series?metric=logins&from=2026-10-01&to=2026-10-01');
    expect(total).toBe(england.data[0].value); // Unknown included: children add up to England
    for (const row of body.data) expect(row.shareOfParent).toBeCloseTo(row.value / total, 12);
    const { rows } = await csv(anon, '/api/v1/breakdown?metric=logins&format=csv');
    // Each child's area columns first (ADR 0032), then the period and the JSON fields.
    expect(rows).toEqual(
      body.data.map((r: Record<string, unknown>) => ({
        area_code: cell(r.code),
        area_name: cell(r.name),
        area_place_name: cell(r.placeName),
        area_level: cell(r.level),
        area_ons_code: cell(r.onsCode),
        periodStart: '2026-10-01',
        ...Object.fromEntries(['isCurrent', 'value', 'shareOfParent'].map((k) => [k, cell(r[k])])),
      })),
    );
  });

  it('gives a PCN’s practices for a chosen week (signed in), and rates with their parts', async () => {
    const body = await json(
      user,
      '/api/v1/breakdown?metric=logins&level=pcn&code=U00004&grain=week&period=2026-09-17',
    );
    expect(body.periodStart).toBe('2026-09-14');
    expect(body.data.map((r: { code: string }) => r.code).sort()).toEqual(['P00010', 'P00011', 'P00012']);
    const rate = await json(
      user,
      '/api/v1/breakdown?metric=unique_logins_per_1000&level=pcn&code=U00005&period=2026-10-01',
    );
    const byCode = new Map(rate.data.map((r: { code: string }) => [r.code, r]));
    expect((byCode.get('P00013') as { value: unknown }).value).toBeNull(); // no list size
    for (const code of ['P00014']) expect(byCode.has(code)).toBe(true); // closed, still listed
    for (const r of rate.data.filter((x: { value: number | null }) => x.value !== null)) {
      const series = await json(
        user,
        `/api/v1/series?metric=unique_logins_per_1000&level=practice&code=${r.code}&from=2026-10-01&to=2026-10-01`,
      );
      expect(r.value).toBeCloseTo(series.data[0].value, 9);
      expect(r.numerator).toBe(series.data[0].numerator);
      expect(r.denominator).toBeCloseTo(series.data[0].denominator, 9);
    }
  });

  it('serves a ratio of two stored metrics like a stored figure: no parts, no shares', async () => {
    const id = 'registrations_non_pol_cumulative_pct';
    const series = await json(user, `/api/v1/series?metric=${id}&level=icb&code=QA9`);
    expect(series.data.length).toBeGreaterThan(3);
    const parts = async (metricId: string) =>
      new Map<string, number>(
        (await json(user, `/api/v1/series?metric=${metricId}&level=icb&code=QA9`)).data.map(
          (p: { periodStart: string; value: number }) => [p.periodStart, p.value],
        ),
      );
    const [nonPol, all] = [
      await parts('registrations_non_pol_cumulative'),
      await parts('registrations_cumulative'),
    ];
    for (const p of series.data) {
      expect(p.numerator).toBeUndefined();
      expect(p.value).toBe(roundTo((nonPol.get(p.periodStart)! / all.get(p.periodStart)!) * 100, 1));
      // A ratio of two stored metrics has no interval and no verdict.
      expect(p.lowerCi95).toBeUndefined();
      expect(p.comparedWithEngland).toBeUndefined();
    }
    expect(series.data.at(-1).value).toBeGreaterThan(0);
    expect(series.data.at(-1).value).toBeLessThan(100);
    const breakdown = await json(user, `/api/v1/breakdown?metric=${id}&level=icb&code=QA9&period=2026-10-01`);
    expect(breakdown.data.length).toBeGreaterThan(0);
    for (const r of breakdown.data) expect(r.shareOfParent).toBeNull();
    // The map and the data table read it like any stored figure.
    const october = series.data.find((p: { periodStart: string }) => p.periodStart === '2026-10-01').value;
    const map = await user.inject(`/map.csv?metric=${id}&level=icb&period=2026-10`);
    expect(map.statusCode).toBe(200);
    const mapRow = (parse(map.body, { columns: true }) as Record<string, string>[]).find(
      (r) => r.area_code === 'QA9',
    )!;
    expect(roundTo(Number(mapRow.value), 1)).toBe(october);
    const table = await user.inject(`/data.csv?metric=${id}&level=icb&from=2026-10-01&to=2026-10-31`);
    expect(table.statusCode).toBe(200);
    const tableRow = (parse(table.body, { columns: true }) as Record<string, string>[]).find(
      (r) => r.area_code === 'QA9',
    )!;
    expect(roundTo(Number(tableRow.value), 1)).toBe(october);
    expect(tableRow.numerator).toBe('');
    const page = await user.inject(`/map?metric=${id}&level=icb&period=2026-10`);
    expect(page.statusCode).toBe(200);
    // Pages that read many metrics of one area at once get the same series.
    const status = await getDataStatus(tw.db);
    const req = {
      level: 'icb' as const,
      code: 'QA9',
      grain: 'month' as const,
      structure: 'current' as const,
    };
    const one = await getMetricSeries(
      tw.db,
      status,
      metric(id),
      { ...req, includePartial: false },
      tw.catalogue,
    );
    const many = await getAreaSeries(
      tw.db,
      status,
      [metric(id)],
      { ...req, includePartial: false },
      tw.catalogue,
    );
    expect(many.get(id)).toEqual(one);
    expect(one.map((p) => roundTo(p.value, 1))).toEqual(series.data.map((p: { value: number }) => p.value));
    const peers = await json(user, `/api/v1/peers?metric=${id}&level=icb&code=QA9&period=2026-10-01`);
    expect(peers.value).toBe(
      series.data.find((p: { periodStart: string }) => p.periodStart === '2026-10-01').value,
    );
  });

  it('refuses what an anonymous viewer may not see, and bad requests', async () => {
    expect((await anon.inject('/api/v1/breakdown?metric=logins&level=icb&code=QA9')).statusCode).toBe(401);
    const practice = await user.inject('/api/v1/breakdown?metric=logins&level=practice&code=P00001');
    expect(practice.statusCode).toBe(400);
    expect(practice.json().message).toMatch(/querystring\/level/);
    expect((await user.inject('/api/v1/breakdown?metric=logins&period=2026-13-01')).statusCode).toBe(400);
    expect((await user.inject('/api/v1/breakdown?metric=logins&level=pcn&code=U99999')).statusCode).toBe(404);
  });
});

describe('GET /api/v1/summary', () => {
  it('gives signed-in viewers every headline tile of the National summary, as the page computes them', async () => {
    const body = await json(user, '/api/v1/summary');
    const expected = await getNationalSummary(tw.db, tw.catalogue, { grain: 'month', includePartial: false });
    expect(body.hiddenTiles).toBe(0);
    expect(body.latestCompletePeriod).toBe('2026-10-01');
    expect(body.demo).toBe(true);
    expect(body.data.map((t: { metricId: string }) => t.metricId)).toEqual(
      expected.tiles.map((t) => t.metricId),
    );
    for (const [i, t] of body.data.entries()) {
      const e = expected.tiles[i]!;
      expect(t.latest?.periodStart).toBe(e.latest?.periodStart);
      if (e.latest) expect(t.latest.value).toBe(roundTo(e.latest.value, e.unit === 'percent' ? 1 : 0));
      expect(t.changePct).toEqual(e.changePct === null ? null : roundTo(e.changePct, 1));
      expect(t.comparedWithEngland).toBe('not-compared');
    }
    expect((await user.inject('/api/v1/summary')).headers['cache-control']).toBe('private, no-cache');
  });

  it('gives anonymous viewers the open tiles only', async () => {
    const body = await json(anon, '/api/v1/summary');
    const ids = body.data.map((t: { metricId: string }) => t.metricId);
    expect(ids.length).toBeGreaterThan(0);
    // Open data (ADR 0024): MI metrics, list sizes, running totals of open metrics, and ratios of an open
    // metric to a list size; the rest needs sign-in.
    const open = (id: string | undefined): boolean => {
      const m = id ? metric(id) : undefined;
      if (!m) return false;
      if (m.mi_publication || m.source === 'list_sizes') return true;
      if (m.aggregation === 'cumulative') return open(m.of);
      if (m.aggregation === 'ratio')
        return metric(m.denominator!)?.source === 'list_sizes' && open(m.numerator);
      return false;
    };
    for (const id of ids) expect(open(id), id).toBe(true);
    const all = await json(user, '/api/v1/summary');
    const allIds = all.data.map((t: { metricId: string }) => t.metricId);
    expect(ids).toEqual(allIds.filter((id: string) => open(id)));
    expect(body.hiddenTiles).toBe(allIds.length - ids.length);
    // % of patients aged 13+ registered: a running total of an MI count over a list size, open since ADR 0024.
    expect(ids).toContain('registered_pct_13plus');
    for (const url of [
      '/api/v1/summary?grain=week',
      '/api/v1/summary?level=practice&code=P00001',
      '/api/v1/summary?level=pcn&code=U00001',
    ]) {
      expect((await anon.inject(url)).statusCode, url).toBe(401);
    }
  });

  it('gives an area’s tiles compared with its parent and England, and CSV of the same', async () => {
    const body = await json(user, '/api/v1/summary?level=icb&code=QA9');
    expect(body.area.code).toBe('QA9');
    const logins = body.data.find((t: { metricId: string }) => t.metricId === 'logins');
    expect(logins.latest.value).toBe((await directMonthlyLogins('icb', 'QA9')).get('2026-10-01'));
    expect(logins.comparison.figures.map((f: { role: string }) => f.role)).toEqual([
      'area',
      'parent',
      'england',
    ]);
    // Each tile's verdict is the area's 95% interval against England's and the parent's value.
    for (const t of body.data) {
      if (!t.comparison) continue;
      const [own, parent, england] = t.comparison.figures;
      const side = (bench: number) =>
        own.lowerCi95 > bench ? 'higher' : own.upperCi95 < bench ? 'lower' : 'similar';
      const byPolarity = (s: string) =>
        s === 'similar' ? s : (s === 'higher') === (t.polarity === 'higher_is_better') ? 'better' : 'worse';
      expect(own.lowerCi95).toBeLessThanOrEqual(own.value);
      expect(own.upperCi95).toBeGreaterThanOrEqual(own.value);
      expect(t.comparison.comparedWithEngland, t.metricId).toBe(byPolarity(side(england.value)));
      expect(t.comparison.comparedWithParent, t.metricId).toBe(byPolarity(side(parent.value)));
      expect(t.comparedWithEngland).toBe(t.comparison.comparedWithEngland);
    }
    // Anonymous: the open tiles (rates per patients aged 13+ among them, ADR 0024), compared with the parent
    // region and England (open levels) exactly as signed-in viewers see them.
    const open = await json(anon, '/api/v1/summary?level=icb&code=QA9');
    expect(open.data.find((t: { metricId: string }) => t.metricId === 'logins').comparison.metricId).toBe(
      'logins_per_1000',
    );
    for (const t of open.data) {
      const signedIn = body.data.find((s: { metricId: string }) => s.metricId === t.metricId);
      expect(t, t.metricId).toEqual(signedIn);
    }
    const { rows } = await csv(user, '/api/v1/summary?level=icb&code=QA9&format=csv');
    expect(rows.map((r) => r.metricId)).toEqual(body.data.map((t: { metricId: string }) => t.metricId));
    expect(rows.find((r) => r.metricId === 'logins')!.value).toBe(String(logins.latest.value));
    expect(rows.find((r) => r.metricId === 'logins')!.englandValue).toBe(
      cell(logins.comparison.figures[2].value),
    );
    expect((await user.inject('/api/v1/summary?level=icb&code=QZZ')).statusCode).toBe(404);
    // An ICB has no ICB to compare with.
    expect(logins.comparison.comparedWithIcb).toBe('not-compared');
  });

  it('compares a practice with its PCN, its ICB and England (ADR 0064)', async () => {
    const body = await json(user, '/api/v1/summary?level=practice&code=P00001');
    let compared = 0;
    for (const t of body.data) {
      if (!t.comparison) continue;
      const roles = t.comparison.figures.map((f: { role: string }) => f.role);
      expect(roles, t.metricId).toEqual(['area', 'parent', 'icb', 'england']);
      const [own, , icb] = t.comparison.figures;
      expect(icb.level).toBe('icb');
      if (own.lowerCi95 === null || icb.value === null) continue;
      const side = own.lowerCi95 > icb.value ? 'higher' : own.upperCi95 < icb.value ? 'lower' : 'similar';
      const verdict =
        side === 'similar' || t.polarity === 'neutral'
          ? side
          : (side === 'higher') === (t.polarity === 'higher_is_better')
            ? 'better'
            : 'worse';
      expect(t.comparison.comparedWithIcb, t.metricId).toBe(verdict);
      compared += 1;
    }
    expect(compared).toBeGreaterThan(0);
  });
});

describe('GET /api/v1/before-after', () => {
  /** Every login event per London month, Unknown practices included: England's logins. */
  async function englandMonthlyLogins(): Promise<Map<string, number>> {
    const rows = await tw.db.all<{ month: string; n: number }>(
      `SELECT strftime(timezone('Europe/London', event_time), '%Y-%m-01') AS month, count(*) AS n
       FROM activity_event WHERE event_type = 'login' GROUP BY 1`,
    );
    return new Map(rows.map((r) => [r.month, Number(r.n)]));
  }
  /** The verdict of a 95% interval on the log scale, by the rule written out. */
  const verdictOf = (log: number, variance: number, words: [string, string, string]) => {
    const half = 1.959964 * Math.sqrt(variance);
    return log - half > 0 ? words[0] : log + half < 0 ? words[1] : words[2];
  };

  it('compares an ICB’s logins around a date, and against the rest of England, counted from the events', async () => {
    const body = await json(user, '/api/v1/before-after?level=icb&code=QA9&since=2026-08-15');
    expect(body.area.code).toBe('QA9');
    expect(body.since).toBe('2026-08-15');
    // 15 August is inside August, which is left out: September and October after, July and June before.
    expect(body.excludedPeriod).toBe('2026-08-01');
    const logins = body.data.find((d: { metricId: string }) => d.metricId === 'logins');
    expect(logins.periods).toBe(2);
    expect([logins.before.from, logins.before.to, logins.after.from, logins.after.to]).toEqual([
      '2026-06-01',
      '2026-07-01',
      '2026-09-01',
      '2026-10-01',
    ]);
    const area = await directMonthlyLogins('icb', 'QA9');
    const england = await englandMonthlyLogins();
    const sum = (m: Map<string, number>, months: string[]) => months.reduce((t, k) => t + (m.get(k) ?? 0), 0);
    const a0 = sum(area, ['2026-06-01', '2026-07-01']);
    const a1 = sum(area, ['2026-09-01', '2026-10-01']);
    expect(logins.before).toMatchObject({ total: a0, average: a0 / 2 });
    expect(logins.after).toMatchObject({ total: a1, average: a1 / 2 });
    expect(logins.changePct).toBe(roundTo(((a1 - a0) / a0) * 100, 1));
    expect(logins.verdict).toBe(
      verdictOf(Math.log(a1 / a0), 1 / a0 + 1 / a1, ['up', 'down', 'no-clear-change']),
    );
    // The rest of England: every login event less the ICB's.
    const r0 = sum(england, ['2026-06-01', '2026-07-01']) - a0;
    const r1 = sum(england, ['2026-09-01', '2026-10-01']) - a1;
    const rest = logins.againstRestOfEngland;
    expect([rest.before, rest.after]).toEqual([r0, r1]);
    expect(rest.changePct).toBe(roundTo(((r1 - r0) / r0) * 100, 1));
    const log = Math.log(a1 / a0 / (r1 / r0));
    expect(rest.differencePct).toBe(roundTo((Math.exp(log) - 1) * 100, 1));
    const variance = 1 / a0 + 1 / a1 + 1 / r0 + 1 / r1;
    expect(rest.lowerPct).toBe(roundTo((Math.exp(log - 1.959964 * Math.sqrt(variance)) - 1) * 100, 1));
    expect(rest.verdict).toBe(verdictOf(log, variance, ['above', 'below', 'no-clear-difference']));
    // Only counts per period: no running total, rolling 12 months or rate.
    for (const d of body.data) {
      expect(['events', 'users']).toContain(d.unit);
      expect(metric(d.metricId).aggregation).not.toBe('cumulative');
      expect(d.metricId).not.toMatch(/12m/);
    }
    // The CSV has the same figures.
    const sheet = await csv(user, '/api/v1/before-after?level=icb&code=QA9&since=2026-08-15&format=csv');
    const row = sheet.rows.find((r) => r.metricId === 'logins')!;
    expect([
      row.beforeTotal,
      row.afterTotal,
      row.restBefore,
      row.differencePct,
      row.differenceVerdict,
    ]).toEqual([a0, a1, r0, rest.differencePct, rest.verdict].map(cell));
    expect(sheet.rows).toHaveLength(body.data.length);
  });

  it('gives England’s own comparison without a rest of England, open figures only to visitors', async () => {
    const body = await json(user, '/api/v1/before-after?since=2026-09-01');
    // 1 September starts its month: nothing is left out, September and October against August and July.
    expect(body.excludedPeriod).toBeNull();
    const logins = body.data.find((d: { metricId: string }) => d.metricId === 'logins');
    const england = await englandMonthlyLogins();
    expect(logins.before.total).toBe(england.get('2026-07-01')! + england.get('2026-08-01')!);
    expect(logins.after.total).toBe(england.get('2026-09-01')! + england.get('2026-10-01')!);
    for (const d of body.data) expect(d.againstRestOfEngland).toBeNull();
    const open = await json(anon, '/api/v1/before-after?since=2026-09-01');
    const summary = await json(anon, '/api/v1/summary');
    const openIds = new Set(summary.data.map((t: { metricId: string }) => t.metricId));
    expect(open.data.length).toBeGreaterThan(0);
    expect(open.data.length).toBeLessThan(body.data.length);
    for (const d of open.data) {
      expect(openIds.has(d.metricId), d.metricId).toBe(true);
      expect(d).toEqual(body.data.find((x: { metricId: string }) => x.metricId === d.metricId));
    }
    expect(open.hiddenTiles).toBe(summary.hiddenTiles);
  });

  it('says what is wrong with a request, and gives nothing to compare outside the data', async () => {
    for (const [url, status] of [
      ['/api/v1/before-after', 400],
      ['/api/v1/before-after?since=2026-02-30', 400],
      ['/api/v1/before-after?since=yesterday', 400],
      ['/api/v1/before-after?since=2026-09-01&level=icb&code=ZZZ', 404],
      ['/api/v1/before-after?since=2026-09-01&level=icb', 400],
    ] as const) {
      const res = await user.inject(url);
      expect(res.statusCode, url).toBe(status);
      expect(res.json().message, url).toBeTruthy();
    }
    for (const since of ['0001-01-01', '9999-12-31', '2030-01-01']) {
      expect((await json(user, `/api/v1/before-after?since=${since}`)).data, since).toEqual([]);
    }
  });
});

describe('GET /api/v1/peers', () => {
  it('gives the position among areas of the same level, as getPeers computes it (checked against a brute force there)', async () => {
    const body = await json(
      user,
      '/api/v1/peers?metric=unique_logins_per_1000&level=practice&code=P00004&period=2026-10-15',
    );
    const expected = await getPeers(
      tw.db,
      {
        metricId: 'unique_logins_per_1000',
        level: 'practice',
        code: 'P00004',
        grain: 'month',
        period: '2026-10-01',
        structure: 'current',
      },
      tw.catalogue,
    );
    expect(body).toMatchObject({
      metric: 'unique_logins_per_1000',
      periodStart: '2026-10-01',
      count: expected.count,
      value: roundTo(expected.value!, 1),
      rank: expected.rank,
      equal: expected.equal,
      percentileRank: roundTo(expected.percentileRank!, 1),
      deciles: expected.deciles.map((d) => roundTo(d, 1)),
    });
    expect(body.equal).toBeGreaterThanOrEqual(1);
    const series = await json(
      user,
      '/api/v1/series?metric=unique_logins_per_1000&level=practice&code=P00004&from=2026-10-01&to=2026-10-01',
    );
    expect(body.value).toBe(series.data[0].value);
    const { rows } = await csv(
      user,
      '/api/v1/peers?metric=unique_logins_per_1000&level=practice&code=P00004&period=2026-10-15&format=csv',
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.rank).toBe(String(body.rank));
    expect(rows[0]!.equal).toBe(String(body.equal));
    expect(rows[0]!.p50).toBe(String(body.deciles[5]));
  });

  it('takes the latest complete period by default and derived rates, and checks access', async () => {
    const derived = await json(
      user,
      '/api/v1/peers?metric=prescriptions_ordered_per_1000&level=pcn&code=U00002',
    );
    // Five PCNs, but U00005's practices have no rate in October: P00013 has no list size and P00014 closed
    // before the August practice map, so it leaves the denominator (ADR 0024).
    expect(derived).toMatchObject({ periodStart: '2026-10-01', count: 4 });
    const open = await anon.inject('/api/v1/peers?metric=unique_logins&level=icb&code=QA9');
    expect(open.statusCode).toBe(200);
    for (const url of [
      '/api/v1/peers?metric=unique_logins&level=pcn&code=U00001',
      '/api/v1/peers?metric=logins_per_1000&level=pcn&code=U00001',
      '/api/v1/peers?metric=logins&level=icb&code=QA9&grain=week',
    ]) {
      expect((await anon.inject(url)).statusCode, url).toBe(401);
    }
    // A rate of an open count per patients aged 13+ is open at ICB level by month (ADR 0024).
    expect((await anon.inject('/api/v1/peers?metric=logins_per_1000&level=icb&code=QA9')).statusCode).toBe(
      200,
    );
    expect((await user.inject('/api/v1/peers?metric=logins&level=england&code=E92000001')).statusCode).toBe(
      400,
    );
    expect((await user.inject('/api/v1/peers?metric=logins&level=icb')).statusCode).toBe(400);
    expect((await user.inject('/api/v1/peers?metric=nope_per_1000&level=icb&code=QA9')).statusCode).toBe(404);
    expect((await user.inject('/api/v1/peers?metric=logins&level=icb&code=QZZ')).statusCode).toBe(404);
  });
});

describe('caching', () => {
  it('answers 304 for a held ETag and a new ETag and new figures after a build', async () => {
    const url = '/api/v1/series?metric=logins&level=practice&code=P00001&grain=week&partial=1';
    const first = await user.inject(url);
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^W\/"v\d+-/);
    const again = await user.inject({ url, headers: { 'if-none-match': etag } });
    expect(again.statusCode).toBe(304);
    // Another viewer never matches this tag.
    const anonUrl = '/api/v1/series?metric=logins&level=icb&code=QA9&partial=1';
    const stale = await anon.inject(anonUrl);
    expect(stale.headers.etag).not.toBe(etag);

    const before = first.json().data.at(-1);
    await tw.addEvents('2026-11-16'); // one more login per practice, in a new week; bumps the data version
    user.responseCache.invalidate();
    const after = await user.inject({ url, headers: { 'if-none-match': etag } });
    expect(after.statusCode).toBe(200);
    expect(after.headers.etag).not.toBe(etag);
    const last = after.json().data.at(-1);
    expect(last.periodStart > before.periodStart).toBe(true);
    expect(last.value).toBe(1);

    // The other app has not been told: it notices the new version within a second.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const fresh = await anon.inject({
      url: anonUrl,
      headers: { 'if-none-match': stale.headers.etag as string },
    });
    expect(fresh.statusCode).toBe(200);
    expect(fresh.headers.etag).not.toBe(stale.headers.etag);
    expect(fresh.json().data.at(-1).periodStart).toBe('2026-11-01');
  });

  it('caches the pages too', async () => {
    const page = await user.inject('/areas/icb/QA9');
    expect(page.statusCode).toBe(200);
    const etag = page.headers.etag as string;
    expect(etag).toBeDefined();
    expect(
      (await user.inject({ url: '/areas/icb/QA9', headers: { 'if-none-match': etag } })).statusCode,
    ).toBe(304);
    const home = await anon.inject('/');
    expect(home.headers.etag).toBeDefined();
  });
});

describe('live answers against the OpenAPI document', () => {
  it('are valid against their response schemas', async () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    const doc = openApiDocument() as {
      paths: Record<
        string,
        { get: { responses: Record<string, { content: Record<string, { schema: object }> }> } }
      >;
    };
    const urls: [string, string][] = [
      ['/api/v1/metrics', '/api/v1/metrics'],
      ['/api/v1/metrics/{id}', '/api/v1/metrics/registered_pct_13plus'],
      ['/api/v1/areas', '/api/v1/areas?level=pcn'],
      ['/api/v1/areas', '/api/v1/areas?q=practice'],
      ['/api/v1/areas', '/api/v1/areas?q=boltom'],
      ['/api/v1/areas/{level}/{code}', '/api/v1/areas/pcn/U00001'],
      ['/api/v1/areas/{level}/{code}', '/api/v1/areas/england/E92000001'],
      ['/api/v1/series', '/api/v1/series?metric=registered_pct_13plus&level=icb&code=QA9&partial=1'],
      ['/api/v1/series', '/api/v1/series?metric=unique_logins_12m'],
      ['/api/v1/breakdown', '/api/v1/breakdown?metric=registered_pct_13plus&level=icb&code=QA9'],
      ['/api/v1/breakdown', '/api/v1/breakdown?metric=logins&level=sub_icb&code=00A&grain=week'],
      ['/api/v1/summary', '/api/v1/summary?level=practice&code=P00014'],
      ['/api/v1/summary', '/api/v1/summary?grain=week&partial=1'],
      [
        '/api/v1/peers',
        '/api/v1/peers?metric=logins&level=icb&code=QA1&structure=as-recorded&period=2026-02-01',
      ],
      ['/api/v1/peers', '/api/v1/peers?metric=patients_13plus&level=practice&code=P00013'],
      ['/api/v1/series/areas', '/api/v1/series/areas?metric=unique_logins_per_1000&level=pcn&parent=Y56'],
      ['/api/v1/series/areas', '/api/v1/series/areas?metric=logins&level=icb&grain=week&partial=1'],
    ];
    for (const [path, url] of urls) {
      const body = await json(user, url);
      const validate = ajv.compile(
        doc.paths[path]!.get.responses['200']!.content['application/json']!.schema,
      );
      expect(validate(body), `${url}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });
});

describe('disclosure control (OPEN_DATA_DISCLOSURE=on)', () => {
  let sdc: AppPair;
  let sdcAnon: FastifyInstance;
  let sdcUser: FastifyInstance;
  beforeAll(async () => {
    sdc = await buildAppPair(testWarehouseDeps(tw, { OPEN_DATA_DISCLOSURE: 'on' }));
    ({ anon: sdcAnon, user: sdcUser } = sdc);
  });
  afterAll(async () => {
    await sdc?.close();
  });

  /** The rule written out independently: 1–7 suppressed, others to the nearest 5 (halves up), 0 stays. */
  const expected = (n: number) => (n === 0 ? 0 : n < 8 ? null : Math.round(n / 5) * 5);

  it('visitors get region counts suppressed or rounded, with no change or share; staff get them exact', async () => {
    const regions = await json(sdcUser, '/api/v1/breakdown?metric=logins');
    const region = regions.data.find((r: { code: string }) => r.code !== 'UNKNOWN').code as string;
    const direct = await directMonthlyLogins('region', region);
    const url = `/api/v1/series?metric=logins&level=region&code=${region}`;
    const visitor = await sdcAnon.inject(url);
    const staff = await json(sdcUser, url);
    expect(visitor.statusCode).toBe(200);
    expect(visitor.headers['cache-control']).not.toMatch(/public/);
    const points = visitor.json().data as { periodStart: string; value: number | null; changePct: unknown }[];
    expect(points.length).toBeGreaterThan(0);
    for (const p of points) {
      expect(p.value, p.periodStart).toBe(expected(direct.get(p.periodStart) ?? 0));
      expect(p.changePct).toBeNull();
    }
    for (const p of staff.data) expect(p.value).toBe(direct.get(p.periodStart) ?? 0);

    const breakdown = await sdcAnon.inject('/api/v1/breakdown?metric=logins');
    for (const row of breakdown.json().data) {
      const exact = regions.data.find((r: { code: string }) => r.code === row.code).value as number;
      expect(row.value, row.code).toBe(expected(exact));
      expect(row.shareOfParent).toBeNull();
    }
  });

  it('England figures stay exact for visitors; peer ranks of counts need sign-in', async () => {
    const england = await json(sdcAnon, '/api/v1/series?metric=logins');
    const exact = await json(sdcUser, '/api/v1/series?metric=logins');
    expect(england.data).toEqual(exact.data);
    const regions = await json(sdcUser, '/api/v1/breakdown?metric=logins');
    const region = regions.data.find((r: { code: string }) => r.code !== 'UNKNOWN').code as string;
    const peers = await sdcAnon.inject(`/api/v1/peers?metric=logins&level=region&code=${region}`);
    expect(peers.statusCode).toBe(401);
    expect((await sdcUser.inject(`/api/v1/peers?metric=logins&level=region&code=${region}`)).statusCode).toBe(
      200,
    );
  });

  it('visitors get rates of counts worked out from the disclosed counts, never kept by a shared cache (ADR 0061)', async () => {
    const regions = await json(sdcUser, '/api/v1/breakdown?metric=logins');
    const region = regions.data.find((r: { code: string }) => r.code !== 'UNKNOWN').code as string;
    const url = `/api/v1/series?metric=unique_logins_per_1000&level=region&code=${region}`;
    const visitor = await sdcAnon.inject(url);
    expect(visitor.statusCode).toBe(200);
    expect(visitor.headers['cache-control']).not.toMatch(/public/);
    const staff = await json(sdcUser, url);
    type Point = { periodStart: string; value: number | null; numerator?: number; denominator?: number };
    const points = visitor.json().data as Point[];
    expect(points.length).toBeGreaterThan(0);
    let differs = false;
    for (const p of points) {
      const e = (staff.data as Point[]).find((x) => x.periodStart === p.periodStart)!;
      const count = expected(e.numerator!);
      expect(p.numerator ?? null, p.periodStart).toBe(count);
      expect(p.denominator).toBe(e.denominator);
      if (count === null) expect(p.value).toBeNull();
      else {
        // Rounded at the edge: the value to one decimal place, the (demo-scaled) list size to a whole number.
        const den = e.denominator!;
        const slack = 0.05 + (count * 1000 * 0.5) / (den * (den - 0.5)) + 1e-9;
        expect(Math.abs(p.value! - (count / den) * 1000)).toBeLessThanOrEqual(slack);
      }
      if (p.value !== e.value) differs = true;
    }
    expect(differs).toBe(true);
    // Without disclosure control visitors get staff's rates, and a shared cache may keep them.
    const plain = await anon.inject(url);
    expect(plain.json().data).toEqual(staff.data);
    expect(plain.headers['cache-control']).toMatch(/public/);
    // Deciles of exact rates would give the counts back: peers of such a rate need sign-in.
    const peers = `/api/v1/peers?metric=unique_logins_per_1000&level=region&code=${region}`;
    expect((await sdcAnon.inject(peers)).statusCode).toBe(401);
    expect((await sdcUser.inject(peers)).statusCode).toBe(200);
  });
});

describe('GET /api/v1/areas: open areas by default, closed ones on request (issue 14.6)', () => {
  it('lists today’s ICBs by default, and the merged ones only with include=closed, marked with when and into what', async () => {
    const open = await json(anon, '/api/v1/areas?level=icb');
    const codes = open.data.map((a: { code: string }) => a.code);
    // QA1 and QA2 merged into QA9 in the August 2026 release (test/support/api-warehouse.ts).
    expect(codes).not.toContain('QA1');
    expect(codes).not.toContain('QA2');
    expect(codes).toEqual(expect.arrayContaining(['QA3', 'QA9']));
    for (const a of open.data) expect(a.closed).toBe(false);

    const all = await json(anon, '/api/v1/areas?level=icb&include=closed');
    const qa1 = all.data.find((a: { code: string }) => a.code === 'QA1');
    expect(qa1).toMatchObject({
      closed: true,
      closedAt: '2026-08-01',
      successor: { code: 'QA9', level: 'icb' },
      unknown: false,
    });
    expect(all.data.find((a: { code: string }) => a.code === 'QA9')).toMatchObject({
      closed: false,
      closedAt: null,
      successor: null,
    });
    const unknown = all.data.find((a: { code: string }) => a.code === 'UNKNOWN');
    if (unknown) expect(unknown.unknown).toBe(true);
  });

  it('marks a closed practice with the release it left, and no successor', async () => {
    const practices = await json(anon, '/api/v1/areas?level=practice&include=closed');
    expect(practices.data.find((a: { code: string }) => a.code === 'P00014')).toMatchObject({
      closed: true,
      closedAt: '2026-08-01',
      successor: null,
    });
    const open = await json(anon, '/api/v1/areas?level=practice');
    expect(open.data.map((a: { code: string }) => a.code)).not.toContain('P00014');
    const { rows } = await csv(anon, '/api/v1/areas?level=practice&include=closed&format=csv');
    expect(rows.find((r: Record<string, string>) => r.code === 'P00014')).toMatchObject({
      closed: 'true',
      closedAt: '2026-08-01',
      successorCode: '',
    });
  });

  it('refuses an unknown include with 400', async () => {
    const res = await anon.inject('/api/v1/areas?level=icb&include=everything');
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/include/);
  });
});

describe('area columns and the wide layout of figure CSVs (issue 14.6, ADR 0032)', () => {
  const AREA_COLUMNS = ['area_code', 'area_name', 'area_place_name', 'area_level', 'area_ons_code'];

  /** The ICB QA9 and region Y56 given ONS codes for the test (the test warehouse has none), then undone. */
  async function withOnsCodes(fn: () => Promise<void>) {
    await tw.db.run("UPDATE area SET ons_code = 'E54000050' WHERE area_level = 'icb' AND area_code = 'QA9'");
    await tw.db.run(
      "UPDATE area SET ons_code = 'E40000003' WHERE area_level = 'region' AND area_code = 'Y56'",
    );
    try {
      await fn();
    } finally {
      await tw.db.run("UPDATE area SET ons_code = NULL WHERE area_code IN ('QA9', 'Y56')");
    }
  }

  it('starts every figure CSV of the API with the area columns of the area each row is of', async () => {
    await withOnsCodes(async () => {
      const names = new Map(
        (
          await tw.db.all<{ area_level: string; area_code: string; name: string; ons_code: string | null }>(
            'SELECT area_level, area_code, name, ons_code FROM area',
          )
        ).map((a) => [`${a.area_level}|${a.area_code}`, a]),
      );
      // Every route of the API that answers an area's figures as CSV, one area or many.
      const urls = [
        '/api/v1/series?metric=logins&level=icb&code=QA9&to=2026-10-31&format=csv',
        '/api/v1/series?metric=logins&level=icb&code=E54000050&to=2026-10-31&format=csv&layout=wide',
        '/api/v1/series/areas?metric=logins&level=icb&to=2026-10-31&format=csv',
        '/api/v1/series/areas?metric=logins&level=practice&parent=QA9&to=2026-10-31&format=csv&layout=wide',
        '/api/v1/breakdown?metric=logins&period=2026-10-01&format=csv',
        '/api/v1/summary?level=icb&code=QA9&grain=month&format=csv',
        '/api/v1/peers?metric=logins&level=icb&code=QA9&period=2026-10-01&format=csv',
        '/api/v1/ranking?metric=logins&level=practice&within=icb:QA9&period=2026-10-01&format=csv',
      ];
      for (const url of urls) {
        const res = await user.inject(url);
        expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
        expect(res.body.split('\r\n')[0]!.split(',').slice(0, 5), url).toEqual(AREA_COLUMNS);
        const rows = parse(res.body, { columns: true }) as Record<string, string>[];
        expect(rows.length, url).toBeGreaterThan(0);
        for (const r of rows) {
          const area = names.get(`${r.area_level}|${r.area_code}`);
          expect(area, `${url}: ${r.area_level} ${r.area_code}`).toBeDefined();
          expect(r.area_name, url).toBe(area!.name);
          expect(r.area_ons_code, url).toBe(area!.ons_code ?? '');
        }
        if (url.includes('code=QA9') || url.includes('code=E54000050'))
          expect(new Set(rows.map((r) => `${r.area_code} ${r.area_ons_code}`)), url).toEqual(
            new Set(['QA9 E54000050']),
          );
      }
      // The regions' breakdown: Y56 carries its ONS code, Y58 an empty cell.
      const { rows } = await csv(anon, '/api/v1/breakdown?metric=logins&period=2026-09-01&format=csv');
      expect(rows.find((r) => r.area_code === 'Y56')!.area_ons_code).toBe('E40000003');
      expect(rows.find((r) => r.area_code === 'Y58')!.area_ons_code).toBe('');
    });
  });

  it('gives many areas’ series: long equal to each area’s own series, wide the long pivoted, no data empty', async () => {
    const base = '/api/v1/series/areas?metric=unique_logins_per_1000&level=icb&grain=month&from=2026-05-01';
    const long = await csv(user, `${base}&format=csv`);
    expect(Object.keys(long.rows[0]!)).toEqual([
      ...AREA_COLUMNS,
      'isCurrent',
      'periodStart',
      'value',
      'complete',
      'numerator',
      'denominator',
      'coverage',
    ]);
    // Each area's rows equal its own series (another reader: src/query/series.ts), cell for cell.
    const codes = [...new Set(long.rows.map((r) => r.area_code))];
    expect(codes).toEqual(expect.arrayContaining(['QA9', 'QA3', 'UNKNOWN']));
    for (const code of codes.filter((c) => c !== 'UNKNOWN')) {
      const own = await json(
        user,
        `/api/v1/series?metric=unique_logins_per_1000&level=icb&code=${code}&from=2026-05-01`,
      );
      const mine = long.rows.filter((r) => r.area_code === code);
      expect(mine.map((r) => [r.periodStart, r.value, r.numerator, r.denominator, r.coverage])).toEqual(
        own.data.map((p: Record<string, unknown>) =>
          [p.periodStart, p.value, p.numerator, p.denominator, p.coverage].map(cell),
        ),
      );
    }
    // Unknown has no list size: its rate is no data, an empty cell, never 0.
    const unknown = long.rows.filter((r) => r.area_code === 'UNKNOWN');
    expect(unknown.length).toBeGreaterThan(0);
    for (const r of unknown) expect(r.value).toBe('');

    // Wide: the long CSV pivoted here — a row per area, a column per period start.
    const wideRes = await user.inject(`${base}&format=csv&layout=wide`);
    expect(wideRes.statusCode).toBe(200);
    expect(wideRes.headers['content-disposition']).toMatch(/-wide\.csv"$/);
    const periods = [...new Set(long.rows.map((r) => r.periodStart!))].sort();
    const wideLines = wideRes.body.split('\r\n');
    expect(wideLines[0]).toBe([...AREA_COLUMNS, 'isCurrent', ...periods].join(','));
    const wide = parse(wideRes.body, { columns: true }) as Record<string, string>[];
    const expected = codes.map((code) => {
      const mine = long.rows.filter((r) => r.area_code === code);
      const first = mine[0]!;
      return {
        ...Object.fromEntries([...AREA_COLUMNS, 'isCurrent'].map((k) => [k, first[k]!])),
        ...Object.fromEntries(periods.map((p) => [p, mine.find((r) => r.periodStart === p)?.value ?? ''])),
      };
    });
    expect(wide).toEqual(expected);
    const unknownWide = wide.find((r) => r.area_code === 'UNKNOWN')!;
    for (const p of periods) expect(unknownWide[p]).toBe('');

    // JSON: the same figures.
    const body = await json(user, base);
    expect(body.periods.map((p: { periodStart: string }) => p.periodStart)).toEqual(periods);
    const fromJson = body.data.flatMap((a: { area: { code: string }; data: Record<string, unknown>[] }) =>
      a.data.map((p) => [a.area.code, p.periodStart, cell(p.value)]),
    );
    expect(fromJson).toEqual(long.rows.map((r) => [r.area_code, r.periodStart, r.value]));
  });

  it('takes the areas within a parent by ODS or ONS code, and refuses bad layouts and parents', async () => {
    await withOnsCodes(async () => {
      const byOds = await user.inject(
        '/api/v1/series/areas?metric=logins&level=practice&parent=QA9&from=2026-09-01&format=csv&layout=wide',
      );
      const byOns = await user.inject(
        '/api/v1/series/areas?metric=logins&level=practice&parent=e54000050&from=2026-09-01&format=csv&layout=wide',
      );
      expect(byOns.body).toBe(byOds.body);
      const practices = (parse(byOds.body, { columns: true }) as Record<string, string>[]).map(
        (r) => r.area_code,
      );
      const direct = await tw.db.all<{ code: string }>(
        `SELECT area_code AS code FROM area_ancestry WHERE structure = 'current' AND area_level = 'practice'
           AND ancestor_level = 'icb' AND ancestor_code = 'QA9' ORDER BY code`,
      );
      expect([...practices].sort()).toEqual(direct.map((d) => d.code));
    });
    const bad = async (url: string, status: number, message: RegExp) => {
      const res = await user.inject(url);
      expect(res.statusCode, url).toBe(status);
      expect(res.json().message, url).toMatch(message);
    };
    await bad('/api/v1/series/areas?metric=logins&level=icb&layout=wide', 400, /layout.*format=csv/);
    await bad('/api/v1/series?metric=logins&layout=wide', 400, /layout.*format=csv/);
    await bad('/api/v1/series/areas?metric=logins&level=icb&format=csv&layout=tall', 400, /layout/);
    await bad('/api/v1/series/areas?metric=logins&level=icb&parent=QA3', 400, /parent must be an area above/);
    await bad(
      '/api/v1/series/areas?metric=logins&level=icb&parent=NOPE9',
      404,
      /no area with the code NOPE9/,
    );
    await bad('/api/v1/breakdown?metric=logins&format=csv&layout=wide', 400, /layout/);
  });

  it('defuses a formula in an area’s name in the long and wide CSVs', async () => {
    const name = await tw.db.scalar<string>(
      "SELECT name FROM area WHERE area_level = 'icb' AND area_code = 'QA3'",
    );
    await tw.db.run(
      "UPDATE area SET name = '=HYPERLINK(\"http://x\",\"y\")' WHERE area_level = 'icb' AND area_code = 'QA3'",
    );
    try {
      for (const url of [
        '/api/v1/series?metric=logins&level=icb&code=QA3&from=2026-10-01&format=csv',
        '/api/v1/series?metric=logins&level=icb&code=QA3&from=2026-10-01&format=csv&layout=wide',
        '/api/v1/series/areas?metric=logins&level=icb&from=2026-10-01&format=csv',
        '/api/v1/series/areas?metric=logins&level=icb&from=2026-10-01&format=csv&layout=wide',
      ]) {
        const res = await user.inject(url);
        expect(res.statusCode, url).toBe(200);
        expect(res.body, url).toContain(`QA3,"'=HYPERLINK(""http://x"",""y"")",,icb,`);
        expect(res.body, url).not.toMatch(/(^|,)"?=HYPERLINK/m);
      }
    } finally {
      await tw.db.run("UPDATE area SET name = $1 WHERE area_level = 'icb' AND area_code = 'QA3'", [name!]);
    }
  });
});
