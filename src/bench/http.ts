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
 * runs, the first view of four pages (a new area each, the cache emptied): its time and its HTML's size
 * against 300 ms and 300 KB (docs/adr/0029). Latencies are each response's time as autocannon reports
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
import { WarehouseQueries } from '../app/warehouse-queries.ts';
import { loadConfig } from '../config.ts';
import { fixedClock } from '../domain/clock.ts';
import { buildApp } from '../http/app.ts';
import { buildMetrics } from '../metrics/build.ts';
import { loadCatalogue } from '../metrics/catalogue.ts';
import { getDataStatus } from '../query/status.ts';
import { listenForBench, sampleAreaCodes } from './bench-server.ts';
import { benchSessionCookie, runSignedInLoad } from './http-load.ts';

const require = createRequire(import.meta.url);

/** New URLs timed one at a time per route. */
const SEQUENTIAL = 10;

export const TARGETS = {
  apiP95Ms: 20,
  pageP95Ms: 50,
  pageTransferKb: 200,
  firstViewMs: 300,
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

export async function runHttpBench(opts: { memoryLimit: string; only?: 'load' }): Promise<void> {
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
      return;
    }
    const deps = {
      db,
      // One bench viewer asks for thousands of URLs: timing, not the per-user limit (the load run keeps it).
      config: { ...config, loadControl: { ...config.loadControl, userLimit: 0 } },
      clock,
      queries: new WarehouseQueries(db, catalogue),
      catalogue,
    };
    const app = await buildApp(deps);
    // Signed in as a browser is after sign-in: every request carries the session cookie.
    benchCookie = await benchSessionCookie(deps);
    app.get('/bench/trivial', { config: { access: 'public' } }, async () => ({ ok: true }));
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

      // First view of a page (issue 14.2, docs/adr/0029): a new area each, nothing cached, and the HTML's
      // size before compression, against 300 ms and 300 KB.
      const firstViews: { name: string; ms: number; kb: number }[] = [];
      for (const [name, path] of [
        ['National summary by week', '/?grain=week&first=1'],
        ['ICB page by month', `/areas/icb/${icbs[1] ?? icb}`],
        ['Practice page by month', `/areas/practice/${practiceCodes[SEQUENTIAL + 3]}`],
        ['Practice page by week', `/areas/practice/${practiceCodes[SEQUENTIAL + 4]}?grain=week`],
      ] as const) {
        app.responseCache.invalidate();
        const t = performance.now();
        const r = await fetchRaw(base + path);
        const ms = performance.now() - t;
        if (r.status !== 200) throw new Error(`${path} answered ${r.status}`);
        firstViews.push({ name, ms, kb: Buffer.byteLength(await decoded(r)) / 1024 });
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

      console.log(
        `\nFirst view (new area, no cache; HTML before gzip), targets ${TARGETS.firstViewMs} ms and ${TARGETS.pageHtmlKb} KB:`,
      );
      for (const v of firstViews) {
        const ok = v.ms <= TARGETS.firstViewMs && v.kb <= TARGETS.pageHtmlKb;
        console.log(
          `  ${v.name.padEnd(44)} ${ms(v.ms)} ms ${v.kb.toFixed(1).padStart(8)} KB  ${ok ? '✓' : '✗'}`,
        );
      }

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
    } finally {
      await app.close();
    }
    await signedInLoad();
  } finally {
    db.close();
    if (!keep) fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
