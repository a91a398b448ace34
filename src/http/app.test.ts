import { gunzipSync } from 'node:zlib';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { fixedClock } from '../domain/clock.ts';
import { Warehouse } from '../warehouse/db.ts';
import { migrate } from '../warehouse/migrate.ts';
import { buildApp, CONTENT_SECURITY_POLICY } from './app.ts';
import { buildAppAs } from '../../test/support/signed-in.ts';
import type { PageQueries } from './deps.ts';
import { createTestQueries, TEST_METRICS } from '../../test/support/in-memory-queries.ts';

const clock = fixedClock('2026-11-18T09:00:00Z');
const config = loadConfig({});

async function makeApp(queries: PageQueries = createTestQueries(), db?: Warehouse) {
  const warehouse = db ?? (await Warehouse.open(':memory:'));
  const app = await buildApp({ db: warehouse, config, clock, queries });
  return { app, warehouse };
}

function expectSecurityHeaders(res: LightMyRequestResponse) {
  expect(res.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(res.headers['referrer-policy']).toBe('same-origin');
}

let app: FastifyInstance;
let warehouse: Warehouse;

beforeAll(async () => {
  ({ app, warehouse } = await makeApp());
});

afterAll(async () => {
  await app.close();
  warehouse.close();
});

describe('GET /healthz', () => {
  it('answers ok when the database answers', async () => {
    const res = await app.inject('/healthz');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
    expectSecurityHeaders(res);
  });

  it('answers 503 when the database does not', async () => {
    const broken = await Warehouse.open(':memory:');
    const { app: app2 } = await makeApp(createTestQueries(), broken);
    broken.close();
    const res = await app2.inject('/healthz');
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ status: 'unavailable' });
    await app2.close();
  });
});

describe('GET /api/v1/areas', () => {
  it('lists areas at a level', async () => {
    const res = await app.inject('/api/v1/areas?level=icb');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = res.json();
    expect(body.data).toHaveLength(3);
    expect(body.data[0]).toEqual({
      code: 'QMJ',
      onsCode: 'E54000028',
      name: 'NHS North Central London Integrated Care Board',
      placeName: null,
      level: 'icb',
      parent: { code: 'Y56', level: 'region' },
      closed: false,
      closedAt: null,
      successor: null,
      unknown: false,
    });
    expectSecurityHeaders(res);
  });

  it('filters by parent (any case)', async () => {
    for (const parent of ['Y56', 'y56']) {
      const res = await app.inject(`/api/v1/areas?level=icb&parent=${parent}`);
      expect(res.statusCode).toBe(200);
      expect(res.json().data.map((a: { code: string }) => a.code)).toEqual(['QMJ', 'QRV']);
    }
    const practices = await app.inject('/api/v1/areas?level=practice&parent=U12345');
    // F83012 has closed: today's open areas only, unless include=closed (src/http/api/api.test.ts).
    expect(practices.json().data.map((a: { code: string }) => a.code)).toEqual(['F83004']);
  });

  it('answers 404 for an unknown parent', async () => {
    const res = await app.inject('/api/v1/areas?level=icb&parent=ZZZ999');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: 'Not Found', message: expect.stringContaining('ZZZ999') });
  });

  const bad: [string, string, RegExp][] = [
    ['missing level', '/api/v1/areas', /querystring\/level is required/],
    [
      'empty level',
      '/api/v1/areas?level=',
      /querystring\/level must be one of: region, icb, sub_icb, pcn, practice/,
    ],
    ['unknown level', '/api/v1/areas?level=country', /querystring\/level must be one of/],
    ['england is not a list', '/api/v1/areas?level=england', /querystring\/level must be one of/],
    ['SQL in level', `/api/v1/areas?level=${encodeURIComponent("icb' OR 1=1 --")}`, /querystring\/level/],
    [
      'SQL in parent',
      `/api/v1/areas?level=icb&parent=${encodeURIComponent("' OR 1=1 --")}`,
      /querystring\/parent must be an area code/,
    ],
    [
      'script in parent',
      `/api/v1/areas?level=icb&parent=${encodeURIComponent('<script>alert(1)</script>')}`,
      /querystring\/parent/,
    ],
    ['oversized level', `/api/v1/areas?level=${'a'.repeat(5000)}`, /querystring\/level must be one of/],
    ['oversized parent', `/api/v1/areas?level=icb&parent=${'A'.repeat(5000)}`, /querystring\/parent/],
    ['empty parent', '/api/v1/areas?level=icb&parent=', /querystring\/parent/],
    [
      'unknown parameter',
      '/api/v1/areas?level=icb&sort=name',
      /querystring must not have the parameter "sort"/,
    ],
    [
      'unknown parameter with a hostile name',
      `/api/v1/areas?level=icb&${encodeURIComponent('<img src=x onerror=alert(1)>')}=1`,
      /querystring has a parameter that is not allowed/,
    ],
    ['repeated level', '/api/v1/areas?level=icb&level=pcn', /querystring\/level must be given once/],
    ['null byte', '/api/v1/areas?level=icb%00', /querystring\/level must be one of/],
  ];
  for (const [name, url, message] of bad) {
    it(`answers 400, not 500, for ${name}`, async () => {
      const res = await app.inject(url);
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const body = res.json();
      expect(body.error).toBe('Bad Request');
      expect(body.message).toMatch(message);
      // Never reflects the input.
      expect(res.body).not.toMatch(/<script|<img|OR 1=1|aaaaaaaaaa|AAAAAAAAAA/);
      expectSecurityHeaders(res);
    });
  }
});

describe('pages', () => {
  it('renders the national summary with the figures', async () => {
    const res = await app.inject('/');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expectSecurityHeaders(res);
    const html = res.body;
    expect(html).toContain('NHS App use in England');
    expect(html).toContain('2,188,000');
    expect(html).toContain('Logins rose 4.2% from 2,100,000 in September 2026 to 2,188,000 in October 2026.');
    expect(html).toContain('Data refreshed <strong>18 November 2026 at 7:45am</strong>');
    expect(html).toContain('Complete periods up to <strong>31 October 2026</strong>');
    expect(html).toMatch(/synthetic demo data/i);
    expect(html).toContain('Contains NHS England data');
    // CSP: no inline scripts or styles.
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    expect(html).not.toMatch(/\sstyle=/);
    expect(html).not.toMatch(/<style/);
  });

  it('switches grain and includes the partial period (signed in: weekly figures are not open data)', async () => {
    // Its own warehouse with the sign-in tables: the signed-in client carries a real session.
    const signInDb = await Warehouse.open(':memory:');
    await migrate(signInDb);
    const signedIn = await buildAppAs(
      {
        db: signInDb,
        config,
        clock,
        queries: createTestQueries(),
      },
      { signedIn: true, role: 'viewer', userId: 't1', via: 'session' },
    );
    const res = await signedIn.inject('/?grain=week&partial=1');
    await signedIn.close();
    signInDb.close();
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Week commencing 16 November 2026 (partial)');
    expect(res.body).toContain('301,112');
    expect(res.body).toMatch(/id="grain-2" name="grain" type="radio" value="week" checked/);
  });

  it('shows visitors who are not signed in the open headline figures only, and sends them to sign in for weeks', async () => {
    const res = await app.inject('/');
    expect(res.statusCode).toBe(200);
    // Logins and registrations are in the MI publication; appointments cancelled and % registered are not.
    expect(res.body).toContain('id="tile-logins"');
    expect(res.body).toContain('id="tile-registrations"');
    expect(res.body).not.toContain('id="tile-appointments_cancelled"');
    expect(res.body).not.toContain('id="tile-pct_registered"');
    expect(res.body).toContain('id="access-notice"');
    const week = await app.inject('/?grain=week');
    expect(week.statusCode).toBe(303);
    expect(week.headers.location).toBe('/sign-in?next=%2F%3Fgrain%3Dweek');
  });

  it('ignores unknown parameters on pages (shared links pick some up)', async () => {
    const res = await app.inject('/?utm_source=email');
    expect(res.statusCode).toBe(200);
  });

  for (const url of [
    '/?grain=year',
    '/?partial=yes',
    `/?grain=${encodeURIComponent('<script>alert(1)</script>')}`,
  ]) {
    it(`answers an NHS-styled 400 page for ${url}`, async () => {
      const res = await app.inject(url);
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.body).toContain('nhsuk-header');
      expect(res.body).toContain('Sorry, there is a problem with this link');
      expect(res.body).not.toContain('<script>alert');
      expectSecurityHeaders(res);
    });
  }

  it('answers an NHS-styled 404 page for unknown paths, and JSON under /api', async () => {
    const res = await app.inject('/no/such/page');
    expect(res.statusCode).toBe(404);
    expect(res.body).toContain('Page not found');
    expect(res.body).toContain('nhsuk-header');
    expectSecurityHeaders(res);
    const api = await app.inject('/api/v1/nothing');
    expect(api.statusCode).toBe(404);
    expect(api.json()).toEqual({ error: 'Not Found', message: expect.any(String) });
  });

  it('answers 400 (without echoing it) for a malformed URL', async () => {
    const res = await app.inject('/%zz%3Cscript%3E');
    expect(res.statusCode).toBe(400);
    expect(res.body).not.toContain('%zz');
    expect(res.body).not.toContain('<script>');
    expectSecurityHeaders(res);
  });

  it('shows a 500 page that leaks nothing', async () => {
    const secret = new Error('connection string postgres://user:hunter2@db/secret');
    const { app: failing, warehouse: w } = await makeApp(createTestQueries({ failWith: secret }));
    const res = await failing.inject('/');
    expect(res.statusCode).toBe(500);
    expect(res.body).toContain('Sorry, there is a problem with the service');
    expect(res.body).not.toMatch(/hunter2|postgres|stack|at .*\.ts/);
    expectSecurityHeaders(res);
    await failing.close();
    w.close();
  });

  it('escapes text from the data', async () => {
    const evil = '<script>alert("x")</script>';
    const metrics = [{ ...TEST_METRICS[0]!, name: evil, shortName: evil, description: evil }];
    const { app: a, warehouse: w } = await makeApp(createTestQueries({ metrics }));
    const res = await a.inject('/');
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain(evil);
    expect(res.body).toContain('&lt;script&gt;');
    await a.close();
    w.close();
  });

  it('compresses pages for clients that accept gzip', async () => {
    const res = await app.inject({ url: '/', headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.headers.vary).toMatch(/Accept-Encoding/);
    const html = gunzipSync(res.rawPayload).toString('utf8');
    expect(html).toContain('NHS App use in England');
    const plain = await app.inject({ url: '/', headers: { 'accept-encoding': 'gzip;q=0' } });
    expect(plain.headers['content-encoding']).toBeUndefined();
  });
});

describe('static files', () => {
  it('serves the prebuilt nhsuk-frontend CSS and JS, cached, gzipped on request', async () => {
    const page = (await app.inject('/')).body;
    const cssUrl = /href="(\/assets\/nhsuk-frontend\.min\.css\?v=[0-9a-f]+)"/.exec(page)![1]!;
    const css = await app.inject({ url: cssUrl, headers: { 'accept-encoding': 'gzip' } });
    expect(css.statusCode).toBe(200);
    expect(css.headers['content-type']).toMatch(/^text\/css/);
    expect(css.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(css.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(css.rawPayload).toString('utf8')).toContain('.nhsuk-header');
    expectSecurityHeaders(css);

    const bare = await app.inject('/assets/nhsuk-frontend.min.css');
    expect(bare.headers['cache-control']).toBe('public, max-age=300');
    expect(bare.body).not.toContain('sourceMappingURL');
    expect(bare.body).not.toMatch(/https?:\/\//); // no third-party fonts or images (CSP)
    const again = await app.inject({
      url: '/assets/nhsuk-frontend.min.css',
      headers: { 'if-none-match': bare.headers.etag as string },
    });
    expect(again.statusCode).toBe(304);

    const js = await app.inject('/assets/nhsuk-frontend.min.js');
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toMatch(/^text\/javascript/);

    const appJsUrl = /src="(\/static\/app\.js\?v=[0-9a-f]+)"/.exec(page)![1]!;
    const appJs = await app.inject(appJsUrl);
    expect(appJs.body).toMatch(/from '\/assets\/nhsuk-frontend\.min\.js\?v=[0-9a-f]+'/);
  });

  it('serves our CSS and the nhsuk images', async () => {
    const css = await app.inject('/static/app.css');
    expect(css.statusCode).toBe(200);
    expect(css.body).toContain('.app-tile__value');
    const icon = await app.inject('/assets/images/favicon.svg');
    expect(icon.statusCode).toBe(200);
    expect(icon.headers['cache-control']).toMatch(/max-age=86400/);
    expectSecurityHeaders(icon);
  });

  it('does not serve files outside the asset folders', async () => {
    for (const url of [
      '/assets/../../package.json',
      '/assets/%2e%2e/%2e%2e/package.json',
      '/static/app.test.ts',
      '/assets/',
    ]) {
      const res = await app.inject(url);
      expect([400, 403, 404]).toContain(res.statusCode);
      expect(res.body).not.toContain('"dependencies"');
    }
  });
});
