import { gunzipSync, gzipSync } from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { ANONYMOUS_VIEWER, type Viewer } from '../domain/access.ts';
import {
  etagFor,
  matchesIfNoneMatch,
  registerResponseCache,
  viewerKey,
  type ResponseCache,
} from './cache.ts';

interface Harness {
  app: FastifyInstance;
  cache: ResponseCache;
  calls: Record<string, number>;
  setVersion(v: string | null | Error): void;
  advance(ms: number): void;
}

/** A small app: viewers from an x-user header, a gzip hook like app.ts's, cached and uncached routes. */
async function harness(opts: { maxBytes?: number; checkIntervalMs?: number } = {}): Promise<Harness> {
  let version: string | null | Error = '1';
  let clock = 1_000_000;
  const calls: Record<string, number> = {};
  const app = Fastify();
  app.decorateRequest('viewer', null as unknown as Viewer);
  app.addHook('onRequest', async (request) => {
    const user = request.headers['x-user'];
    const role = request.headers['x-role'] === 'admin' ? 'admin' : 'viewer';
    request.viewer =
      typeof user === 'string' ? { signedIn: true, role, userId: user, via: 'session' } : ANONYMOUS_VIEWER;
  });
  app.addHook('onSend', async (request, reply, payload) => {
    if (typeof payload !== 'string' || payload.length < 1024) return payload;
    if (!String(request.headers['accept-encoding'] ?? '').includes('gzip')) return payload;
    reply.header('Content-Encoding', 'gzip');
    return gzipSync(payload);
  });
  const cache = registerResponseCache(app, {
    readDataVersion: async () => {
      if (version instanceof Error) throw version;
      return version;
    },
    now: () => clock,
    checkIntervalMs: opts.checkIntervalMs ?? 1000,
    ...(opts.maxBytes ? { maxBytes: opts.maxBytes } : {}),
  });
  const count = (name: string) => (calls[name] = (calls[name] ?? 0) + 1);
  app.get('/page', { config: { cache: true } }, async (request, reply) => {
    const n = count('page');
    const who = request.viewer.signedIn ? request.viewer.userId : 'anonymous';
    return reply
      .header('Cache-Control', 'no-cache')
      .type('text/html; charset=utf-8')
      .send(`<p>for ${who}, version ${String(version)}, call ${n}</p>`);
  });
  app.get('/big', { config: { cache: true } }, async (request, reply) => {
    count('big');
    return reply.type('text/plain').send(`${request.url} `.repeat(200));
  });
  app.get('/slow', { config: { cache: true } }, async (request, reply) => {
    const n = count('slow');
    await new Promise((resolve) => setTimeout(resolve, 50));
    if (request.headers['x-fail'] === '1' && n === 1) return reply.code(500).send({ error: 'boom' });
    return reply.type('text/plain').send(`slow answer ${n}`);
  });
  app.get('/missing', { config: { cache: true } }, async (_request, reply) => {
    count('missing');
    return reply.code(404).send({ error: 'Not Found' });
  });
  // Like a 'figures' route: anonymous visitors are refused by the handler itself, after the access hook.
  app.get('/restricted', { config: { cache: true } }, async (request, reply) => {
    count('restricted');
    if (!request.viewer.signedIn) return reply.code(401).send({ error: 'Sign in' });
    return reply.type('text/plain').send(`restricted figures for ${request.viewer.userId}`);
  });
  app.get('/plain', async () => {
    count('plain');
    return { ok: true };
  });
  return {
    app,
    cache,
    calls,
    setVersion: (v) => (version = v),
    advance: (ms) => (clock += ms),
  };
}

let h: Harness;
afterEach(async () => {
  await h?.app.close();
});

describe('response cache', () => {
  it('serves repeated requests from memory with the same ETag, and 304 for If-None-Match', async () => {
    h = await harness();
    const first = await h.app.inject('/page');
    expect(first.statusCode).toBe(200);
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^W\/"v1-[A-Za-z0-9_-]+"$/);
    const second = await h.app.inject('/page');
    expect(second.body).toBe(first.body);
    expect(second.headers.etag).toBe(etag);
    expect(second.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(second.headers['cache-control']).toBe('no-cache');
    expect(h.calls.page).toBe(1);

    const revalidated = await h.app.inject({ url: '/page', headers: { 'if-none-match': etag } });
    expect(revalidated.statusCode).toBe(304);
    expect(revalidated.body).toBe('');
    expect(revalidated.headers.etag).toBe(etag);
    expect(revalidated.headers['cache-control']).toBe('no-cache');
    const listed = await h.app.inject({ url: '/page', headers: { 'if-none-match': `"other", ${etag}` } });
    expect(listed.statusCode).toBe(304);
    const stale = await h.app.inject({ url: '/page', headers: { 'if-none-match': '"other"' } });
    expect(stale.statusCode).toBe(200);
    expect(h.calls.page).toBe(1);
    expect(h.cache.stats()).toMatchObject({ entries: 1, hits: 2, misses: 1, notModified: 2 });
  });

  it('keys on the URL, including its query string', async () => {
    h = await harness();
    const a = await h.app.inject('/page?grain=week');
    const b = await h.app.inject('/page?grain=month');
    expect(a.headers.etag).not.toBe(b.headers.etag);
    expect(h.calls.page).toBe(2);
  });

  it('never serves one viewer’s response to another', async () => {
    h = await harness();
    const anon = await h.app.inject('/page');
    const alice = await h.app.inject({ url: '/page', headers: { 'x-user': 'alice' } });
    const bob = await h.app.inject({ url: '/page', headers: { 'x-user': 'bob' } });
    const aliceAdmin = await h.app.inject({
      url: '/page',
      headers: { 'x-user': 'alice', 'x-role': 'admin' },
    });
    expect(anon.body).toContain('for anonymous');
    expect(alice.body).toContain('for alice');
    expect(bob.body).toContain('for bob');
    expect(new Set([anon, alice, bob, aliceAdmin].map((r) => r.headers.etag)).size).toBe(4);
    expect(h.calls.page).toBe(4);
    // Bob's tag is not Alice's, nor the anonymous one.
    const bobWithAlicesTag = await h.app.inject({
      url: '/page',
      headers: { 'x-user': 'bob', 'if-none-match': alice.headers.etag as string },
    });
    expect(bobWithAlicesTag.statusCode).toBe(200);
    expect(bobWithAlicesTag.body).toContain('for bob');
    const anonWithAlicesTag = await h.app.inject({
      url: '/page',
      headers: { 'if-none-match': alice.headers.etag as string },
    });
    expect(anonWithAlicesTag.statusCode).toBe(200);
    expect(anonWithAlicesTag.body).toContain('for anonymous');
  });

  it('never answers 304 or from memory before the handler has decided access (issue 16, item 12b)', async () => {
    h = await harness();
    // Nothing asked yet: `If-None-Match: *` from a visitor is no way round the handler's refusal.
    const star = await h.app.inject({ url: '/restricted', headers: { 'if-none-match': '*' } });
    expect(star.statusCode).toBe(401);
    // A signed-in user's answer is held, with its tag.
    const alice = await h.app.inject({ url: '/restricted', headers: { 'x-user': 'alice' } });
    expect(alice.statusCode).toBe(200);
    const aliceTag = alice.headers.etag as string;
    for (const inm of [
      '*',
      aliceTag,
      `"x", ${aliceTag}`,
      etagFor('1', '/restricted', 'anonymous'),
      'W/"*"',
    ]) {
      const anon = await h.app.inject({ url: '/restricted', headers: { 'if-none-match': inm } });
      expect(anon.statusCode, inm).toBe(401);
      expect(anon.body, inm).not.toContain('restricted figures');
    }
    // Alice herself still gets her 304s, from memory.
    const calls = h.calls.restricted;
    for (const inm of [aliceTag, '*']) {
      const again = await h.app.inject({
        url: '/restricted',
        headers: { 'x-user': 'alice', 'if-none-match': inm },
      });
      expect(again.statusCode, inm).toBe(304);
    }
    expect(h.calls.restricted).toBe(calls);
  });

  it('answers a valid If-None-Match with 304 after running the handler when it holds no answer yet', async () => {
    h = await harness();
    const first = await h.app.inject('/page');
    const tag = first.headers.etag as string;
    h.cache.invalidate(); // forgets what it held (as after a restart on the same data)
    const revalidated = await h.app.inject({ url: '/page', headers: { 'if-none-match': tag } });
    expect(revalidated.statusCode).toBe(304);
    expect(revalidated.body).toBe('');
    expect(revalidated.headers.etag).toBe(tag);
    expect(revalidated.headers['content-length']).toBeUndefined();
    expect(h.calls.page).toBe(2);
    // Now held again: the next 304 needs no handler.
    expect((await h.app.inject({ url: '/page', headers: { 'if-none-match': tag } })).statusCode).toBe(304);
    expect(h.calls.page).toBe(2);
  });

  it('drops everything when the data version changes (after the check interval, or at once on invalidate)', async () => {
    h = await harness({ checkIntervalMs: 1000 });
    const v1 = await h.app.inject('/page');
    h.setVersion('2');
    h.advance(500);
    const stillV1 = await h.app.inject('/page');
    expect(stillV1.body).toBe(v1.body); // within the interval the version is not read again
    h.advance(600);
    const v2 = await h.app.inject('/page');
    expect(v2.body).toContain('version 2');
    expect(v2.headers.etag).toMatch(/^W\/"v2-/);
    const old = await h.app.inject({ url: '/page', headers: { 'if-none-match': v1.headers.etag as string } });
    expect(old.statusCode).toBe(200);
    expect(h.cache.stats().entries).toBe(1);

    h.setVersion('3');
    h.cache.invalidate();
    const v3 = await h.app.inject('/page');
    expect(v3.body).toContain('version 3');
    expect(h.calls.page).toBe(3);
  });

  it('caches nothing while there is no data version, or it cannot be read', async () => {
    h = await harness();
    h.setVersion(null);
    const a = await h.app.inject('/page');
    const b = await h.app.inject('/page');
    expect(a.headers.etag).toBeUndefined();
    expect(b.body).not.toBe(a.body);
    h.setVersion(new Error('no table warehouse_meta'));
    h.advance(2000);
    const c = await h.app.inject('/page');
    expect(c.statusCode).toBe(200);
    expect(c.headers.etag).toBeUndefined();
    expect(h.calls.page).toBe(3);
  });

  it('leaves routes without cache: true and error answers alone', async () => {
    h = await harness();
    await h.app.inject('/plain');
    const plain = await h.app.inject('/plain');
    expect(plain.headers.etag).toBeUndefined();
    expect(h.calls.plain).toBe(2);
    await h.app.inject('/missing');
    const missing = await h.app.inject('/missing');
    expect(missing.statusCode).toBe(404);
    expect(missing.headers.etag).toBeUndefined();
    expect(h.calls.missing).toBe(2);
  });

  it('holds the compressed and the plain form apart, and replays the encoding', async () => {
    h = await harness();
    const zipped = await h.app.inject({ url: '/big?zipped', headers: { 'accept-encoding': 'gzip' } });
    const zippedAgain = await h.app.inject({ url: '/big?zipped', headers: { 'accept-encoding': 'gzip' } });
    const plain = await h.app.inject('/big?zipped');
    const plainAgain = await h.app.inject('/big?zipped');
    expect(zippedAgain.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(zippedAgain.rawPayload).toString()).toBe(plain.body);
    expect(plainAgain.headers['content-encoding']).toBeUndefined();
    expect(plainAgain.body).toBe(plain.body);
    expect(zipped.headers.etag).toBe(plain.headers.etag); // weak tag: same resource
    expect(h.calls.big).toBe(2);
  });

  it('computes an answer once when many ask for it at the same time', async () => {
    h = await harness();
    const answers = await Promise.all(Array.from({ length: 8 }, () => h.app.inject('/slow')));
    expect(answers.map((r) => r.body)).toEqual(Array(8).fill('slow answer 1'));
    expect(h.calls.slow).toBe(1);
  });

  it('lets waiting requests compute their own answer when the first one fails', async () => {
    h = await harness();
    const answers = await Promise.all(
      Array.from({ length: 3 }, () => h.app.inject({ url: '/slow', headers: { 'x-fail': '1' } })),
    );
    expect(answers[0]!.statusCode).toBe(500);
    expect(answers.slice(1).every((r) => r.statusCode === 200)).toBe(true);
    expect(h.calls.slow).toBeGreaterThanOrEqual(2);
  });

  it('stays within its size bound, dropping the least recently used', async () => {
    h = await harness({ maxBytes: 5000 });
    for (const q of ['a', 'b', 'c']) await h.app.inject(`/big?${q}`); // ~1.6 kB each, ~4.9 kB with overhead
    await h.app.inject('/big?a'); // a is now the most recently used
    await h.app.inject('/big?d'); // evicts b
    expect(h.cache.stats().bytes).toBeLessThanOrEqual(5000);
    const before = h.calls.big!;
    await h.app.inject('/big?a');
    expect(h.calls.big).toBe(before);
    await h.app.inject('/big?b');
    expect(h.calls.big).toBe(before + 1);
  });
});

describe('helpers', () => {
  it('keys signed-in viewers by session too (pages hold that session’s CSRF token)', () => {
    const v = { signedIn: true, role: 'viewer', userId: 'u1', via: 'session' } as const;
    expect(viewerKey(v, 'a'.repeat(64))).not.toBe(viewerKey(v, 'b'.repeat(64)));
    expect(viewerKey(v, null)).toBe('user:u1:viewer');
    expect(viewerKey(ANONYMOUS_VIEWER, 'a'.repeat(64))).toBe('anonymous');
  });

  it('keys viewers by user and role', () => {
    expect(viewerKey(ANONYMOUS_VIEWER)).toBe('anonymous');
    expect(viewerKey({ signedIn: true, role: 'viewer', userId: 'u1', via: 'session' })).toBe(
      'user:u1:viewer',
    );
    expect(viewerKey({ signedIn: true, role: 'admin', userId: 'u1', via: 'token' })).toBe('user:u1:admin');
  });

  it('makes distinct tags per version, URL and viewer', () => {
    const t = etagFor('7', '/a', 'anonymous');
    expect(etagFor('7', '/a', 'anonymous')).toBe(t);
    expect(etagFor('8', '/a', 'anonymous')).not.toBe(t);
    expect(etagFor('7', '/b', 'anonymous')).not.toBe(t);
    expect(etagFor('7', '/a', 'user:u1:viewer')).not.toBe(t);
  });

  it('matches If-None-Match lists, weak or strong, and *', () => {
    const t = 'W/"v1-abc"';
    expect(matchesIfNoneMatch(undefined, t)).toBe(false);
    expect(matchesIfNoneMatch('"v1-abc"', t)).toBe(true);
    expect(matchesIfNoneMatch('"x", W/"v1-abc"', t)).toBe(true);
    expect(matchesIfNoneMatch('*', t)).toBe(true);
    expect(matchesIfNoneMatch('"v1-ab"', t)).toBe(false);
  });
});
