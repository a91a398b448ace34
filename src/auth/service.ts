/**
 * One AuthService per app (per AppDeps): the signing key, cookies, session and API-token resolution, CSRF
 * tokens, rate limits and the audit log. Routes reach it with `authFor(deps)`.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ANONYMOUS_VIEWER, type Viewer } from '../domain/access.ts';
import type { AuthDeps } from './deps.ts';
import type { StateQueries } from '../app-state/state-db.ts';
import type { Warehouse } from '../warehouse/db.ts';
import type { AuthConfig } from './config.ts';
import {
  constantTimeEqual,
  hashToken,
  keyedHash,
  looksLikeApiToken,
  looksLikeToken,
  randomToken,
} from './crypto.ts';
import { RateLimiter } from './rate-limit.ts';
import * as store from './store.ts';
import * as referenceSql from '../warehouse/sql/reference.ts';

/** Extra facts about the request's credentials, for sign-out and CSRF. */
export interface Credentials {
  /** Hash of the session cookie's value when a live session was found. */
  sessionHash: string | null;
  /** Hash of the API token when the request came with a valid one. */
  tokenId: string | null;
  /** An Authorization header was present but held no valid token. */
  badBearer: boolean;
  /**
   * Set (seconds to wait) when this client has sent more than FAILED_BEARER_LIMIT invalid tokens in its
   * current minute: the request is answered 429 instead of 401.
   */
  bearerRetryAfterSeconds?: number;
}

/** Invalid API tokens one client address may send in a minute before it is answered 429. */
export const FAILED_BEARER_LIMIT = 10;
const FAILED_BEARER_WINDOW_MS = 60_000;
/** Client addresses whose failed-token window is held at most (a flood of addresses cannot exhaust memory). */
const FAILED_BEARER_MAX_CLIENTS = 10_000;

/** One client's failed API-token attempts in one minute: one audit row, its count kept up to date. */
interface FailedBearerWindow {
  start: number;
  count: number;
  /** The count the audit row says. */
  written: number;
  clientHash: string;
  /** The audit row's id, once written. */
  row: Promise<number | null>;
}

function failedBearerDetail(count: number): string {
  const limited = Math.max(0, count - FAILED_BEARER_LIMIT);
  return (
    `unknown, revoked or malformed token: ${count} failed attempt${count === 1 ? '' : 's'} in a minute` +
    (limited > 0 ? ` (${limited} answered 429)` : '')
  );
}

/** Minimum time between writes of a session's "last seen" or a token's "last used" (and token-use audits). */
const TOUCH_INTERVAL_MS = 60_000;
export const META_SECRET_KEY = 'auth_secret';

export type AuditInput = Omit<store.AuditEntry, 'at' | 'clientHash' | 'actorUserId'> & {
  actorUserId?: string | null;
};

export class AuthService {
  readonly config: AuthConfig;
  /** Sign-in requests: per email address and per client. */
  readonly emailLimiter = new RateLimiter({ limit: 5, windowMs: 15 * 60_000 });
  readonly clientLimiter = new RateLimiter({ limit: 20, windowMs: 15 * 60_000 });
  /**
   * Sign-in codes entered in another browser, per client (ADR 0033): each link allows 5 tries of its own; this
   * bounds one address's guessing across links, yet leaves room for colleagues behind one NHS network address.
   */
  readonly codeLimiter = new RateLimiter({ limit: 30, windowMs: 15 * 60_000 });
  /** The fallback store's sign_in_link given the code columns (once per app). */
  private linkColumns: Promise<void> | null = null;
  private secretPromise: Promise<string> | null = null;
  /** Failed API-token attempts per client address, in the current minute window (in memory). */
  private readonly failedBearer = new Map<string, FailedBearerWindow>();

  /** A connection of its own (useConnection), so sign-in lookups never wait behind a figure query. */
  private connection: Warehouse | null = null;

  constructor(private readonly deps: AuthDeps) {
    this.config = deps.config.auth;
  }

  /**
   * Where users, sessions, tokens, links and the audit log are: the app-state store (deps.state: the embedded
   * DuckDB file or PostgreSQL, docs/adr/0025). Without one (tests that build an app on a bare warehouse), the
   * warehouse's own tables of migration 0010, on the connection given by useConnection.
   */
  get db(): StateQueries {
    if (this.deps.state) return this.deps.state;
    return this.connection && !this.connection.isClosed ? this.connection : this.deps.db;
  }

  /**
   * Where sign-in links are: `db`, with app-state migration 0002's code columns (ADR 0033). The app-state store
   * has them from its migrations; the warehouse's own table (the fallback of apps without one: tests) is given
   * them the first time a link is needed.
   */
  async linkDb(): Promise<StateQueries> {
    if (this.deps.state) return this.deps.state;
    const db = this.db;
    this.linkColumns ??= store.ensureLinkCodeColumns(db).catch((err: unknown) => {
      this.linkColumns = null;
      throw err;
    });
    await this.linkColumns;
    return db;
  }

  useConnection(db: Warehouse): void {
    this.connection = db;
  }

  now(): Date {
    return this.deps.clock.now();
  }

  // ---- keys and cookies ------------------------------------------------------------------------------

  /**
   * The key for CSRF tokens and keyed hashes: AUTH_SECRET, else a random key kept in the app-state store (so it
   * survives restarts and is shared by every instance on one PostgreSQL database; the first one written wins),
   * else (a store without the schema) a per-process key.
   */
  secret(): Promise<string> {
    this.secretPromise ??= (async () => {
      if (this.config.secret) return this.config.secret;
      const state = this.deps.state;
      if (state) {
        try {
          return (
            (await store.getStateMeta(state, META_SECRET_KEY)) ??
            (await store.putStateMetaIfAbsent(state, META_SECRET_KEY, randomBytes(32).toString('base64url')))
          );
        } catch {
          return randomBytes(32).toString('base64url');
        }
      }
      try {
        const existing = await this.db.scalar<string>(referenceSql.metaGet, [META_SECRET_KEY]);
        if (existing) return existing;
        const created = randomBytes(32).toString('base64url');
        await this.db.run(referenceSql.metaSet, [META_SECRET_KEY, created]);
        return created;
      } catch {
        return randomBytes(32).toString('base64url');
      }
    })();
    return this.secretPromise;
  }

  cookieName(base: 'session' | 'signin' | 'browser'): string {
    // __Host-: only over HTTPS, only for this host, path / (cannot be planted by a sibling subdomain).
    return this.config.secureCookies ? `__Host-nhsaa_${base}` : `nhsaa_${base}`;
  }

  cookieOptions(maxAgeSeconds?: number) {
    return {
      path: '/',
      httpOnly: true,
      sameSite: 'lax' as const,
      secure: this.config.secureCookies,
      ...(maxAgeSeconds !== undefined ? { maxAge: maxAgeSeconds } : {}),
    };
  }

  readCookie(request: FastifyRequest, base: 'session' | 'signin' | 'browser'): string | null {
    const header = request.headers.cookie;
    if (typeof header !== 'string' || header === '' || header.length > 8192) return null;
    const value = cookieValue(header, this.cookieName(base));
    return looksLikeToken(value) ? value : null;
  }

  /** The browser's own random id (for CSRF tokens of visitors who are not signed in); set when missing. */
  ensureBrowserId(request: FastifyRequest, reply: FastifyReply): string {
    const existing = this.readCookie(request, 'browser');
    if (existing) return existing;
    const fresh = randomToken();
    reply.setCookie(this.cookieName('browser'), fresh, this.cookieOptions());
    // Later reads in this request (the CSRF token of the page being rendered) see it.
    request.headers.cookie = `${request.headers.cookie ? `${request.headers.cookie}; ` : ''}${this.cookieName('browser')}=${fresh}`;
    return fresh;
  }

  /** A keyed, truncated hash of the client's address: links audit events without storing the address. */
  async clientHash(request: FastifyRequest): Promise<string> {
    return keyedHash(await this.secret(), `ip|${request.ip}`).slice(0, 16);
  }

  /** A keyed hash of an email address (audit entries and rate-limit keys for addresses we keep no record of). */
  async emailHash(email: string): Promise<string> {
    return keyedHash(await this.secret(), `email|${email}`).slice(0, 16);
  }

  /**
   * What is stored for a sign-in link's code: keyed (a stolen database alone cannot try the 31^6 codes
   * offline) and bound to the link's token hash (a code checks against its own link only).
   */
  async signInCodeHash(tokenHash: string, code: string): Promise<string> {
    return keyedHash(await this.secret(), `signin-code|${tokenHash}|${code}`);
  }

  // ---- CSRF ------------------------------------------------------------------------------------------

  /**
   * The CSRF token for forms on this request's pages: a keyed hash of the session (the hash of its secret
   * cookie value, which only the server and that browser can derive), or of the browser's random id for
   * visitors. So a token works in one session only: not in another session of the same user, and not after
   * signing in again (synchroniser token; attackers can neither read nor compute it). Requests made with
   * an API token have none: they cannot change anything (src/http/access.ts).
   */
  async csrfToken(request: FastifyRequest, reply?: FastifyReply): Promise<string | null> {
    const subject = this.csrfSubject(request, reply);
    return subject === null ? null : keyedHash(await this.secret(), `csrf|${subject}`);
  }

  private csrfSubject(request: FastifyRequest, reply?: FastifyReply): string | null {
    const viewer = request.viewer;
    if (viewer?.signedIn) {
      const sessionHash = request.credentials?.sessionHash;
      if (sessionHash) return `session:${sessionHash}`;
      if (viewer.via === 'token') return null;
    }
    const browser = reply ? this.ensureBrowserId(request, reply) : this.readCookie(request, 'browser');
    return browser === null ? null : `browser:${browser}`;
  }

  async checkCsrf(request: FastifyRequest, sent: unknown): Promise<boolean> {
    if (typeof sent !== 'string' || sent.length === 0 || sent.length > 200) return false;
    const expected = await this.csrfToken(request);
    return expected !== null && constantTimeEqual(sent, expected);
  }

  // ---- sessions and tokens ---------------------------------------------------------------------------

  idleCutoff(now: Date): Date {
    return new Date(now.getTime() - this.config.sessionIdleMinutes * 60_000);
  }

  /** Who is asking: an API token in `Authorization: Bearer`, else the session cookie, else anonymous. */
  async resolve(request: FastifyRequest): Promise<{ viewer: Viewer; credentials: Credentials }> {
    const credentials: Credentials = { sessionHash: null, tokenId: null, badBearer: false };
    const authorization = request.headers.authorization;
    if (typeof authorization === 'string' && authorization !== '') {
      const m = /^Bearer ([\x21-\x7e]{1,200})$/i.exec(authorization.trim());
      const token = m?.[1];
      if (token && looksLikeApiToken(token)) {
        const hash = hashToken(token);
        const found = await store.findLiveApiToken(this.db, hash);
        if (found && constantTimeEqual(found.tokenHash, hash)) {
          credentials.tokenId = found.tokenId;
          const now = this.now();
          if (!found.lastUsedAt || now.getTime() - found.lastUsedAt.getTime() >= TOUCH_INTERVAL_MS) {
            await store.touchApiToken(this.db, found.tokenId, now);
            await this.audit(request, {
              actorUserId: found.userId,
              action: 'token.use',
              target: `token:${found.tokenId}`,
              outcome: 'success',
              detail: request.routeOptions.url ?? null,
            });
          }
          return {
            viewer: { signedIn: true, role: found.role, userId: found.userId, via: 'token' },
            credentials,
          };
        }
      }
      credentials.badBearer = true;
      const retryAfter = await this.recordFailedBearer(request);
      if (retryAfter !== null) credentials.bearerRetryAfterSeconds = retryAfter;
      return { viewer: ANONYMOUS_VIEWER, credentials };
    }
    const sessionId = this.readCookie(request, 'session');
    if (sessionId) {
      const hash = hashToken(sessionId);
      const now = this.now();
      const live = await store.findLiveSession(this.db, hash, now, this.idleCutoff(now));
      if (live && constantTimeEqual(live.sessionHash, hash)) {
        credentials.sessionHash = hash;
        if (now.getTime() - live.lastSeenAt.getTime() >= TOUCH_INTERVAL_MS) {
          await store.touchSession(this.db, hash, now);
        }
        return {
          viewer: { signedIn: true, role: live.role, userId: live.userId, via: 'session' },
          credentials,
        };
      }
    }
    return { viewer: ANONYMOUS_VIEWER, credentials };
  }

  /** Starts a session for the user and sets its cookie. */
  async startSession(
    request: FastifyRequest,
    reply: FastifyReply,
    user: { userId: string },
    method: string,
  ): Promise<void> {
    const id = await this.newSession(user.userId, method, userAgentClass(request.headers['user-agent']));
    // A session cookie (no Max-Age): gone when the browser closes; the server enforces both timeouts.
    reply.setCookie(this.cookieName('session'), id, this.cookieOptions());
  }

  /**
   * Stores a new session of the user and returns the token its cookie carries (only its hash is kept). Also
   * how the HTTP bench and the tests sign in without the email round trip (test/support/signed-in.ts).
   */
  async newSession(userId: string, method: string, agentClass: string): Promise<string> {
    const id = randomToken();
    const now = this.now();
    await store.insertSession(this.db, {
      sessionHash: hashToken(id),
      userId,
      method,
      now,
      expiresAt: new Date(now.getTime() + this.config.sessionAbsoluteHours * 3600_000),
      userAgentClass: agentClass,
    });
    return id;
  }

  clearSessionCookie(reply: FastifyReply): void {
    reply.clearCookie(this.cookieName('session'), this.cookieOptions());
  }

  // ---- failed API tokens: one audit row per client a minute, and a rate limit -------------------------

  /**
   * Counts a request with an invalid API token (unknown, revoked or malformed) from this client address.
   * The first in a minute window writes an audit row; later ones update its count up to the limit, and
   * beyond it only in memory (the final count is written when the window is over: at the client's next
   * failure, by the minute timer or when the server stops). So a flood writes a bounded number of rows.
   * Returns the seconds to wait when the client is over the limit (answer 429), else null.
   */
  private async recordFailedBearer(request: FastifyRequest): Promise<number | null> {
    const clientHash = await this.clientHash(request);
    // From here to the map update, nothing is awaited: concurrent failures of one client share a window.
    const at = this.now();
    const nowMs = at.getTime();
    const key = request.ip;
    let w = this.failedBearer.get(key);
    let ended: Promise<void> | null = null;
    if (w && nowMs - w.start >= FAILED_BEARER_WINDOW_MS) {
      this.failedBearer.delete(key);
      ended = this.writeFailedBearer(w, request);
      w = undefined;
    }
    if (!w) {
      // Full: the oldest window is written and forgotten (removed at once, written in the background).
      const room =
        this.failedBearer.size >= FAILED_BEARER_MAX_CLIENTS ? this.flushFailedBearer(Infinity, 1) : null;
      const row = store
        .insertAudit(this.db, {
          at,
          actorUserId: null,
          action: 'token.use',
          target: null,
          outcome: 'refused',
          detail: failedBearerDetail(1),
          clientHash,
        })
        .catch((err: unknown) => {
          request.log.error({ err, action: 'token.use' }, 'could not write the audit log');
          return null;
        });
      this.failedBearer.set(key, { start: nowMs, count: 1, written: 1, clientHash, row });
      await Promise.all([row, ended, room]);
      return null;
    }
    w.count += 1;
    if (w.count <= FAILED_BEARER_LIMIT) {
      await this.writeFailedBearer(w, request);
      return null;
    }
    return Math.max(1, Math.ceil((w.start + FAILED_BEARER_WINDOW_MS - nowMs) / 1000));
  }

  /** Brings a window's audit row up to its count. */
  private async writeFailedBearer(w: FailedBearerWindow, request?: FastifyRequest | null): Promise<void> {
    const id = await w.row;
    if (id === null || w.count <= w.written) return;
    const count = w.count;
    try {
      await store.setAuditDetail(this.db, id, failedBearerDetail(count));
      w.written = Math.max(w.written, count);
    } catch (err) {
      request?.log.error({ err, action: 'token.use' }, 'could not write the audit log');
    }
  }

  /**
   * Writes the final counts of failed-token windows that are over (all of them with `nowMs` = Infinity, as
   * when the server stops) and forgets them; `atMost` limits how many (to make room for a new client).
   */
  async flushFailedBearer(nowMs = this.now().getTime(), atMost = Infinity): Promise<void> {
    let done = 0;
    for (const [key, w] of [...this.failedBearer]) {
      if (done >= atMost) break;
      if (nowMs - w.start < FAILED_BEARER_WINDOW_MS) continue;
      this.failedBearer.delete(key);
      await this.writeFailedBearer(w);
      done += 1;
    }
  }

  // ---- housekeeping ----------------------------------------------------------------------------------

  /**
   * Forgets what is kept no longer: sessions past their timeouts, sign-in links that expired more than a
   * day ago, and audit rows older than AUDIT_RETENTION_DAYS. Run when the server starts and daily
   * (src/http/access.ts). Never throws: a failure is logged and tried again next time.
   */
  async housekeeping(log?: FastifyRequest['log']): Promise<void> {
    const now = this.now();
    try {
      await store.purgeExpired(this.db, now, this.idleCutoff(now));
      await store.purgeAudit(this.db, new Date(now.getTime() - this.config.auditRetentionDays * 86_400_000));
      await this.flushFailedBearer(now.getTime());
    } catch (err) {
      log?.warn({ err }, 'could not purge old sessions, sign-in links or audit rows');
    }
  }

  // ---- audit -----------------------------------------------------------------------------------------

  async audit(request: FastifyRequest | null, entry: AuditInput): Promise<void> {
    try {
      await store.insertAudit(this.db, {
        at: this.now(),
        actorUserId: entry.actorUserId ?? request?.viewer?.userId ?? null,
        action: entry.action,
        target: entry.target,
        outcome: entry.outcome,
        detail: entry.detail,
        clientHash: request ? await this.clientHash(request) : null,
      });
    } catch (err) {
      // The audit log must not take the service down, but its failure must be visible.
      request?.log.error({ err, action: entry.action }, 'could not write the audit log');
    }
  }
}

/** The first value of cookie `name` in a Cookie header (our values are base64url: no quoting or escapes). */
export function cookieValue(header: string, name: string): string | undefined {
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** A coarse browser family for the session list: never the full User-Agent header. */
export function userAgentClass(ua: unknown): string {
  if (typeof ua !== 'string') return 'Unknown';
  if (/Edg\//.test(ua)) return 'Edge';
  if (/Firefox\//.test(ua)) return 'Firefox';
  if (/Chrome\//.test(ua)) return 'Chrome';
  if (/Safari\//.test(ua)) return 'Safari';
  if (/curl|python|node|axios|wget|Go-http/i.test(ua)) return 'Script';
  return 'Other';
}

const services = new WeakMap<AuthDeps, AuthService>();

/** The AuthService of an app (one per AppDeps). */
export function authFor(deps: AuthDeps): AuthService {
  let service = services.get(deps);
  if (!service) {
    service = new AuthService(deps);
    services.set(deps, service);
  }
  return service;
}
