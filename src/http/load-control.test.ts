/**
 * Load control (issue 16 item 11): per-user and per-token rate limits on figure routes, the bounded queue
 * in front of them, and /healthz and /readyz answering while it is saturated.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WarehouseQueries } from '../app/warehouse-queries.ts';
import { hashToken, newApiToken } from '../auth/crypto.ts';
import * as store from '../auth/store.ts';
import { ConfigError, loadConfig } from '../config.ts';
import type { Viewer } from '../domain/access.ts';
import { Warehouse } from '../warehouse/db.ts';
import { migrate } from '../warehouse/migrate.ts';
import { buildAppAs } from '../../test/support/signed-in.ts';
import { buildTestWarehouse, TEST_CLOCK, type TestWarehouse } from '../../test/support/api-warehouse.ts';
import type { PageQueries } from './deps.ts';
import { DEFAULT_LOAD_CONTROL, loadControlConfigFrom } from '../domain/load-control-settings.ts';
import { FigureGate, GateRefusedError } from './load-control.ts';
import { createTestQueries } from '../../test/support/in-memory-queries.ts';

const SIGNED_IN: Viewer = { signedIn: true, role: 'viewer', userId: 'load-test-user', via: 'session' };

let tw: TestWarehouse;
const apps: FastifyInstance[] = [];

beforeAll(async () => {
  tw = await buildTestWarehouse();
}, 120_000);

afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

afterAll(() => {
  tw.close();
});

/** An app over the test warehouse (figures loaded, response cache on) with FIGURE_* settings from `env`. */
async function appOver(
  db: Warehouse,
  env: Record<string, string>,
  opts: { queries?: PageQueries; signedInAs?: Viewer } = {},
): Promise<FastifyInstance> {
  const app = await buildAppAs(
    {
      db,
      config: loadConfig(env),
      clock: TEST_CLOCK,
      queries: opts.queries ?? new WarehouseQueries(db, tw.catalogue),
      catalogue: tw.catalogue,
    },
    opts.signedInAs,
  );
  apps.push(app);
  return app;
}

/** A user with a personal API token (the Authorization header to send). */
async function userWithTokens(email: string, count = 1): Promise<{ userId: string; auth: string[] }> {
  const user = await store.insertUser(tw.db, {
    email,
    role: 'viewer',
    now: TEST_CLOCK.now(),
    createdBy: null,
  });
  const auth: string[] = [];
  for (let i = 0; i < count; i++) {
    const token = newApiToken();
    await store.insertApiToken(tw.db, {
      tokenHash: hashToken(token),
      userId: user.userId,
      name: `load test ${i}`,
      now: TEST_CLOCK.now(),
    });
    auth.push(`Bearer ${token}`);
  }
  return { userId: user.userId, auth };
}

const series = (code: string) => `/api/v1/series?metric=logins&level=practice&code=${code}&grain=week`;

function expectRetryAfter(res: LightMyRequestResponse, max = 60) {
  const value = String(res.headers['retry-after']);
  expect(value).toMatch(/^\d+$/);
  expect(Number(value)).toBeGreaterThanOrEqual(1);
  expect(Number(value)).toBeLessThanOrEqual(max);
}

/** Polls until `check` holds (the queue fills asynchronously), failing after 5 s. */
async function until(check: () => boolean): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > 5000) throw new Error('condition not reached in 5 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('rate limits on figure routes', () => {
  it('gives a signed-in user 429 with Retry-After past the per-user limit, while another user is unaffected', async () => {
    const app = await appOver(tw.db, { FIGURE_RATE_LIMIT_PER_USER: '3', FIGURE_RATE_LIMIT_PER_TOKEN: '100' });
    const alice = await userWithTokens('alice.rate@nhs.net');
    const bob = await userWithTokens('bob.rate@nhs.net');
    const as = (who: { auth: string[] }, url: string) =>
      app.inject({ url, headers: { authorization: who.auth[0]! } });

    // Distinct URLs, as a script would ask: three answers, then refused.
    for (const code of ['P00001', 'P00002', 'P00003'])
      expect((await as(alice, series(code))).statusCode).toBe(200);
    const refused = await as(alice, series('P00004'));
    expect(refused.statusCode).toBe(429);
    expectRetryAfter(refused);
    expect(refused.headers['content-type']).toMatch(/^application\/json/);
    expect(refused.json()).toMatchObject({ error: 'Too Many Requests' });
    // Pages count too, and are refused with an HTML page.
    const page = await as(alice, '/areas/practice/P00005');
    expect(page.statusCode).toBe(429);
    expectRetryAfter(page);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('Too many requests');
    // Routes that do not compute figures are not limited.
    expect((await as(alice, '/api/v1/metrics')).statusCode).toBe(200);
    expect((await as(alice, '/healthz')).statusCode).toBe(200);

    // Another user has their own allowance.
    for (const code of ['P00001', 'P00006', 'P00007'])
      expect((await as(bob, series(code))).statusCode).toBe(200);
    // Visitors who are not signed in (open data) are not counted against anyone.
    for (let i = 0; i < 5; i++) {
      expect((await app.inject('/api/v1/series?metric=logins&level=region&code=Y56')).statusCode).toBe(200);
    }
  });

  it('limits each API token, and the user across all their tokens', async () => {
    const app = await appOver(tw.db, { FIGURE_RATE_LIMIT_PER_USER: '4', FIGURE_RATE_LIMIT_PER_TOKEN: '3' });
    const carol = await userWithTokens('carol.rate@nhs.net', 2);
    const ask = (token: number, code: string) =>
      app.inject({ url: series(code), headers: { authorization: carol.auth[token]! } });

    for (const code of ['P00001', 'P00002', 'P00003']) expect((await ask(0, code)).statusCode).toBe(200);
    const tokenRefused = await ask(0, 'P00004');
    expect(tokenRefused.statusCode).toBe(429);
    expectRetryAfter(tokenRefused);
    // The second token still works: the first one's refusal was about that token ...
    expect((await ask(1, 'P00005')).statusCode).toBe(200);
    // ... until the user's own allowance (4, shared by both tokens) is spent.
    const userRefused = await ask(1, 'P00006');
    expect(userRefused.statusCode).toBe(429);
    expectRetryAfter(userRefused);
  });

  it('refuses credentials that were refused 429 again without looking them up', async () => {
    const app = await appOver(tw.db, { FIGURE_RATE_LIMIT_PER_USER: '1', FIGURE_RATE_LIMIT_PER_TOKEN: '100' });
    const dave = await userWithTokens('dave.rate@nhs.net');
    const ask = (code: string) =>
      app.inject({ url: series(code), headers: { authorization: dave.auth[0]! } });
    expect((await ask('P00001')).statusCode).toBe(200);
    expect((await ask('P00002')).statusCode).toBe(429);
    // Were the token still looked up, revoking it would make the next answer 401.
    await tw.db.run('UPDATE api_token SET revoked_at = now() WHERE user_id = $1', [dave.userId]);
    const again = await ask('P00003');
    expect(again.statusCode).toBe(429);
    expectRetryAfter(again);
    // Other routes still look the token up, find it revoked and send to sign-in.
    const account = await app.inject({ url: '/account', headers: { authorization: dave.auth[0]! } });
    expect(account.statusCode).toBe(303);
    expect(account.headers.location).toMatch(/^\/sign-in/);
  });

  it('reads its limits from the environment, with generous defaults', () => {
    expect(loadConfig({}).loadControl).toEqual(DEFAULT_LOAD_CONTROL);
    expect(DEFAULT_LOAD_CONTROL).toMatchObject({ userLimit: 120, tokenLimit: 120, windowSeconds: 60 });
    expect(
      loadControlConfigFrom({
        FIGURE_RATE_LIMIT_PER_USER: '30',
        FIGURE_RATE_LIMIT_PER_TOKEN: '0',
        FIGURE_RATE_LIMIT_WINDOW_SECONDS: '10',
        FIGURE_CONCURRENCY: '3',
        FIGURE_QUEUE_LENGTH: '5',
        FIGURE_QUEUE_TIMEOUT_MS: '2500',
      }),
    ).toEqual({
      userLimit: 30,
      tokenLimit: 0,
      windowSeconds: 10,
      concurrency: 3,
      queueLength: 5,
      queueTimeoutMs: 2500,
    });
    expect(() => loadConfig({ FIGURE_RATE_LIMIT_PER_USER: 'lots' })).toThrow(ConfigError);
    expect(() => loadConfig({ FIGURE_CONCURRENCY: '0' })).toThrow(/FIGURE_CONCURRENCY/);
  });
});

describe('FigureGate', () => {
  it('gives turns in order, bounds the queue, times out and lets a waiter leave', async () => {
    const gate = new FigureGate({ concurrency: 1, queueLength: 2, timeoutMs: 50 });
    const first = await gate.acquire();
    const order: string[] = [];
    const second = gate.acquire().then((release) => {
      order.push('second');
      return release;
    });
    const leaving = new AbortController();
    const third = gate.acquire(leaving.signal);
    await expect(gate.acquire()).rejects.toEqual(new GateRefusedError('full'));
    leaving.abort();
    await expect(third).rejects.toMatchObject({ reason: 'aborted' });
    expect(gate.stats()).toMatchObject({ running: 1, waiting: 1, refusedFull: 1 });
    first();
    first(); // a second release does nothing
    const releaseSecond = await second;
    expect(order).toEqual(['second']);
    expect(gate.stats()).toMatchObject({ running: 1, waiting: 0 });
    await expect(gate.acquire()).rejects.toMatchObject({ reason: 'timeout' });
    releaseSecond();
    expect(gate.stats()).toMatchObject({ running: 0, waiting: 0, refusedTimeout: 1 });
  });
});

/** Test page queries whose National summary waits until `open()` and counts how many run at once. */
function heldQueries() {
  const base = createTestQueries();
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  const counts = { running: 0, most: 0, calls: 0 };
  const queries: PageQueries = {
    ...base,
    async nationalSummary(opts) {
      counts.calls += 1;
      counts.running += 1;
      counts.most = Math.max(counts.most, counts.running);
      try {
        await opened;
        return await base.nationalSummary(opts);
      } finally {
        counts.running -= 1;
      }
    },
  };
  return { queries, open, counts };
}

describe('the figure queue', () => {
  it('computes at most FIGURE_CONCURRENCY answers at once; overflow gets 503 with Retry-After, not 500, not a hang', async () => {
    const db = await Warehouse.open(':memory:');
    await migrate(db); // the sign-in tables: the signed-in client carries a real session
    try {
      const held = heldQueries();
      const app = await appOver(
        db,
        { FIGURE_CONCURRENCY: '2', FIGURE_QUEUE_LENGTH: '2', FIGURE_QUEUE_TIMEOUT_MS: '30000' },
        { queries: held.queries, signedInAs: SIGNED_IN },
      );
      const answers = Array.from({ length: 6 }, () => app.inject('/'));
      await until(() => app.figureGate.stats().running === 2 && app.figureGate.stats().waiting === 2);
      // The two that found the queue full are answered at once, while the others are still held. Which two
      // depends on the order their sign-in lookups finish in, so take the first two answers.
      const done: Awaited<(typeof answers)[number]>[] = [];
      for (const a of answers) void a.then((res) => done.push(res));
      await until(() => done.length >= 2);
      expect(done).toHaveLength(2);
      for (const res of done) {
        expect(res.statusCode).toBe(503);
        expectRetryAfter(res);
        expect(res.headers['content-type']).toMatch(/^text\/html/);
        expect(res.headers['cache-control']).toBe('no-store');
      }
      expect(held.counts.most).toBe(2);
      held.open();
      const all = await Promise.all(answers);
      expect(all.filter((res) => res.statusCode === 200)).toHaveLength(4);
      expect(held.counts).toMatchObject({ calls: 4, most: 2, running: 0 });
      expect(app.figureGate.stats()).toMatchObject({ running: 0, waiting: 0, refusedFull: 2 });
    } finally {
      db.close();
    }
  });

  it('answers 503 (JSON on the API) to a request that waited longer than FIGURE_QUEUE_TIMEOUT_MS', async () => {
    const app = await appOver(
      tw.db,
      { FIGURE_CONCURRENCY: '1', FIGURE_QUEUE_LENGTH: '4', FIGURE_QUEUE_TIMEOUT_MS: '150' },
      { signedInAs: SIGNED_IN },
    );
    const turn = await app.figureGate.acquire(); // a slow answer holds the only turn
    const started = performance.now();
    const res = await app.inject(series('P00008'));
    const waited = performance.now() - started;
    expect(res.statusCode).toBe(503);
    expectRetryAfter(res);
    expect(res.json()).toEqual({
      error: 'Service Unavailable',
      message: 'The service is busy. Try again in a few seconds.',
    });
    expect(waited).toBeGreaterThanOrEqual(140);
    expect(waited).toBeLessThan(3000);
    turn();
    expect((await app.inject(series('P00008'))).statusCode).toBe(200);
    expect(app.figureGate.stats()).toMatchObject({ running: 0, waiting: 0, refusedTimeout: 1 });
  });

  it('answers 503 at once, before sign-in is looked up, to figure requests with credentials when the queue is full', async () => {
    const app = await appOver(tw.db, { FIGURE_CONCURRENCY: '1', FIGURE_QUEUE_LENGTH: '0' });
    const turn = await app.figureGate.acquire();
    try {
      // Not a valid token: answered 503 (busy), not 401, so no lookup was made.
      const bogus = `Bearer nhsaa_${'x'.repeat(43)}`;
      for (const url of [series('P00011'), '/areas/practice/P00011']) {
        const res = await app.inject({ url, headers: { authorization: bogus } });
        expect(res.statusCode, url).toBe(503);
        expectRetryAfter(res);
      }
      // Without credentials the request goes on (open data may be cached); here it needs computing: 503.
      expect((await app.inject('/api/v1/series?metric=logins&level=region&code=Y58')).statusCode).toBe(503);
      // Routes that do not compute figures still check the token (and send to sign-in).
      expect((await app.inject({ url: '/account', headers: { authorization: bogus } })).statusCode).toBe(303);
    } finally {
      turn();
    }
    expect(app.figureGate.stats()).toMatchObject({ running: 0, waiting: 0, refusedFull: 3 });
  });

  it('never queues cached answers, light routes or health checks', async () => {
    const app = await appOver(
      tw.db,
      // A queue of one (not full while the turn is held: a signed-in request with a full queue is refused
      // before its session is looked up, cached or not) that gives up after 300 ms.
      { FIGURE_CONCURRENCY: '1', FIGURE_QUEUE_LENGTH: '1', FIGURE_QUEUE_TIMEOUT_MS: '300' },
      { signedInAs: SIGNED_IN },
    );
    expect((await app.inject(series('P00009'))).statusCode).toBe(200); // now in the response cache
    const turn = await app.figureGate.acquire();
    try {
      expect((await app.inject(series('P00010'))).statusCode).toBe(503); // needs computing: waited, no turn
      expect((await app.inject(series('P00009'))).statusCode).toBe(200); // cached
      for (const url of [
        '/api/v1/metrics',
        '/api/v1/areas?level=icb',
        '/search?q=Practice',
        '/about',
        '/healthz',
      ]) {
        expect((await app.inject(url)).statusCode, url).toBe(200);
      }
      expect((await app.inject('/readyz')).statusCode).toBe(200);
    } finally {
      turn();
    }
  });
});

describe('/healthz and /readyz', () => {
  it('/healthz answers 200 within 200 ms while slow warehouse queries saturate the figure queue', async () => {
    // One DuckDB thread: each figure answer runs ~1 s of SQL on the main connection.
    const db = await Warehouse.open(':memory:', { threads: 1 });
    await migrate(db); // the sign-in tables: the signed-in client carries a real session
    try {
      const base = createTestQueries();
      let slowRunning = 0;
      const queries: PageQueries = {
        ...base,
        async nationalSummary(opts) {
          slowRunning += 1;
          await db.scalar('SELECT count(*) FROM range(60000000) t(i) WHERE hash(i) % 7 = 0');
          return base.nationalSummary(opts);
        },
      };
      const app = await appOver(
        db,
        { FIGURE_CONCURRENCY: '1', FIGURE_QUEUE_LENGTH: '1', FIGURE_QUEUE_TIMEOUT_MS: '30000' },
        { queries, signedInAs: SIGNED_IN },
      );
      const answers = [app.inject('/'), app.inject('/?grain=week'), app.inject('/?partial=1')];
      await until(() => slowRunning === 1 && app.figureGate.stats().waiting === 1);
      await new Promise((resolve) => setTimeout(resolve, 50)); // the SQL is under way
      for (let i = 0; i < 3; i++) {
        const started = performance.now();
        const res = await app.inject('/healthz');
        const took = performance.now() - started;
        expect(res.statusCode).toBe(200);
        expect(res.json()).toEqual({ status: 'ok' });
        expect(took).toBeLessThan(200);
      }
      expect(app.figureGate.stats()).toMatchObject({ running: 1, waiting: 1 });
      const statuses = (await Promise.all(answers)).map((r) => r.statusCode).sort();
      expect(statuses).toEqual([200, 200, 503]);
    } finally {
      db.close();
    }
  }, 30_000);

  it('/readyz answers 200 when the figures are loaded and the warehouse answers, even with the queue full', async () => {
    const app = await appOver(tw.db, { FIGURE_CONCURRENCY: '1', FIGURE_QUEUE_LENGTH: '0' });
    const res = await app.inject('/readyz');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ready', figureQueue: { running: 0, waiting: 0 } });
    expect(res.headers['cache-control']).toBe('no-store');
    const turn = await app.figureGate.acquire();
    try {
      const busy = await app.inject('/readyz');
      expect(busy.statusCode).toBe(200);
      expect(busy.json()).toEqual({ status: 'ready', figureQueue: { running: 1, waiting: 0 } });
    } finally {
      turn();
    }
  });

  it('/readyz answers 503 before any figures are built, and when the warehouse is closed', async () => {
    const empty = await Warehouse.open(':memory:');
    await migrate(empty);
    const app = await appOver(empty, {});
    const notBuilt = await app.inject('/readyz');
    expect(notBuilt.statusCode).toBe(503);
    expect(notBuilt.json()).toEqual({ status: 'unavailable', reason: 'no figures are loaded yet' });
    // Alive all the same: liveness is not readiness.
    expect((await app.inject('/healthz')).statusCode).toBe(200);
    empty.close();
    const closed = await app.inject('/readyz');
    expect(closed.statusCode).toBe(503);
    expect(closed.json()).toMatchObject({ status: 'unavailable' });
  });
});
