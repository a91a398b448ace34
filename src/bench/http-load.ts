/**
 * The signed-in load scenario of the HTTP benchmark (`npm run bench -- http load`, also run at the end of
 * `npm run bench -- http`), issue 16 item 11: 160 connections asking for distinct figure URLs (API series and
 * breakdowns, practice pages), each request signed in with a personal API token through the real sign-in
 * path (no test viewer), against 127.0.0.1 only, for at most 30 seconds a run, while a second client asks
 * for /healthz and /readyz every 100 ms.
 *
 * Two runs, each with the server's load control as configured (FIGURE_* variables, README):
 * - "one user": every request with the same token, as one script hammering distinct URLs (rate limit);
 * - "160 users": each request with the next of 160 users' tokens (the queue in front of figure answers).
 *
 * Reported: every response's latency (p50/p95/p99), that of the 2xx answers alone, answers by status,
 * client timeouts (10 s, as the attack measured) and errors, and /healthz and /readyz latency and status
 * during the run. Benchmark users are named load-bench-…@nhs.net with a random part; their tokens stay in
 * the benchmark's warehouse.
 */
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { hashToken, newApiToken } from '../auth/crypto.ts';
import { authFor } from '../auth/service.ts';
import * as store from '../auth/store.ts';
import type { AppConfig } from '../config.ts';
import type { Clock } from '../domain/clock.ts';
import type { MetricDefinition } from '../domain/metric-definition.ts';
import { WarehouseQueries } from '../app/warehouse-queries.ts';
import { buildApp } from '../http/app.ts';
import type { AppDeps } from '../http/deps.ts';
import { listenForBench, sampleAreaCodes } from './bench-server.ts';
import type { Warehouse } from '../warehouse/db.ts';

const require = createRequire(import.meta.url);

export const LOAD_CONNECTIONS = 160;
const USERS = 161;
const CLIENT_TIMEOUT_S = 10;
const PROBE_INTERVAL_MS = 100;

const LOAD_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const autocannon = require(workerData.autocannon);
const { urls, tokens } = workerData;
let next = 0;
let nextToken = 0;
const times = [];
const okTimes = [];
const statuses = {};
const instance = autocannon({
  url: workerData.base,
  connections: workerData.connections,
  duration: workerData.seconds,
  timeout: workerData.timeout,
  headers: { 'accept-encoding': 'gzip, deflate, br' },
  requests: [{ setupRequest: (req) => {
    req.path = urls[next++ % urls.length];
    req.headers = Object.assign({}, req.headers, { authorization: 'Bearer ' + tokens[nextToken++ % tokens.length] });
    return req;
  } }],
});
instance.on('response', (_client, status, _bytes, ms) => {
  times.push(ms);
  statuses[status] = (statuses[status] || 0) + 1;
  if (status >= 200 && status < 300) okTimes.push(ms);
});
instance.then((r) => parentPort.postMessage({
  times, okTimes, statuses, timeouts: r.timeouts, errors: r.errors, total: r.requests.total,
}));
`;

const PROBE_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const out = { healthz: { times: [], statuses: {} }, readyz: { times: [], statuses: {} } };
function get(path) {
  return new Promise((resolve) => {
    const started = performance.now();
    const req = http.get(workerData.base + path, { agent: false, timeout: 10000 }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, ms: performance.now() - started }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, ms: performance.now() - started }));
  });
}
(async () => {
  const end = Date.now() + workerData.seconds * 1000;
  while (Date.now() < end) {
    for (const path of ['/healthz', '/readyz']) {
      const r = await get(path);
      const o = out[path.slice(1)];
      o.times.push(r.ms);
      o.statuses[r.status] = (o.statuses[r.status] || 0) + 1;
    }
    await new Promise((resolve) => setTimeout(resolve, workerData.interval));
  }
  parentPort.postMessage(out);
})();
`;

function inWorker<T>(source: string, workerData: unknown): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const worker = new Worker(source, { eval: true, workerData });
    worker.once('message', (m: T) => {
      resolve(m);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

const fmt = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '-');
const pcts = (times: number[]) => {
  const s = [...times].sort((a, b) => a - b);
  return `p50 ${fmt(percentile(s, 0.5))} / p95 ${fmt(percentile(s, 0.95))} / p99 ${fmt(percentile(s, 0.99))} ms`;
};
const byStatus = (statuses: Record<string, number>) =>
  Object.entries(statuses)
    .map(([status, n]) => `${status === '0' ? 'failed' : status}: ${n}`)
    .join(', ');

interface LoadResult {
  times: number[];
  okTimes: number[];
  statuses: Record<string, number>;
  timeouts: number;
  errors: number;
  total: number;
}
interface ProbeResult {
  healthz: { times: number[]; statuses: Record<string, number> };
  readyz: { times: number[]; statuses: Record<string, number> };
}

/** A user with one personal API token, through the store as the /account page makes them. */
async function benchToken(db: Warehouse, clock: Clock, run: string, i: number): Promise<string> {
  const user = await store.insertUser(db, {
    email: `load-bench-${run}-${i}@nhs.net`,
    role: 'viewer',
    now: clock.now(),
    createdBy: null,
  });
  const token = newApiToken();
  await store.insertApiToken(db, {
    tokenHash: hashToken(token),
    userId: user.userId,
    name: 'load benchmark',
    now: clock.now(),
  });
  return token;
}

/**
 * A signed-in browser's session for the bench: a user and a session in the store the app reads, as after
 * sign-in. Returns the Cookie header value.
 */
export async function benchSessionCookie(deps: AppDeps): Promise<string> {
  const auth = authFor(deps);
  const now = deps.clock.now();
  const user = await store.insertUser(auth.db, {
    email: `http-bench-${randomBytes(4).toString('hex')}@nhs.net`,
    role: 'viewer',
    now,
    createdBy: null,
  });
  return `${auth.cookieName('session')}=${await auth.newSession(user.userId, 'bench', 'other')}`;
}

export async function runSignedInLoad(opts: {
  db: Warehouse;
  config: AppConfig;
  clock: Clock;
  catalogue: MetricDefinition[];
  seconds: number;
}): Promise<void> {
  const { db, config, clock, catalogue } = opts;
  const seconds = Math.min(30, Math.max(1, opts.seconds));
  const app = await buildApp({ db, config, clock, queries: new WarehouseQueries(db, catalogue), catalogue });
  const { base, drained } = await listenForBench(app);
  try {
    const codes = (level: string, n: number) => sampleAreaCodes(db, level, n, 'load');
    const practices = await codes('practice', 20000);
    const pcns = await codes('pcn', 5000);
    // Distinct figure URLs, interleaved: API series, API breakdown, practice page.
    const urls: string[] = [];
    for (let i = 0; i < practices.length; i++) {
      urls.push(
        `/api/v1/series?metric=unique_logins_per_1000&level=practice&code=${practices[i]}&grain=week`,
      );
      urls.push(`/api/v1/breakdown?metric=logins&level=pcn&code=${pcns[i % pcns.length]}&grain=week`);
      urls.push(`/areas/practice/${practices[(i + 7) % practices.length]}`);
    }
    const run = randomBytes(4).toString('hex');
    const tokens: string[] = [];
    for (let i = 0; i < USERS; i++) tokens.push(await benchToken(db, clock, run, i));
    const lc = config.loadControl;
    console.log(
      `\nSigned-in load: ${LOAD_CONNECTIONS} connections, distinct URLs (API series, API breakdown, practice page), ` +
        `${seconds} s per run, client timeout ${CLIENT_TIMEOUT_S} s. Load control: ${lc.userLimit}/user and ` +
        `${lc.tokenLimit}/token per ${lc.windowSeconds} s, ${lc.concurrency} at once, queue ${lc.queueLength}, ` +
        `queue timeout ${lc.queueTimeoutMs} ms.`,
    );
    const autocannon = require.resolve('autocannon');
    const runs: [string, string[], string[]][] = [
      ['one user (one token)', tokens.slice(0, 1), urls],
      [
        // The first token is still over its limit from the first run: not used again.
        `${USERS - 1} users (a token each)`,
        tokens.slice(1),
        [...urls.slice(urls.length / 2), ...urls.slice(0, urls.length / 2)],
      ],
    ];
    for (const [name, runTokens, runUrls] of runs) {
      app.responseCache.invalidate();
      const [load, probe] = await Promise.all([
        inWorker<LoadResult>(LOAD_WORKER, {
          autocannon,
          base,
          urls: runUrls,
          tokens: runTokens,
          connections: LOAD_CONNECTIONS,
          seconds,
          timeout: CLIENT_TIMEOUT_S,
        }),
        inWorker<ProbeResult>(PROBE_WORKER, { base, seconds, interval: PROBE_INTERVAL_MS }),
      ]);
      const drainStart = performance.now();
      await drained();
      const fiveXx = Object.entries(load.statuses)
        .filter(([s]) => Number(s) >= 500)
        .reduce((n, [, c]) => n + c, 0);
      const non2xx = load.times.length - load.okTimes.length;
      const gate = app.figureGate.stats();
      console.log(`\n  ${name}:`);
      console.log(
        `    ${load.times.length} answers (${(load.times.length / seconds).toFixed(1)}/s), ` +
          `${load.okTimes.length} 2xx (${(load.okTimes.length / seconds).toFixed(1)}/s), ${non2xx} non-2xx, ` +
          `${fiveXx} 5xx; ${load.timeouts} client timeouts, ${load.errors} errors (timeouts included)`,
      );
      console.log(`    by status: ${byStatus(load.statuses)}`);
      console.log(`    all answers: ${pcts(load.times)};  2xx only: ${pcts(load.okTimes)}`);
      console.log(
        `    /healthz: ${load.times.length > 0 ? pcts(probe.healthz.times) : '-'}, max ${fmt(Math.max(...probe.healthz.times))} ms; ${byStatus(probe.healthz.statuses)}`,
      );
      console.log(
        `    /readyz:  ${pcts(probe.readyz.times)}, max ${fmt(Math.max(...probe.readyz.times))} ms; ${byStatus(probe.readyz.statuses)}`,
      );
      console.log(
        `    queue refusals so far: ${gate.refusedFull} full, ${gate.refusedTimeout} timed out; ` +
          `server drained ${((performance.now() - drainStart) / 1000).toFixed(1)} s after the run`,
      );
    }
  } finally {
    // Requests whose clients gave up may still be computing: they finish before the server closes (and the
    // warehouse closes only once its statements end, Warehouse.closeWhenIdle).
    while (app.figureGate.stats().running + app.figureGate.stats().waiting > 0) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await app.close();
  }
}
