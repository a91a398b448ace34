/**
 * The route walk (issue 5 §1 and §7): every route the app registers, found through its onRoute hook, so a
 * route added later is covered without editing this file.
 *
 * 1. Every route's declared access is reviewed: routes open to anyone ('public') and routes that serve
 *    figures to anyone ('figures') must be listed below; everything else needs sign-in.
 * 2. Anonymous requests to signed-in and admin routes are refused (pages send the visitor to sign in, the
 *    API answers 401).
 * 3. Every 'figures' route is asked, anonymously, for restricted figures (weekly, practice level, a
 *    metric outside the MI publication): refused every time, while the same request signed in answers
 *    2xx (so the refusal is about access, not a bad request) and the open request answers 2xx too.
 * 4. Hostile values (SQL, HTML, path traversal, oversized, NUL) in every query parameter and path segment of
 *    every route: a 4xx (never 5xx), never reflected unescaped.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WarehouseQueries } from '../app/warehouse-queries.ts';
import { loadConfig } from '../config.ts';
import type { Viewer } from '../domain/access.ts';
import { buildAppAs } from '../../test/support/signed-in.ts';
import type { RegisteredRoute } from './access.ts';
import { buildTestWarehouse, TEST_CLOCK, type TestWarehouse } from '../../test/support/api-warehouse.ts';

/** Reviewed: open to anyone, and why that is safe. */
const PUBLIC_ROUTES: Record<string, string> = {
  'GET /healthz': 'liveness only',
  'GET /accessibility': 'service page: accessibility statement',
  'GET /privacy': 'service page: privacy notice',
  'GET /cookies': 'service page: the cookies set',
  'GET /contact': 'service page: how to contact the team',
  'GET /feedback': 'service page: how to give feedback',
  'GET /api/docs': 'API documentation, rendered from the OpenAPI document',
  'GET /api/docs/explorer': 'API explorer page (Swagger UI); calls run with the visitor’s own access',
  'GET /static/swagger-ui/swagger-ui-bundle.js': 'static file of the API explorer',
  'GET /static/swagger-ui/swagger-ui.css': 'static file of the API explorer',
  'GET /static/api-explorer.js': 'static file of the API explorer',
  'GET /readyz': 'readiness only: figures loaded, warehouse answering, figure queue size',
  'GET /search': 'reference data: area names and codes',
  'GET /api/v1/metrics': 'metric definitions',
  'GET /api/v1/metrics/:id': 'metric definition',
  'GET /api/v1/areas': 'reference data: areas and hierarchy',
  'GET /api/v1/areas/:level/:code': 'reference data: one area',
  'GET /api/v1/openapi.json': 'API description',
  'GET /api/v1/official': 'official statistics: the published NHS App MI figures (OGL)',
  'GET /api/v1/official/editions': 'official statistics: the editions loaded',
  'GET /official': 'official statistics page: the published NHS App MI figures (OGL)',
  'GET /official/demographics': 'NHS England FOI figures of users by age and deprivation (OGL), national',
  'GET /api/v1/official/demographics':
    'NHS England FOI figures of users by age and deprivation (OGL), national',
  'GET /open-data': 'the archive of our published MI releases',
  'GET /open-data/:release/:file': 'a file of a published release (only files the release lists)',
  'GET /api/v1/official/reconciliation':
    'official beside computed figures: computed ones checked per request as open data (MI metrics, monthly, England/region/ICB), with disclosure control',
  'GET /dictionary': 'data dictionary',
  'GET /dictionary/:metricId': 'data dictionary',
  'GET /about': 'about page',
  'GET /sign-in': 'sign-in form',
  'POST /sign-in': 'asks for a sign-in link (CSRF, rate limits)',
  'GET /sign-in/verify': 'confirm page of a sign-in link',
  'POST /sign-in/verify': 'uses a sign-in link (CSRF, bound to the browser)',
  'GET /sign-in/oidc': 'starts OpenID Connect sign-in',
  'GET /sign-in/oidc/callback': 'OpenID Connect callback (state, nonce, PKCE)',
};

/** Reviewed: serve figures to anyone, checking each figure (open data only for visitors). */
const FIGURES_ROUTES = [
  'GET /',
  'GET /areas',
  'GET /areas/:level/:code',
  'GET /areas/:level/:code/chart.csv',
  'GET /areas/:level/:code/chart.svg',
  'GET /api/v1/series',
  'GET /api/v1/series/areas',
  'GET /api/v1/breakdown',
  'GET /api/v1/summary',
  'GET /api/v1/before-after',
  'GET /api/v1/peers',
  'GET /api/v1/ranking',
  'GET /rank',
  'GET /map',
  'GET /map.csv',
  'GET /data',
  'GET /data.csv',
];

/** Static files registered by plugins (open by prefix): assets only. */
const STATIC_PREFIXES = ['/assets/', '/static/'];

/** For each figures route: an open request, and restricted variants of it. */
const FIGURE_PROBES: Record<string, { open: string; restricted: string[] }> = {
  'GET /': { open: '/', restricted: ['/?grain=week'] },
  'GET /areas': { open: '/areas', restricted: ['/areas?grain=week'] },
  'GET /areas/:level/:code': {
    open: '/areas/icb/QA9',
    restricted: [
      '/areas/icb/QA9?grain=week',
      '/areas/practice/P00001',
      '/areas/pcn/U00001',
      '/areas/sub_icb/00A',
    ],
  },
  'GET /areas/:level/:code/chart.csv': {
    open: '/areas/icb/QA9/chart.csv?metric=logins',
    restricted: [
      '/areas/icb/QA9/chart.csv?metric=logins&grain=week',
      '/areas/practice/P00001/chart.csv?metric=logins',
      '/areas/icb/QA9/chart.csv?metric=appointments_booked',
    ],
  },
  'GET /areas/:level/:code/chart.svg': {
    open: '/areas/icb/QA9/chart.svg?metric=logins',
    restricted: [
      '/areas/icb/QA9/chart.svg?metric=logins&grain=week',
      '/areas/practice/P00001/chart.svg?metric=logins',
      '/areas/icb/QA9/chart.svg?metric=appointments_booked',
    ],
  },
  'GET /api/v1/series': {
    open: '/api/v1/series?metric=logins&level=icb&code=QA9',
    restricted: [
      '/api/v1/series?metric=logins&level=icb&code=QA9&grain=week',
      '/api/v1/series?metric=logins&level=practice&code=P00001',
      '/api/v1/series?metric=appointments_booked&level=icb&code=QA9',
    ],
  },
  'GET /api/v1/series/areas': {
    open: '/api/v1/series/areas?metric=logins&level=icb&format=csv&layout=wide',
    restricted: [
      '/api/v1/series/areas?metric=logins&level=icb&grain=week',
      '/api/v1/series/areas?metric=logins&level=practice&parent=QA9&format=csv',
      '/api/v1/series/areas?metric=appointments_booked&level=icb',
    ],
  },
  'GET /api/v1/breakdown': {
    open: '/api/v1/breakdown?metric=logins',
    restricted: [
      '/api/v1/breakdown?metric=logins&grain=week',
      '/api/v1/breakdown?metric=logins&level=icb&code=QA9',
      '/api/v1/breakdown?metric=appointments_booked',
    ],
  },
  'GET /api/v1/summary': {
    open: '/api/v1/summary?level=icb&code=QA9',
    restricted: [
      '/api/v1/summary?level=icb&code=QA9&grain=week',
      '/api/v1/summary?level=practice&code=P00001',
    ],
  },
  'GET /api/v1/before-after': {
    open: '/api/v1/before-after?level=icb&code=QA9&since=2026-08-15',
    restricted: [
      '/api/v1/before-after?level=icb&code=QA9&since=2026-08-15&grain=week',
      '/api/v1/before-after?level=practice&code=P00001&since=2026-08-15',
    ],
  },
  'GET /api/v1/peers': {
    open: '/api/v1/peers?metric=logins&level=icb&code=QA9',
    restricted: [
      '/api/v1/peers?metric=logins&level=icb&code=QA9&grain=week',
      '/api/v1/peers?metric=logins&level=pcn&code=U00001',
      '/api/v1/peers?metric=appointments_booked&level=icb&code=QA9',
    ],
  },
  'GET /api/v1/ranking': {
    open: '/api/v1/ranking?metric=logins&level=icb',
    restricted: [
      '/api/v1/ranking?metric=logins&level=icb&grain=week',
      '/api/v1/ranking?metric=logins&level=practice&within=icb:QA9',
      '/api/v1/ranking?metric=appointments_booked&level=icb',
    ],
  },
  'GET /rank': {
    open: '/rank?metric=logins&level=icb',
    restricted: [
      '/rank?metric=logins&level=icb&grain=week',
      '/rank?metric=logins&level=practice&within=icb:QA9',
      '/rank?metric=appointments_booked&level=icb',
    ],
  },
  'GET /map': {
    open: '/map?level=icb&metric=logins',
    restricted: [
      '/map?level=icb&metric=logins&grain=week',
      '/map?level=sub_icb&metric=logins',
      '/map?level=icb&metric=appointments_booked',
    ],
  },
  'GET /map.csv': {
    open: '/map.csv?level=icb&metric=logins',
    restricted: ['/map.csv?level=icb&metric=logins&grain=week', '/map.csv?level=sub_icb&metric=logins'],
  },
  'GET /data': {
    open: '/data?level=icb&metric=logins',
    restricted: [
      '/data?level=icb&metric=logins&grain=week',
      '/data?level=practice&metric=logins',
      '/data?level=icb&metric=appointments_booked',
    ],
  },
  'GET /data.csv': {
    open: '/data.csv?level=icb&metric=logins',
    restricted: ['/data.csv?level=icb&metric=logins&grain=week', '/data.csv?level=practice&metric=logins'],
  },
};

const ADMIN: Viewer = { signedIn: true, role: 'admin', userId: 'walker', via: 'session' };

let tw: TestWarehouse;
let anon: FastifyInstance;
let admin: FastifyInstance;
let routes: RegisteredRoute[];

async function appFor(signedInAs: Viewer | null): Promise<FastifyInstance> {
  const app = await buildAppAs(
    {
      db: tw.db,
      config: loadConfig({ DATA_DIR: tw.dir }),
      clock: TEST_CLOCK,
      queries: new WarehouseQueries(tw.db, tw.catalogue),
      catalogue: tw.catalogue,
    },
    signedInAs,
  );
  await app.ready();
  return app;
}

beforeAll(async () => {
  tw = await buildTestWarehouse();
  anon = await appFor(null);
  admin = await appFor(ADMIN);
  routes = anon.registeredRoutes;
}, 120_000);

afterAll(async () => {
  await anon?.close();
  await admin?.close();
  tw?.close();
});

const keyOf = (r: RegisteredRoute) => `${r.method} ${r.url}`;
const isStatic = (r: RegisteredRoute) => STATIC_PREFIXES.some((p) => r.url.startsWith(p));

/** A URL for a route with harmless values in its path parameters. */
function sampleUrl(url: string): string {
  return url
    .replace(':level', 'icb')
    .replace(':code', 'QA9')
    .replace(':metricId', 'logins')
    .replace(':id', '00000000-0000-4000-8000-000000000000')
    .replace('*', 'x');
}

function refused(res: LightMyRequestResponse, url: string): void {
  if (url.startsWith('/api/')) {
    expect(res.statusCode, url).toBe(401);
    expect(res.headers['www-authenticate'], url).toMatch(/^Bearer realm=/);
  } else {
    expect(res.statusCode, url).toBe(303);
    expect(res.headers.location, url).toMatch(/^\/sign-in/);
  }
}

describe('route walk', () => {
  it('finds the routes of every module', () => {
    const keys = routes.map(keyOf);
    expect(keys.length).toBeGreaterThan(30);
    for (const k of ['GET /', 'POST /sign-in', 'GET /admin/users', 'GET /api/v1/series', 'GET /account']) {
      expect(keys).toContain(k);
    }
  });

  it('has no public or figures route that is not in the reviewed lists', () => {
    const unreviewed = routes
      .filter((r) => !isStatic(r))
      .filter(
        (r) =>
          (r.access === 'public' && !(keyOf(r) in PUBLIC_ROUTES)) ||
          (r.access === 'figures' && !FIGURES_ROUTES.includes(keyOf(r))),
      )
      .map((r) => `${keyOf(r)} (${r.access})`);
    expect(unreviewed).toEqual([]);
    // Static routes really are files only.
    for (const r of routes.filter(isStatic)) expect(r.method).toBe('GET');
  });

  it('refuses visitors on every signed-in and admin route', async () => {
    const closed = routes.filter((r) => r.access === 'signed-in' || r.access === 'admin');
    expect(closed.length).toBeGreaterThanOrEqual(8);
    for (const r of closed) {
      const url = sampleUrl(r.url);
      const res = await anon.inject({ method: r.method as 'GET', url });
      // A POST without its CSRF token may be refused for that first; either way nothing happens.
      if (r.method === 'GET') refused(res, url);
      else expect([303, 401, 403], `${r.method} ${url}`).toContain(res.statusCode);
    }
  });

  it('answers restricted figures to no visitor, on every figures route', async () => {
    const figureRoutes = routes.filter((r) => r.access === 'figures');
    for (const r of figureRoutes) {
      const probe = FIGURE_PROBES[keyOf(r)];
      expect(probe, `no probe for ${keyOf(r)}: add one to FIGURE_PROBES`).toBeDefined();
      const open = await anon.inject(probe!.open);
      expect(open.statusCode, `open request ${probe!.open}`).toBe(200);
      for (const url of probe!.restricted) {
        const signedIn = await admin.inject(url);
        expect(signedIn.statusCode, `signed in ${url}`).toBe(200);
        refused(await anon.inject(url), url);
      }
    }
  });
});

const HOSTILE = [
  "' OR 1=1 --",
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  '../../../../etc/passwd',
  '%00',
  'A'.repeat(3000),
  '{{7*7}}',
];
/** Free-text parameters: a 2xx is fine, as long as the text comes back escaped. */
const FREE_TEXT = new Set(['q', 'next', 'error_description', 'error']);

describe('hostile values in every parameter of every route', () => {
  it('get a 4xx (never a 5xx) and are never reflected unescaped', async () => {
    let checked = 0;
    for (const r of routes.filter((x) => !isStatic(x) && x.method === 'GET')) {
      const base = sampleUrl(r.url);
      const urls: [string, string][] = [];
      for (const param of r.queryParams) {
        for (const value of HOSTILE) {
          urls.push([param, `${base}${base.includes('?') ? '&' : '?'}${param}=${encodeURIComponent(value)}`]);
        }
      }
      for (const segment of r.url.split('/').filter((s) => s.startsWith(':'))) {
        for (const value of HOSTILE) {
          urls.push([segment, sampleUrl(r.url.replace(segment, encodeURIComponent(value)))]);
        }
      }
      for (const [param, url] of urls) {
        for (const app of [admin, anon]) {
          const res = await app.inject(url);
          checked += 1;
          const where = `${r.method} ${r.url} ${param}: ${url.slice(0, 120)}`;
          expect(res.statusCode, where).toBeLessThan(500);
          if (!FREE_TEXT.has(param) && app === admin)
            expect(res.statusCode, where).toBeGreaterThanOrEqual(400);
          const html = String(res.headers['content-type'] ?? '').startsWith('text/html');
          // JSON and CSV (never sniffed: X-Content-Type-Options nosniff) carry text as data; pages escape it.
          if (html || !String(res.headers['content-type'] ?? '').match(/json|csv/)) {
            expect(res.body, where).not.toContain('<script>alert(1)');
            expect(res.body, where).not.toContain('<img src=x');
          }
          expect(res.headers['x-content-type-options'], where).toBe('nosniff');
          expect(res.body, where).not.toContain('A'.repeat(300));
          expect(res.body, where).not.toContain('root:x:0');
          expect(res.body, where).not.toContain('49'.padStart(3, '>'));
        }
      }
    }
    expect(checked).toBeGreaterThan(500);
  }, 300_000);
});

/** Reviewed: pages that show no figure computed from App activity, so carry no demo-data label. */
const NO_COMPUTED_FIGURES: Record<string, string> = {
  'GET /search': 'area names and codes',
  'GET /dictionary': 'metric definitions',
  'GET /dictionary/:metricId': 'a metric definition',
  'GET /official': 'the published NHS App MI (OGL); its computed columns carry their own demo note',
  'GET /official/demographics': 'NHS England FOI figures of users by age and deprivation (OGL)',
  'GET /accessibility': 'service page',
  'GET /privacy': 'service page',
  'GET /cookies': 'service page',
  'GET /contact': 'service page',
  'GET /feedback': 'service page',
  'GET /api/docs': 'API documentation',
  'GET /api/docs/explorer': 'API explorer',
  'GET /sign-in': 'sign-in form',
  'GET /sign-in/verify': 'sign-in confirmation',
  'GET /account': 'API tokens',
  'GET /admin/users': 'users',
  'GET /admin/audit': 'audit log',
  'GET /admin/refresh': 'refresh runs: event counts of loads, not figures',
};
/** Page URLs whose path parameters sampleUrl cannot fill. */
const PAGE_SAMPLES: Record<string, string> = {
  'GET /booking/measure/:id': '/booking/measure/rep-cons-01',
};

describe('demo data is labelled', () => {
  it('on every page that shows figures computed from the demo warehouse', async () => {
    // An app of its own: the hostile walk above uses up the rate limits of the shared ones.
    const app = await appFor(ADMIN);
    const labelled: string[] = [];
    const unlabelled: string[] = [];
    for (const r of routes.filter((x) => !isStatic(x) && x.method === 'GET')) {
      const url = PAGE_SAMPLES[keyOf(r)] ?? sampleUrl(r.url);
      const res = await app.inject(url);
      if (res.statusCode !== 200 || !String(res.headers['content-type']).startsWith('text/html')) continue;
      if (keyOf(r) in NO_COMPUTED_FIGURES) continue;
      // Booking pages say what their synthetic journeys are made of, under their own heading.
      if (/Demo data: (not real NHS App figures|synthetic booking journeys)/.test(res.body))
        labelled.push(keyOf(r));
      else unlabelled.push(`${keyOf(r)}: ${url}`);
    }
    await app.close();
    expect(unlabelled).toEqual([]);
    // The walk reached the pages of figures, not only error pages.
    for (const k of [
      'GET /',
      'GET /areas/:level/:code',
      'GET /rank',
      'GET /areas/:level/:code/partners',
      'GET /areas/:level/:code/organ-donation',
      'GET /areas/:level/:code/suppliers',
      'GET /booking/measure/:id',
      'GET /open-data',
    ])
      expect(labelled).toContain(k);
  });
});
