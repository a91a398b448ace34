/**
 * The HTTP benchmark (`npm run bench -- http`): a national-scale cube (every practice in England, two years
 * of demo activity, every metric), the server started in-process acting as a signed-in viewer (so
 * restricted figures are included), and autocannon with 50 connections against the API's series and
 * breakdown and the National summary and an area page, each beside a trivial route of the same server.
 *
 * Each route is measured with 50 connections asking for the same URL throughout ("repeat": after the first
 * answer the response cache serves it, which is what most traffic sees between refreshes) and, for the API
 * routes, for a different URL each time ("distinct": a different area, so every answer is computed: the
 * cost of cache misses under load). Every route is also timed one request at a time on new URLs (for the
 * National summary an ignored extra parameter), the cost of computing one answer. The load generator runs
 * in a worker thread, and each run waits for the server to finish the previous run's requests. Before the
 * runs, the server warms itself as `serve` does (src/http/warm-up.ts, ADR 0049), then the uncached pass
 * (issue 15.3): every page (each area level by month and by week) and every GET API route once, one at a
 * time, the response cache emptied before each (`app.responseCache.invalidate()`: no parameter or setting
 * users could see), against 300 ms for a page's first view (and 300 KB of HTML, docs/adr/0029) and 50 ms for
 * an API answer; registered GET routes it does not reach are named. Each URL is then computed twice more, the
 * cache emptied again, and those times printed beside the first (the targets take the first): one sample
 * moves by ±15 ms between runs on 2 shared cores. Latencies are each response's time as autocannon reports
 * it; p50/p95/p99 are computed from all of them. Then a page's total transfer: the HTML, CSS and JS a
 * browser downloads for it, gzip-compressed as served (fonts and images are not counted).
 *
 * Last, the signed-in load scenario (src/bench/http-load.ts): 160 connections over distinct URLs with
 * real API tokens, rate limits and the figure queue on, /healthz and /readyz timed throughout. `bench http
 * load` runs that scenario alone.
 *
 * BENCH_HTTP_DATA_DIR=folder reuses (or keeps) the built warehouse there, to skip the ~90 s build on reruns.
 * BENCH_HTTP_SECONDS sets each run's length (default 8); BENCH_HTTP_LOAD_SECONDS the load runs' (default 20,
 * at most 30).
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import {
  DEFAULT_DEMO_SCALE,
  DEFAULT_DEMO_SEED,
  hasActivity,
  initialise,
  loadDemo,
  openWarehouse,
} from '../app/bootstrap.ts';
import { openAppState } from '../app/app-state.ts';
import { figureStoreConfigFrom } from '../app/figure-store-config.ts';
import { FiguresService } from '../app/figures-snapshot.ts';
import { WarehouseQueries } from '../app/warehouse-queries.ts';
import { loadConfig } from '../config.ts';
import { fixedClock } from '../domain/clock.ts';
import { buildApp } from '../http/app.ts';
import { warmUp, warmUpLine } from '../http/warm-up.ts';
import { buildMetrics } from '../metrics/build.ts';
import { loadCatalogue } from '../metrics/catalogue.ts';
import { getDataStatus } from '../query/status.ts';
import { listenForBench, sampleAreaCodes } from './bench-server.ts';
import { benchSessionCookie, runSignedInLoad } from './http-load.ts';
import { targetLimit, type Measurement } from './targets.ts';
import type { StateDb } from '../app-state/state-db.ts';
import type { Warehouse } from '../warehouse/db.ts';
import type { RegisteredRoute } from '../http/access.ts';

const require = createRequire(import.meta.url);

/** New URLs timed one at a time per route. */
const SEQUENTIAL = 10;

export const TARGETS = {
  apiP95Ms: targetLimit('api-cached-p95'),
  pageP95Ms: targetLimit('page-cached-p95'),
  pageTransferKb: 200,
  firstViewMs: targetLimit('page-first-view'),
  apiUncachedMs: targetLimit('api-uncached'),
  pageHtmlKb: 300,
};

interface Run {
  name: string;
  kind: 'baseline' | 'api' | 'page';
  mode: 'repeat' | 'distinct' | '';
  p50: number;
  p95: number;
  p99: number;
  rps: number;
  requests: number;
  failed: number;
}

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

/**
 * The load generator runs in a worker thread, so that it does not share the server's event loop (the
 * server runs in this thread, as in production it has its process to itself).
 */
/** The signed-in bench session's Cookie header (set once the app is built). */
let benchCookie = '';

const LOAD_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const autocannon = require(workerData.autocannon);
const { urls } = workerData;
let next = 0;
const times = [];
const instance = autocannon({
  url: workerData.base,
  connections: 50,
  duration: workerData.seconds,
  timeout: 30,
  headers: { 'accept-encoding': 'gzip, deflate, br', cookie: workerData.cookie },
  requests: [{ setupRequest: (req) => { req.path = urls[next++ % urls.length]; return req; } }],
});
instance.on('response', (_client, _status, _bytes, ms) => times.push(ms));
instance.then((r) => parentPort.postMessage({
  times, total: r.requests.total, failed: r.non2xx + r.errors + r.timeouts,
}));
`;

async function cannon(
  base: string,
  urls: string[],
  seconds: number,
): Promise<Omit<Run, 'name' | 'kind' | 'mode'>> {
  const result = await new Promise<{ times: number[]; total: number; failed: number }>((resolve, reject) => {
    const worker = new Worker(LOAD_WORKER, {
      eval: true,
      workerData: { autocannon: require.resolve('autocannon'), base, urls, seconds, cookie: benchCookie },
    });
    worker.once('message', (m) => {
      resolve(m);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
  const times = result.times.sort((a, b) => a - b);
  return {
    p50: percentile(times, 0.5),
    p95: percentile(times, 0.95),
    p99: percentile(times, 0.99),
    rps: times.length / seconds,
    requests: times.length,
    failed: result.failed,
  };
}

/** GETs a URL as a browser would (gzip accepted): status, raw (compressed) bytes and decoded text. */
function fetchRaw(url: string): Promise<{ status: number; bytes: number; encoding: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: { 'accept-encoding': 'gzip', cookie: benchCookie } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            bytes: Buffer.concat(chunks).length,
            encoding: String(res.headers['content-encoding'] ?? 'identity'),
            body: Buffer.concat(chunks),
          }),
        );
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

async function decoded(r: { encoding: string; body: Buffer }): Promise<string> {
  if (r.encoding !== 'gzip') return r.body.toString('utf8');
  const { gunzipSync } = await import('node:zlib');
  return gunzipSync(r.body).toString('utf8');
}

/** A page's HTML, its stylesheets and scripts, and the modules those scripts import: compressed bytes each. */
export async function pageTransfer(
  base: string,
  pagePath: string,
): Promise<{ total: number; parts: [string, number][] }> {
  const parts: [string, number][] = [];
  const page = await fetchRaw(base + pagePath);
  if (page.status !== 200) throw new Error(`${pagePath} answered ${page.status}`);
  parts.push([pagePath, page.bytes]);
  const html = await decoded(page);
  const seen = new Set<string>();
  const queue: string[] = [];
  for (const m of html.matchAll(
    /<link[^>]+rel="stylesheet"[^>]*href="([^"]+)"|<link[^>]+href="([^"]+)"[^>]*rel="stylesheet"/g,
  ))
    queue.push((m[1] ?? m[2])!);
  for (const m of html.matchAll(/<script[^>]+src="([^"]+)"/g)) queue.push(m[1]!);
  while (queue.length > 0) {
    const url = queue.shift()!.replaceAll('&amp;', '&');
    if (seen.has(url) || !url.startsWith('/')) continue;
    seen.add(url);
    const r = await fetchRaw(base + url);
    parts.push([url, r.bytes]);
    if (/\.m?js(\?|$)/.test(url)) {
      const text = await decoded(r);
      for (const m of text.matchAll(/(?:import|from)\s*\(?\s*['"](\/[^'"]+)['"]/g)) queue.push(m[1]!);
    }
  }
  return { total: parts.reduce((s, [, b]) => s + b, 0), parts };
}

/** Registered GET routes the uncached pass leaves out, and why. */
const NOT_TIMED: [RegExp, string][] = [
  [/^\/(assets|static)\//, 'static files'],
  [/(\.csv|\/csv)$/, 'CSV downloads (the API routes answer the same figures as CSV)'],
  [/^\/(healthz|readyz)$/, 'health checks'],
  [/^\/(sign-in|admin)(\/|$)/, 'sign-in, and admin pages (another role)'],
  [/^\/open-data\/:/, 'published files'],
  [/^\/bench\//, "the bench's own baseline route"],
];

/** A registered route's path as a pattern for the URLs it answers. */
function routePattern(url: string): RegExp {
  const escaped = url.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${escaped.replace(/:[A-Za-z]+/g, '[^/]+').replace(/\*/g, '.*')}$`);
}

/** GET routes no URL of the uncached pass reaches and not left out on purpose. */
export function untimedRoutes(
  routes: readonly Pick<RegisteredRoute, 'method' | 'url'>[],
  urls: string[],
): string[] {
  const paths = urls.map((u) => u.split('?')[0]!);
  return routes
    .filter((r) => r.method === 'GET' && !NOT_TIMED.some(([re]) => re.test(r.url)))
    .filter((r) => !paths.some((p) => routePattern(r.url).test(p)))
    .map((r) => r.url);
}

/**
 * One URL for every page (each area level by month and by week) and every GET API route, with real demo
 * codes: areas not asked for elsewhere in the bench (their own sample order).
 */
export async function uncachedUrls(
  db: Warehouse,
): Promise<{ pages: [string, string][]; api: [string, string][] }> {
  const one = async (level: string) => (await sampleAreaCodes(db, level, 1, 'uncached'))[0]!;
  const area = {
    region: await one('region'),
    icb: await one('icb'),
    sub_icb: await one('sub_icb'),
    pcn: await one('pcn'),
    practice: await one('practice'),
  };
  const lastBooking = String(await db.scalar('SELECT CAST(max(event_date) AS VARCHAR) FROM booking_daily'));
  const lastDate = new Date(`${lastBooking}T00:00:00Z`);
  const monthStart = `${lastBooking.slice(0, 8)}01`;
  const from = lastDate.getUTCDate() > 1 ? monthStart : lastBooking;
  const icb = area.icb;
  // A date some weeks before the last activity: the before-and-after tables have weeks on both sides.
  const since = String(
    await db.scalar(
      'SELECT CAST(CAST(max(event_date) - INTERVAL 45 DAY AS DATE) AS VARCHAR) FROM activity_event',
    ),
  );
  const pages: [string, string][] = [
    ['National summary by month', '/'],
    ['National summary by week', '/?grain=week'],
    ['Areas (regions) by month', '/areas'],
    ['Areas (regions) by week', '/areas?grain=week'],
  ];
  for (const [level, code] of Object.entries(area)) {
    pages.push([`${level} page by month`, `/areas/${level}/${code}`]);
    pages.push([`${level} page by week`, `/areas/${level}/${code}?grain=week`]);
  }
  pages.push([
    'practice page by week, before and after a date',
    `/areas/practice/${area.practice}?grain=week&since=${since}`,
  ]);
  // A chart as an SVG file builds its whole page's view (ADR 0078): timed as a page.
  pages.push([
    'practice chart as a picture, by week',
    `/areas/practice/${area.practice}/chart.svg?metric=logins&grain=week`,
  ]);
  pages.push(
    ['Map (ICBs)', '/map'],
    ['Map (sub-ICB locations) by week', '/map?level=sub_icb&grain=week'],
    ['Data table', '/data'],
    ['Data table (practices)', '/data?level=practice&metric=logins'],
    ['Rankings (regions)', '/rank'],
    ['Rankings (practices in an ICB)', `/rank?within=icb:${icb}&level=practice`],
    ['Partner services (ICB)', `/areas/icb/${icb}/partners`],
    ['Organ donation (ICB)', `/areas/icb/${icb}/organ-donation`],
    ['GP system suppliers (ICB)', `/areas/icb/${icb}/suppliers`],
    ['Booking', '/booking'],
    ['Booking for an ICB', `/booking?area=${icb}`],
    ['Booking measure', '/booking/measure/rep-cons-01'],
    ['Booking measure for an ICB, by practice', `/booking/measure/rep-cons-01?area=${icb}&groupBy=practice`],
    ['Booking breach', '/booking/breach'],
    ['Booking breach for an ICB', `/booking/breach?area=${icb}`],
    ['Official statistics', '/official'],
    ['Who uses the App (age, deprivation)', '/official/demographics'],
    ['Dictionary', '/dictionary'],
    ['Dictionary: one metric', '/dictionary/logins'],
    ['Search', '/search?q=Leeds'],
    ['Search by words', '/search?q=West%20Yorkshire%20Leeds'],
    ['Search misspelt (a suggestion)', '/search?q=Middlesborough'],
    ['About', '/about'],
    ['Open data', '/open-data'],
    ['Account', '/account'],
    ['API documentation', '/api/docs'],
    ['API explorer', '/api/docs/explorer'],
    ['Accessibility', '/accessibility'],
    ['Privacy', '/privacy'],
    ['Cookies', '/cookies'],
    ['Contact', '/contact'],
    ['Feedback', '/feedback'],
  );
  const api: [string, string][] = [
    ['metrics', '/api/v1/metrics'],
    ['metric', '/api/v1/metrics/logins'],
    ['areas (ICBs)', '/api/v1/areas?level=icb'],
    ['area (practice)', `/api/v1/areas/practice/${area.practice}`],
    ['areas search (words)', '/api/v1/areas?q=Dr%20Hussain'],
    ['areas search (misspelt: a suggestion)', '/api/v1/areas?q=Middlesborough'],
    [
      'series (practice, weekly rate)',
      `/api/v1/series?metric=unique_logins_per_1000&level=practice&code=${area.practice}&grain=week`,
    ],
    ['series/areas (practices in an ICB)', `/api/v1/series/areas?metric=logins&level=practice&parent=${icb}`],
    ['breakdown (ICB → sub-ICB)', `/api/v1/breakdown?metric=logins&level=icb&code=${icb}`],
    ['summary (practice)', `/api/v1/summary?level=practice&code=${area.practice}`],
    ['summary (practice, weekly)', `/api/v1/summary?level=practice&code=${area.practice}&grain=week`],
    [
      'before-after (practice, weekly)',
      `/api/v1/before-after?level=practice&code=${area.practice}&grain=week&since=${since}`,
    ],
    ['peers (PCN)', `/api/v1/peers?metric=logins&level=pcn&code=${area.pcn}`],
    ['ranking (practices in an ICB)', `/api/v1/ranking?metric=logins&level=practice&within=icb:${icb}`],
    ['partners (ICB)', `/api/v1/partners?level=icb&code=${icb}`],
    ['organ donation (ICB)', `/api/v1/organ-donation?level=icb&code=${icb}`],
    ['suppliers (ICB)', `/api/v1/suppliers?level=icb&code=${icb}`],
    ['official (ICBs)', '/api/v1/official?measure=logins&level=icb'],
    ['official editions', '/api/v1/official/editions'],
    ['official reconciliation', '/api/v1/official/reconciliation?measure=logins&level=icb'],
    ['official demographics', '/api/v1/official/demographics?month=2025-05'],
    [
      'booking (a month by service)',
      `/api/v1/booking?measure=rep-cons-01&from=${from}&to=${lastBooking}&groupBy=service`,
    ],
    [
      'booking (an ICB by practice)',
      `/api/v1/booking?measure=rep-cons-01&from=${from}&to=${lastBooking}&area=${icb}&groupBy=practice`,
    ],
    ['OpenAPI document', '/api/v1/openapi.json'],
  ];
  return { pages, api };
}

interface UncachedView {
  name: string;
  url: string;
  kind: 'page' | 'api';
  ms: number;
  status: number;
  kb: number;
  /**
   * The same URL computed twice more, the cache emptied before each: beside the first view (which the targets
   * take), how much one sample moves on a shared machine.
   */
  again: number[];
}

const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(1).padStart(7) : '      -');

function printRuns(runs: Run[]): void {
  const baseline = (i: number) => [...runs.slice(0, i + 1)].reverse().find((r) => r.kind === 'baseline')!;
  console.log(
    `\n${'route'.padEnd(44)} ${'mode'.padEnd(8)} ${'p50 ms'.padStart(7)} ${'p95 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'req/s'.padStart(8)}  ${'p95 ×base'.padStart(9)}  target`,
  );
  runs.forEach((r, i) => {
    const b = baseline(i);
    const target = r.kind === 'api' ? TARGETS.apiP95Ms : r.kind === 'page' ? TARGETS.pageP95Ms : null;
    const verdict = target === null ? '' : r.p95 < target ? `p95 < ${target} ms ✓` : `p95 < ${target} ms ✗`;
    const ratio = r.kind === 'baseline' || !Number.isFinite(r.p95) ? '' : `${(r.p95 / b.p95).toFixed(1)}×`;
    console.log(
      `${r.name.padEnd(44)} ${r.mode.padEnd(8)} ${ms(r.p50)} ${ms(r.p95)} ${ms(r.p99)} ${r.rps.toFixed(0).padStart(8)}  ${ratio.padStart(9)}  ${verdict}${r.failed > 0 ? `  (${r.failed} failed)` : ''}`,
    );
  });
}

/** Prints the uncached pass; returns the slowest page and API answer (of those answering 200). */
function printUncached(
  views: UncachedView[],
  missed: string[],
): Record<'page' | 'api', { ms: number; note: string }> {
  const load = `load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores`;
  console.log(
    `\nUncached, one at a time (the response cache emptied before each; ${load}): every page's first view (target ` +
      `${TARGETS.firstViewMs} ms; HTML before gzip, ${TARGETS.pageHtmlKb} KB) and every API answer (target ${TARGETS.apiUncachedMs} ms):`,
  );
  const slowest = {} as Record<'page' | 'api', { ms: number; note: string }>;
  for (const kind of ['page', 'api'] as const) {
    const limit = kind === 'page' ? TARGETS.firstViewMs : TARGETS.apiUncachedMs;
    const list = views.filter((v) => v.kind === kind);
    for (const v of list) {
      const ok = v.status === 200 && v.ms <= limit && (kind === 'api' || v.kb <= TARGETS.pageHtmlKb);
      const again = v.again.length > 0 ? `  (again: ${v.again.map((t) => t.toFixed(1)).join(', ')} ms)` : '';
      console.log(
        `  ${v.name.padEnd(36)} ${ms(v.ms)} ms ${v.kb.toFixed(1).padStart(8)} KB  ${v.status === 200 ? (ok ? '✓' : '✗') : `answered ${v.status}`}  ${v.url}${again}`,
      );
    }
    const answered = list.filter((v) => v.status === 200);
    const worst =
      answered.length > 0
        ? answered.reduce((a, b) => (b.ms > a.ms ? b : a))
        : { name: 'none answered 200', ms: NaN };
    const failed = list.length - answered.length;
    const over = answered.filter((v) => v.ms > limit).length;
    console.log(
      `  slowest ${kind === 'page' ? 'page' : 'API answer'}: ${worst.name}, ${worst.ms.toFixed(1)} ms; ${over} of ${answered.length} over ${limit} ms` +
        (failed > 0 ? `; ${failed} did not answer 200` : ''),
    );
    slowest[kind] = {
      ms: worst.ms,
      note:
        `slowest of ${answered.length}: ${worst.name}; ${over} over; ${load}` +
        (failed > 0 ? `; ${failed} not 200` : ''),
    };
  }
  if (missed.length > 0) console.log(`  GET routes not timed: ${missed.join(', ')}`);
  return slowest;
}

export async function runHttpBench(opts: { memoryLimit: string; only?: 'load' }): Promise<Measurement[]> {
  const measured: Measurement[] = [];
  const keep = process.env.BENCH_HTTP_DATA_DIR;
  const dataDir = keep ? path.resolve(keep) : fs.mkdtempSync(path.join(os.tmpdir(), 'nhs-app-http-bench-'));
  const seconds = Number(process.env.BENCH_HTTP_SECONDS ?? 8) || 8;
  const config = loadConfig({
    ...process.env,
    DATA_DIR: dataDir,
    DUCKDB_MEMORY_LIMIT: opts.memoryLimit,
    LOG_LEVEL: 'warn',
  });
  const clock = fixedClock('2026-11-21T12:00:00Z');
  const db = await openWarehouse(config);
  const log = (m: string) => console.log(m);
  let figures: FiguresService | null = null;
  let state: StateDb | null = null;
  try {
    await initialise(db, log);
    if (!(await hasActivity(db))) {
      console.log(`Building a national-scale cube (demo scale ${DEFAULT_DEMO_SCALE}) in ${dataDir} …`);
      await loadDemo(db, config, { scale: DEFAULT_DEMO_SCALE, seed: DEFAULT_DEMO_SEED, clock, log });
    } else if ((await getDataStatus(db)).refreshedAt === null) {
      console.log(`Building the figures of the events loaded in ${dataDir} …`);
      await buildMetrics(db, loadCatalogue(), clock);
    } else {
      console.log(`Reusing the warehouse in ${dataDir}`);
    }
    const count = async (q: string) => Number(await db.scalar<number>(q));
    const practices = await count("SELECT count(*) FROM area WHERE area_level = 'practice' AND is_current");
    const values = await count('SELECT count(*) FROM metric_value');
    const periods = await db.one<{ first: string; last: string }>(
      'SELECT min(day) AS first, max(day) AS last FROM data_day',
    );
    console.log(
      `Cube: ${practices.toLocaleString('en-GB')} open practices, ${values.toLocaleString('en-GB')} figures, ` +
        `activity ${periods?.first} to ${periods?.last}, ${loadCatalogue().length} metrics.`,
    );

    const catalogue = loadCatalogue();
    const loadSeconds = Number(process.env.BENCH_HTTP_LOAD_SECONDS ?? 20) || 20;
    const signedInLoad = () => runSignedInLoad({ db, config, clock, catalogue, seconds: loadSeconds });
    if (opts.only === 'load') {
      await signedInLoad();
      return measured;
    }
    // As `serve` reads them: the published figures (a read-only snapshot of the warehouse), not the warehouse,
    // and sign-in from the app-state store.
    figures = await FiguresService.start({ warehouse: db, dataDir, config: figureStoreConfigFrom({}), log });
    state = await openAppState(config, log, { warehouse: db });
    const reader = figures.store.reader;
    const deps = {
      db: reader,
      warehouse: db,
      state,
      // One bench viewer asks for thousands of URLs: timing, not the per-user limit (the load run keeps it).
      config: { ...config, loadControl: { ...config.loadControl, userLimit: 0 } },
      clock,
      queries: new WarehouseQueries(reader, catalogue),
      catalogue,
    };
    const app = await buildApp(deps);
    // Signed in as a browser is after sign-in: every request carries the session cookie.
    benchCookie = await benchSessionCookie(deps);
    app.get('/bench/trivial', { config: { access: 'public' } }, async () => ({ ok: true }));
    // As `serve` does before it listens (src/http/warm-up.ts; after the last route is added): the uncached
    // pass below times what users of a started server see, on areas the warm-up did not ask for.
    console.log(warmUpLine('server', await warmUp(app, reader)));
    const { base, drained } = await listenForBench(app);
    try {
      const codes = (level: string, n: number) => sampleAreaCodes(db, level, n);
      const icbs = await codes('icb', 100);
      const practiceCodes = await codes('practice', 20000);
      const pcns = await codes('pcn', 5000);
      const icb = icbs[0]!;

      const scenarios: { name: string; kind: Run['kind']; repeat: string; distinct: string[] }[] = [
        {
          name: 'API series (practice, weekly rate)',
          kind: 'api',
          repeat: `/api/v1/series?metric=unique_logins_per_1000&level=practice&code=${practiceCodes[0]}&grain=week`,
          distinct: practiceCodes.map(
            (c) => `/api/v1/series?metric=unique_logins_per_1000&level=practice&code=${c}&grain=week`,
          ),
        },
        {
          name: 'API breakdown (PCN → practices, logins)',
          kind: 'api',
          repeat: `/api/v1/breakdown?metric=logins&level=pcn&code=${pcns[0]}`,
          distinct: pcns.flatMap((c) => [
            `/api/v1/breakdown?metric=logins&level=pcn&code=${c}`,
            `/api/v1/breakdown?metric=logins&level=pcn&code=${c}&grain=week`,
          ]),
        },
        {
          name: 'Page: National summary',
          kind: 'page',
          repeat: '/',
          distinct: Array.from({ length: 20000 }, (_, i) => `/?ref=${i}`),
        },
        {
          name: 'Page: area (practice)',
          kind: 'page',
          repeat: `/areas/practice/${practiceCodes[0]}`,
          distinct: practiceCodes.map((c) => `/areas/practice/${c}`),
        },
      ];

      // Warm up: compile queries, fill the connection's caches.
      for (const s of scenarios)
        for (const u of [s.repeat, s.distinct[1]!]) {
          const r = await fetchRaw(base + u);
          if (r.status !== 200) throw new Error(`${u} answered ${r.status}: ${await decoded(r)}`);
        }

      // One request at a time, each a new URL: what computing one answer costs, without queueing.
      const single: { name: string; p50: number; max: number }[] = [];
      for (const s of scenarios) {
        app.responseCache.invalidate();
        const times: number[] = [];
        for (const u of s.distinct.slice(2, 2 + SEQUENTIAL)) {
          const t = performance.now();
          const r = await fetchRaw(base + u);
          times.push(performance.now() - t);
          if (r.status !== 200) throw new Error(`${u} answered ${r.status}`);
        }
        times.sort((a, b) => a - b);
        single.push({ name: s.name, p50: percentile(times, 0.5), max: times[times.length - 1]! });
      }

      // Every page and GET API route once, one at a time, the response cache emptied before each (issue
      // 15.3): a page's first view and an API answer as computed. Each reads areas not asked for above.
      const { pages, api } = await uncachedUrls(db);
      const missed = untimedRoutes(
        app.registeredRoutes,
        [...pages, ...api].map(([, u]) => u),
      );
      const uncached: UncachedView[] = [];
      for (const [kind, list] of [
        ['page', pages],
        ['api', api],
      ] as const) {
        for (const [name, url] of list) {
          app.responseCache.invalidate();
          const t = performance.now();
          const r = await fetchRaw(base + url);
          const took = performance.now() - t;
          const again: number[] = [];
          for (let i = 0; i < 2 && r.status === 200; i++) {
            app.responseCache.invalidate();
            const t2 = performance.now();
            await fetchRaw(base + url);
            again.push(performance.now() - t2);
          }
          uncached.push({
            name,
            url,
            kind,
            ms: took,
            status: r.status,
            kb: Buffer.byteLength(await decoded(r)) / 1024,
            again,
          });
        }
      }

      const runs: Run[] = [];
      for (const s of scenarios) {
        console.log(`Running ${s.name} (${seconds} s per run, 50 connections) …`);
        const run = async (urls: string[]) => {
          const r = await cannon(base, urls, seconds);
          await drained();
          return r;
        };
        runs.push({
          name: 'trivial route (baseline)',
          kind: 'baseline',
          mode: '',
          ...(await run(['/bench/trivial'])),
        });
        await fetchRaw(base + s.repeat); // held in the response cache from here on
        runs.push({
          name: s.name,
          kind: s.kind,
          mode: 'repeat',
          ...(await run([s.repeat])),
        });
        // 50 clients each asking for a page that takes seconds to compute only build a queue of minutes:
        // pages are measured without the cache one request at a time (above).
        if (s.kind === 'api') {
          app.responseCache.invalidate();
          runs.push({ name: s.name, kind: s.kind, mode: 'distinct', ...(await run(s.distinct)) });
        }
      }
      printRuns(runs);
      console.log(
        '\nrepeat: the same URL throughout (served from the response cache after the first answer); ' +
          'distinct: a new URL per request (every answer computed).',
      );
      console.log(`\nOne request at a time, ${SEQUENTIAL} new URLs each (no cache, no queue):`);
      for (const r of single) console.log(`  ${r.name.padEnd(44)} p50 ${ms(r.p50)} ms   max ${ms(r.max)} ms`);

      const slowest = printUncached(uncached, missed);

      console.log('\nPage transfer (HTML + CSS + JS, gzip as served; fonts and images not counted):');
      for (const p of ['/', `/areas/practice/${practiceCodes[0]}`, `/areas/icb/${icb}`]) {
        const t = await pageTransfer(base, p);
        const kb = t.total / 1024;
        console.log(
          `  ${p.padEnd(28)} ${kb.toFixed(1).padStart(7)} KB  ${kb < TARGETS.pageTransferKb ? '✓' : '✗'} (< ${TARGETS.pageTransferKb} KB)  ` +
            t.parts.map(([u, b]) => `${u.replace(/\?v=.*/, '')} ${(b / 1024).toFixed(1)}`).join(', '),
        );
      }
      const stats = app.responseCache.stats();
      console.log(
        `\nResponse cache: ${stats.entries} entries, ${(stats.bytes / 1048576).toFixed(1)} MB held, ${stats.hits} hits, ${stats.misses} misses.`,
      );
      const worstP95 = (kind: Run['kind']) =>
        Math.max(...runs.filter((r) => r.kind === kind && r.mode === 'repeat').map((r) => r.p95));
      // Client and server share the 2 cores: the trivial route's own p95 in the same run is the floor.
      const trivial = runs.filter((r) => r.kind === 'baseline').map((r) => r.p95);
      const cachedNote =
        `${seconds} s runs; p95 of each route's repeated URL; ` +
        `the trivial route's p95 ${Math.min(...trivial).toFixed(1)}–${Math.max(...trivial).toFixed(1)} ms`;
      measured.push(
        { id: 'page-first-view', value: slowest.page.ms, note: slowest.page.note },
        { id: 'api-uncached', value: slowest.api.ms, note: slowest.api.note },
        { id: 'page-cached-p95', value: worstP95('page'), note: cachedNote },
        { id: 'api-cached-p95', value: worstP95('api'), note: cachedNote },
      );
    } finally {
      await app.close();
    }
    await signedInLoad();
    return measured;
  } finally {
    await figures?.close();
    await state?.close();
    // Requests whose clients gave up may still be computing: the warehouse closes once they finish.
    await db.closeWhenIdle();
    if (!keep) fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
