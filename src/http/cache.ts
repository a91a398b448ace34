/**
 * Response caching for GET routes that declare `config: { cache: true }` (pages and API): their response
 * depends only on the URL, the viewer and the loaded data, so it can be identified by those three.
 *
 * - ETag: a weak tag of the data version, the URL and the viewer (anonymous, or that user with that role in
 *   that session, since pages hold the session's CSRF token), so one user's page is never another's and a
 *   refresh changes every tag.
 * - Access first: the cache answers (304 or a held body) only for a tag the handler itself has answered
 *   200 for, in this data version. Handlers of `figures` routes decide what a viewer may see, so until one
 *   has said yes for this viewer and URL, the request goes to the handler; a 200 whose tag the client
 *   already holds is then turned into a 304. So `If-None-Match: *`, or a tag copied from a signed-in
 *   response or computed by a visitor, never gets a 304 where the handler would refuse. A request whose
 *   If-None-Match holds a tag already answered gets 304 before any query runs.
 * - Bodies: the final bytes of 200 responses (after compression, with their headers), in an in-memory LRU
 *   bounded in bytes, keyed by the same three plus whether the client takes gzip. A hit skips the queries,
 *   the rendering and the compression. Concurrent requests for a key being computed wait for that answer
 *   rather than computing it again (no stampede when a popular page expires with a refresh).
 * - Data version: `warehouse_meta.data_version`, bumped by every build (the server is the warehouse's only
 *   writer, docs/adr/0002). It is read at most once per `checkIntervalMs` (one tiny query); a change empties
 *   the LRU. Code that builds inside the server calls `app.responseCache.invalidate()` afterwards, so the
 *   next request sees the new data at once; without it, at most `checkIntervalMs` of old answers.
 * - When the version cannot be read (no warehouse yet), nothing is cached: responses are computed as usual.
 *
 * See docs/adr/0010-api-and-caching.md.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Viewer } from '../domain/access.ts';
import type { Warehouse } from '../warehouse/db.ts';
import { readOnce } from '../warehouse/unchanging.ts';
import { acceptsGzip } from './assets.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Cache this GET route's responses (ETag + in-memory bodies) keyed on data version, URL and viewer. */
    cache?: boolean;
  }
  interface FastifyInstance {
    responseCache: ResponseCache;
  }
}

export interface ResponseCacheOptions {
  /** Reads the data version; null (or a throw) when there is none, which turns caching off for now. */
  readDataVersion: () => Promise<string | null>;
  /** Most bytes of response bodies held (default 64 MB). */
  maxBytes?: number;
  /** Bodies larger than this are not held (default 4 MB); their ETag still works. */
  maxEntryBytes?: number;
  /** How long a read data version is trusted (default 1,000 ms). */
  checkIntervalMs?: number;
  /** For tests. */
  now?: () => number;
}

export interface ResponseCacheStats {
  entries: number;
  bytes: number;
  hits: number;
  misses: number;
  notModified: number;
  dataVersion: string | null;
}

export interface ResponseCache {
  /** Forgets the data version and every held body: call after a build in this process. */
  invalidate(): void;
  stats(): ResponseCacheStats;
}

interface Entry {
  body: Buffer;
  headers: Record<string, string>;
}

/** Headers of a held response that are replayed with its body (security headers are added on every send). */
const KEPT_HEADERS = ['content-type', 'content-encoding', 'content-disposition', 'cache-control', 'vary'];

interface CacheState {
  key: string;
  etag: string;
  hit: boolean;
  /** The client's If-None-Match names the tag: a 200 from the handler goes out as a 304. */
  revalidating?: boolean;
  /** Set on the request computing the answer for its key: lets the requests waiting for it go on. */
  release?: () => void;
}

const STATE = Symbol('responseCache');
type WithState = FastifyRequest & { [STATE]?: CacheState };

/**
 * Who the response is for: anonymous, or one user in one role (never shared between users), and for a
 * browser session that session (its pages carry the session's CSRF token in the sign-out form).
 */
export function viewerKey(viewer: Viewer | null | undefined, sessionHash?: string | null): string {
  if (!viewer?.signedIn) return 'anonymous';
  const user = `user:${viewer.userId ?? '?'}:${viewer.role ?? 'none'}`;
  return sessionHash ? `${user}:session:${sessionHash}` : user;
}

/** Tags answered 200 by a handler (per data version) held at most: beyond it the oldest are forgotten. */
const MAX_ISSUED_TAGS = 100_000;

/** The weak ETag of a response: data version, URL and viewer. */
export function etagFor(dataVersion: string, url: string, viewer: string): string {
  const hash = createHash('sha256').update(`${viewer}\n${url}`).digest('base64url').slice(0, 22);
  return `W/"v${dataVersion}-${hash}"`;
}

/** True when an If-None-Match header lists this tag (weak comparison, as RFC 9110 asks for 304s). */
export function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  const bare = etag.replace(/^W\//, '');
  return header.split(',').some((t) => t.trim().replace(/^W\//, '') === bare);
}

export function registerResponseCache(app: FastifyInstance, opts: ResponseCacheOptions): ResponseCache {
  const maxBytes = opts.maxBytes ?? 64 * 1024 * 1024;
  const maxEntryBytes = Math.min(opts.maxEntryBytes ?? 4 * 1024 * 1024, maxBytes);
  const interval = opts.checkIntervalMs ?? 1000;
  const now = opts.now ?? Date.now;
  const entries = new Map<string, Entry>();
  let bytes = 0;
  let version: string | null = null;
  let checkedAt = -Infinity;
  let pending: Promise<string | null> | null = null;
  const counts = { hits: 0, misses: 0, notModified: 0 };
  /** Tags of answers a handler gave with 200 in this data version: only these are answered from here. */
  const issued = new Set<string>();
  const markIssued = (etag: string) => {
    if (issued.has(etag)) return;
    if (issued.size >= MAX_ISSUED_TAGS) {
      const oldest = issued.values().next().value;
      if (oldest !== undefined) issued.delete(oldest);
    }
    issued.add(etag);
  };
  /** Keys being computed: a request for one waits for that answer instead of computing it again. */
  const inflight = new Map<string, Promise<void>>();

  const clear = () => {
    entries.clear();
    issued.clear();
    bytes = 0;
  };

  async function currentVersion(): Promise<string | null> {
    if (now() - checkedAt < interval) return version;
    pending ??= (async () => {
      let read: string | null;
      try {
        read = await opts.readDataVersion();
      } catch {
        read = null;
      }
      if (read !== version) clear();
      version = read;
      checkedAt = now();
      return read;
    })().finally(() => {
      pending = null;
    });
    return pending;
  }

  function remember(key: string, entry: Entry) {
    const size = entry.body.length + 256;
    if (size > maxEntryBytes) return;
    const old = entries.get(key);
    if (old) {
      bytes -= old.body.length + 256;
      entries.delete(key);
    }
    entries.set(key, entry);
    bytes += size;
    for (const [k, e] of entries) {
      if (bytes <= maxBytes) break;
      entries.delete(k);
      bytes -= e.body.length + 256;
    }
  }

  const cache: ResponseCache = {
    invalidate() {
      clear();
      version = null;
      checkedAt = -Infinity;
    },
    stats: () => ({ entries: entries.size, bytes, ...counts, dataVersion: version }),
  };
  app.decorate('responseCache', cache);

  // After validation and the access hook: a bad request is never answered from the cache. And only for a
  // tag a handler has answered 200 (see "Access first" above).
  app.addHook('preHandler', async (request: WithState, reply: FastifyReply) => {
    if (request.method !== 'GET' || request.routeOptions.config.cache !== true) return;
    const dataVersion = await currentVersion();
    if (dataVersion === null) return;
    const credentials = (request as { credentials?: { sessionHash?: string | null } }).credentials;
    const who = viewerKey(request.viewer, credentials?.sessionHash);
    const etag = etagFor(dataVersion, request.url, who);
    const key = `${dataVersion}\n${who}\n${acceptsGzip(request) ? 'gzip' : 'identity'}\n${request.url}`;
    const ifNoneMatch = request.headers['if-none-match'];
    const clientHolds = matchesIfNoneMatch(ifNoneMatch, etag);
    let entry = issued.has(etag) ? entries.get(key) : undefined;
    if (!entry && !(clientHolds && issued.has(etag))) {
      const computing = inflight.get(key);
      if (computing) {
        await computing;
        entry = issued.has(etag) ? entries.get(key) : undefined;
      }
    }
    if (clientHolds && issued.has(etag)) {
      counts.notModified += 1;
      request[STATE] = { key, etag, hit: true };
      reply.code(304).header('ETag', etag);
      for (const h of ['cache-control', 'vary']) if (entry?.headers[h]) reply.header(h, entry.headers[h]);
      if (!entry) reply.header('Cache-Control', 'private, no-cache');
      return reply.send();
    }
    if (entry) {
      counts.hits += 1;
      // Most recently used last.
      entries.delete(key);
      entries.set(key, entry);
      request[STATE] = { key, etag, hit: true };
      reply.code(200).headers(entry.headers).header('ETag', etag);
      return reply.send(entry.body);
    }
    counts.misses += 1;
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    if (!inflight.has(key)) inflight.set(key, done);
    request[STATE] = {
      key,
      etag,
      hit: false,
      revalidating: clientHolds,
      release: () => {
        if (inflight.get(key) === done) inflight.delete(key);
        release();
      },
    };
  });

  // However the answer ends (sent, failed, client gone), the requests waiting for it go on.
  const releaseHook = async (request: WithState) => {
    request[STATE]?.release?.();
  };
  app.addHook('onResponse', releaseHook);
  app.addHook('onRequestAbort', releaseHook);

  // Registered after the compression hook, so the held body is the one sent.
  app.addHook('onSend', async (request: WithState, reply, payload) => {
    const state = request[STATE];
    if (!state || state.hit || reply.statusCode !== 200) return payload;
    // The handler said yes to this viewer for this URL: its tag may be answered from here from now on.
    markIssued(state.etag);
    reply.header('ETag', state.etag);
    if (typeof payload === 'string' || Buffer.isBuffer(payload)) {
      const headers: Record<string, string> = {};
      for (const h of KEPT_HEADERS) {
        const v = reply.getHeader(h);
        if (v !== undefined) headers[h] = String(v);
      }
      remember(state.key, { body: Buffer.isBuffer(payload) ? payload : Buffer.from(payload), headers });
    }
    // (A streamed body is sent as it is: dropping it unread would leak what feeds the stream.)
    if (!state.revalidating || !(typeof payload === 'string' || Buffer.isBuffer(payload))) return payload;
    // The client already holds this answer (If-None-Match): the 304 it asked for, now access is decided.
    counts.notModified += 1;
    reply.code(304);
    for (const h of ['content-type', 'content-encoding', 'content-length', 'content-disposition']) {
      reply.removeHeader(h);
    }
    return null;
  });

  return cache;
}

/**
 * The data version of what `db` serves: warehouse_meta.data_version (bumped by every build), followed by the
 * published figures version when `db` is the figure store (`12.3`), so a republished snapshot moves every
 * tag too; null before any build.
 */
export async function readDataVersion(db: Warehouse): Promise<string | null> {
  const rows = await readOnce(db, 'data version', () =>
    db.all<{ key: string; value: string }>(
      "SELECT key, value FROM warehouse_meta WHERE key IN ('data_version', 'figures_version')",
    ),
  );
  const data = rows.find((r) => r.key === 'data_version')?.value ?? null;
  const published = rows.find((r) => r.key === 'figures_version')?.value;
  return data === null ? null : published ? `${data}.${published}` : data;
}
