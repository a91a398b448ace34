/**
 * Load control for figure routes (issue 16 item 11): the pages and API routes declared
 * `config: { access: 'figures' }`, whose answers are computed by warehouse queries that take from a few
 * milliseconds to seconds. Without it, signed-in clients asking for many distinct URLs queued unbounded work
 * on the warehouse's single connection: answers took 13–21 s and the health check, waiting behind them,
 * failed.
 *
 * - Rate limits (onRequest, after the viewer is known): each signed-in user may ask for `userLimit` figure
 *   answers per window and each API token for `tokenLimit` (@fastify/rate-limit's in-memory store, keyed on
 *   the user id and the token id, never on anything personal). Over the limit: 429 with Retry-After.
 *   Visitors who are not signed in see open data, served from the response cache, and are not counted.
 * - A queue (preHandler, after the response cache: hits and 304s never wait): at most `concurrency` figure
 *   answers are computed at once; up to `queueLength` more wait, each at most `queueTimeoutMs`. A request
 *   that finds the queue full, or waits too long, is answered 503 with Retry-After, never 500 and never left
 *   hanging. A client that goes away while waiting leaves the queue.
 *
 * - Shedding before sign-in is checked (registerLoadShedding, an onRequest hook ahead of the access hook):
 *   resolving a session or token is a warehouse lookup, on the connection the figure queries use. So a
 *   request carrying credentials that were refused 429 moments ago is refused again without that lookup
 *   (keyed on a hash of the credentials, until their window ends), and when the queue is full a figure
 *   request carrying credentials is answered 503 at once. Requests without credentials (open data, mostly
 *   cached) go on to the cache.
 *
 * Everything else (assets, sign-in, reference data, /healthz and /readyz) never waits in the queue.
 */
import { createHash } from 'node:crypto';
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { TooManyRequestsError } from './access.ts';
import { isApiPath, sendError } from './errors.ts';
import type { LoadControlConfig } from '../domain/load-control-settings.ts';
import type { Renderer } from './render.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The queue in front of figure routes (tests hold its turns to saturate it). */
    figureGate: FigureGate;
  }
}

/** Why a figure request was not given a turn. */
export class GateRefusedError extends Error {
  constructor(readonly reason: 'full' | 'timeout' | 'aborted') {
    super(
      reason === 'full'
        ? 'the figure queue is full'
        : reason === 'timeout'
          ? 'timed out waiting for a turn'
          : 'the request went away while waiting',
    );
    this.name = 'GateRefusedError';
  }
}

export interface FigureGateOptions {
  concurrency: number;
  queueLength: number;
  timeoutMs: number;
}

export interface FigureGateStats {
  /** Turns held now (answers being computed). */
  running: number;
  /** Requests waiting for a turn. */
  waiting: number;
  /** Requests refused since start: queue full, and timed out waiting. */
  refusedFull: number;
  refusedTimeout: number;
}

/** Releases a turn; calling it again does nothing. */
export type Release = () => void;

interface Waiter {
  resolve: (release: Release) => void;
  reject: (err: GateRefusedError) => void;
  timer: NodeJS.Timeout;
  detach: () => void;
}

/** A counting semaphore with a bounded FIFO queue and a wait timeout. */
export class FigureGate {
  private running = 0;
  private readonly queue: Waiter[] = [];
  private refusedFull = 0;
  private refusedTimeout = 0;
  /** Moving average of how long a turn is held, in ms (for Retry-After). */
  private averageHoldMs = 0;

  constructor(readonly options: FigureGateOptions) {}

  /** A turn: at once when one is free, else after waiting in the queue; rejects with GateRefusedError. */
  acquire(signal?: AbortSignal): Promise<Release> {
    if (signal?.aborted) return Promise.reject(new GateRefusedError('aborted'));
    if (this.running < this.options.concurrency && this.queue.length === 0) {
      return Promise.resolve(this.grant());
    }
    if (this.queue.length >= this.options.queueLength) {
      this.refusedFull += 1;
      return Promise.reject(new GateRefusedError('full'));
    }
    return new Promise<Release>((resolve, reject) => {
      const leave = (reason: 'timeout' | 'aborted') => {
        const i = this.queue.indexOf(waiter);
        if (i < 0) return;
        this.queue.splice(i, 1);
        waiter.detach();
        if (reason === 'timeout') this.refusedTimeout += 1;
        reject(new GateRefusedError(reason));
      };
      const onAbort = () => leave('aborted');
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => leave('timeout'), this.options.timeoutMs),
        detach: () => {
          clearTimeout(waiter.timer);
          signal?.removeEventListener('abort', onAbort);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(waiter);
    });
  }

  /** True when a new request would be refused at once: every turn taken and the queue full. */
  isFull(): boolean {
    return this.running >= this.options.concurrency && this.queue.length >= this.options.queueLength;
  }

  /** Counts a request refused for a full queue without asking (load shedding). */
  countRefusal(): void {
    this.refusedFull += 1;
  }

  stats(): FigureGateStats {
    return {
      running: this.running,
      waiting: this.queue.length,
      refusedFull: this.refusedFull,
      refusedTimeout: this.refusedTimeout,
    };
  }

  /** A guess at when asking again could succeed: the queue ahead divided among the turns, 1 to 60 s. */
  retryAfterSeconds(): number {
    const ahead = (this.queue.length + 1) / this.options.concurrency;
    return Math.min(60, Math.max(1, Math.ceil((ahead * this.averageHoldMs) / 1000)));
  }

  private grant(): Release {
    this.running += 1;
    const started = performance.now();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running -= 1;
      const held = performance.now() - started;
      this.averageHoldMs = this.averageHoldMs === 0 ? held : 0.8 * this.averageHoldMs + 0.2 * held;
      this.next();
    };
  }

  private next(): void {
    while (this.running < this.options.concurrency && this.queue.length > 0) {
      const waiter = this.queue.shift()!;
      waiter.detach();
      waiter.resolve(this.grant());
    }
  }
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * A route that needs sign-in but computes figures like the 'figures' routes (the partner, organ donation
     * and supplier pages and API, docs/adr/0030): it takes part in the rate limits and the queue too.
     */
    figureLoad?: boolean;
  }
}

/** Routes whose answers are computed figures (pages and API). */
export function isFigureRoute(request: FastifyRequest): boolean {
  const config = request.routeOptions.config;
  return (
    request.routeOptions.url !== undefined && (config.access === 'figures' || config.figureLoad === true)
  );
}

const TURN = Symbol('figureTurn');
type WithTurn = FastifyRequest & { [TURN]?: Release };

const BUSY_MESSAGE = 'The service is busy. Try again in a few seconds.';

export interface LoadControlOptions {
  config: LoadControlConfig;
  renderer: Renderer;
}

/** Credentials refused 429 recently: hash of the credentials → end of their window (ms). */
class RefusedCredentials {
  private readonly until = new Map<string, number>();
  constructor(private readonly maxEntries = 10_000) {}

  /** Seconds left for the credentials this request carries, or 0. */
  retryAfter(request: FastifyRequest, now: number): number {
    if (this.until.size === 0) return 0;
    const key = credentialKey(request);
    const end = key === null ? undefined : this.until.get(key);
    if (end === undefined) return 0;
    if (end <= now) {
      this.until.delete(key!);
      return 0;
    }
    return Math.max(1, Math.ceil((end - now) / 1000));
  }

  remember(request: FastifyRequest, end: number, now: number): void {
    const key = credentialKey(request);
    if (key === null) return;
    if (this.until.size >= this.maxEntries) {
      for (const [k, e] of this.until) if (e <= now) this.until.delete(k);
      while (this.until.size >= this.maxEntries) this.until.delete(this.until.keys().next().value!);
    }
    this.until.set(key, end);
  }
}

/** A hash of the request's credentials (the bearer token, else the cookies), or null when it has none. */
function credentialKey(request: FastifyRequest): string | null {
  const authorization = request.headers.authorization;
  const cookie = request.headers.cookie;
  const what =
    typeof authorization === 'string' && authorization !== ''
      ? `a|${authorization}`
      : typeof cookie === 'string' && cookie.includes('nhsaa_session=')
        ? `c|${cookie}`
        : null;
  return what === null ? null : createHash('sha256').update(what).digest('base64url').slice(0, 22);
}

const refusedCredentials = new WeakMap<FastifyInstance, RefusedCredentials>();

function refusedFor(app: FastifyInstance): RefusedCredentials {
  let refused = refusedCredentials.get(app);
  if (!refused) {
    refused = new RefusedCredentials();
    refusedCredentials.set(app, refused);
  }
  return refused;
}

/**
 * Cheap refusals before sign-in is resolved (see the file comment). Call before registerAccess, with the
 * gate registerLoadControl returns (it may be registered later: the hook reads it at request time).
 */
export function registerLoadShedding(app: FastifyInstance, renderer: Renderer): void {
  const refused = refusedFor(app);
  app.addHook('onRequest', async (request, reply) => {
    if (!isFigureRoute(request)) return;
    const wait = refused.retryAfter(request, Date.now());
    if (wait > 0) {
      throw new TooManyRequestsError(
        wait,
        `You have asked for figures too often. Wait ${wait} seconds and try again.`,
      );
    }
    const gate = app.hasDecorator('figureGate') ? app.figureGate : null;
    if (gate?.isFull() && credentialKey(request) !== null) {
      gate.countRefusal();
      reply.header('Retry-After', String(gate.retryAfterSeconds()));
      return sendError(
        renderer,
        request,
        reply,
        503,
        BUSY_MESSAGE,
        isApiPath(request.url) ? BUSY_MESSAGE : null,
      );
    }
  });
}

/**
 * Registers the rate limits and the queue. Call after registerAccess (the limits key on the viewer) and
 * after registerResponseCache (cached answers skip the queue).
 */
export async function registerLoadControl(
  app: FastifyInstance,
  { config, renderer }: LoadControlOptions,
): Promise<FigureGate> {
  // Only the limiters made below are used: no route gets the plugin's own per-address hook.
  await app.register(fastifyRateLimit, { global: false });
  const timeWindow = config.windowSeconds * 1000;
  const limiters: {
    applies: (request: FastifyRequest) => boolean;
    check: ReturnType<FastifyInstance['createRateLimit']>;
  }[] = [];
  if (config.tokenLimit > 0) {
    limiters.push({
      applies: (request) => request.viewer.via === 'token' && Boolean(request.credentials?.tokenId),
      check: app.createRateLimit({
        max: config.tokenLimit,
        timeWindow,
        keyGenerator: (request) => `token:${request.credentials.tokenId}`,
      }),
    });
  }
  if (config.userLimit > 0) {
    limiters.push({
      applies: (request) => Boolean(request.viewer.userId),
      check: app.createRateLimit({
        max: config.userLimit,
        timeWindow,
        keyGenerator: (request) => `user:${request.viewer.userId}`,
      }),
    });
  }

  const refused = refusedFor(app);
  app.addHook('onRequest', async (request) => {
    if (limiters.length === 0 || !isFigureRoute(request) || !request.viewer?.signedIn) return;
    for (const limiter of limiters) {
      if (!limiter.applies(request)) continue;
      const result = await limiter.check(request);
      if (!result.isAllowed && result.isExceeded) {
        const now = Date.now();
        refused.remember(request, now + Math.max(1, result.ttlInSeconds) * 1000, now);
        throw new TooManyRequestsError(
          Math.max(1, result.ttlInSeconds),
          `You have asked for figures more than ${result.max} times in ${config.windowSeconds} seconds. ` +
            `Wait ${Math.max(1, result.ttlInSeconds)} seconds and try again.`,
        );
      }
    }
  });

  const gate = new FigureGate({
    concurrency: config.concurrency,
    queueLength: config.queueLength,
    timeoutMs: config.queueTimeoutMs,
  });
  app.decorate('figureGate', gate);

  app.addHook('preHandler', async (request: WithTurn, reply: FastifyReply) => {
    if (!isFigureRoute(request)) return;
    // The client going away while waiting takes it out of the queue.
    const gone = new AbortController();
    const onClose = () => gone.abort();
    reply.raw.once('close', onClose);
    let release: Release;
    try {
      release = await gate.acquire(gone.signal);
    } catch (err) {
      reply.raw.off('close', onClose);
      if (!(err instanceof GateRefusedError)) throw err;
      const { running, waiting } = gate.stats();
      request.log.warn({ reason: err.reason, running, waiting }, 'figure request refused: server busy');
      reply.header('Retry-After', String(gate.retryAfterSeconds()));
      return sendError(
        renderer,
        request,
        reply,
        503,
        BUSY_MESSAGE,
        isApiPath(request.url) ? BUSY_MESSAGE : null,
      );
    }
    reply.raw.off('close', onClose);
    request[TURN] = release;
  });
  // The turn is given back when the handler has its answer (or error) ready to send, so its queries are
  // over; not when the client goes away, as the handler's queries still run then. onResponse: a fallback.
  app.addHook('onSend', async (request: WithTurn, _reply, payload) => {
    request[TURN]?.();
    return payload;
  });
  app.addHook('onResponse', async (request: WithTurn) => {
    request[TURN]?.();
  });

  return gate;
}
