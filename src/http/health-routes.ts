/**
 * Liveness and readiness, both public and cheap, neither waiting in the figure queue (load-control.ts).
 * They read through their own warehouse connection (`store`, from Warehouse.connect()), so they never wait
 * behind a figure query running on the main connection.
 *
 * - `GET /healthz` (liveness): 200 `{"status":"ok"}` while the process serves requests. It pings the
 *   warehouse (`SELECT 1`) but waits for the answer at most HEALTH_PROBE_WAIT_MS: a busy warehouse is alive,
 *   so only a warehouse that fails (closed, broken) answers 503. An orchestrator restarting on 503 never
 *   restarts an instance for being busy.
 * - `GET /readyz` (readiness): 200 `{"status":"ready", …}` when the figures are loaded (the store read has a
 *   data version: a build has committed and, when serving, been published), the store answers within
 *   READY_TIMEOUT_MS and the other stores are reachable (`notReady`: the figure store's own check, with a
 *   PostgreSQL ping when DATABASE_URL is set); otherwise 503 with the reason. While the server stops
 *   (SIGTERM) Fastify answers 503 to every new request. The figure queue's size is reported, not judged.
 *
 * Concurrent checks share one query in flight.
 */
import type { FastifyInstance } from 'fastify';
import type { Warehouse } from '../warehouse/db.ts';
import { readDataVersion } from './cache.ts';
import type { FigureGate } from './load-control.ts';

/** The longest /healthz waits for the warehouse's answer before answering that the process is alive. */
export const HEALTH_PROBE_WAIT_MS = 100;
/** The longest /readyz waits for the warehouse's answer before answering 503. */
export const READY_TIMEOUT_MS = 1000;

const TIMED_OUT = Symbol('timed out');

/** The promise's outcome, or TIMED_OUT after `ms`; a rejection is returned as the error (never thrown). */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | Error | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms);
  });
  try {
    return await Promise.race([
      promise.catch((err: unknown) => (err instanceof Error ? err : new Error(String(err)))),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Queries on a connection that may outlive the request that started them (a health check answers before
 * its query ends): the connection is closed only once they have settled (closing it under a running
 * statement aborts the process).
 */
export class QueryTracker {
  private readonly running = new Set<Promise<unknown>>();

  run<T>(query: () => Promise<T>): Promise<T> {
    const promise = query();
    this.running.add(promise);
    const forget = () => this.running.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  /** Resolves when every query started so far has settled (answered or failed). */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }
}

/** `fn` run once at a time: callers arriving while it runs share its answer. */
function singleFlight<T>(fn: () => Promise<T>): () => Promise<T> {
  let running: Promise<T> | null = null;
  return () => {
    running ??= fn().finally(() => {
      running = null;
    });
    return running;
  };
}

export function registerHealthRoutes(
  app: FastifyInstance,
  opts: {
    store: Warehouse;
    /** Tracks the queries on `store`, so that it is closed only after they end. */
    tracker: QueryTracker;
    gate: FigureGate;
    /** Further readiness: null when ready, else the reason (the figure store and PostgreSQL). */
    notReady?: () => Promise<string | null>;
    probeWaitMs?: number;
    readyTimeoutMs?: number;
  },
): void {
  const { store, tracker, gate } = opts;
  const probeWaitMs = opts.probeWaitMs ?? HEALTH_PROBE_WAIT_MS;
  const readyTimeoutMs = opts.readyTimeoutMs ?? READY_TIMEOUT_MS;

  const ping = singleFlight(async () => {
    const one = await tracker.run(() => store.scalar<number | bigint>('SELECT 1'));
    if (Number(one) !== 1) throw new Error(`SELECT 1 returned ${String(one)}`);
  });
  const dataVersion = singleFlight(() => tracker.run(() => readDataVersion(store)));
  const notReady = opts.notReady ? singleFlight(opts.notReady) : null;

  app.get('/healthz', { config: { access: 'public' } }, async (request, reply) => {
    reply.header('Cache-Control', 'no-store');
    // A closed warehouse fails at once; a busy one is alive (its answer is not waited for beyond the budget).
    const outcome = store.isClosed ? new Error('the warehouse is closed') : await within(ping(), probeWaitMs);
    if (outcome instanceof Error) {
      request.log.warn({ err: outcome }, 'health check failed');
      return reply.code(503).send({ status: 'unavailable' });
    }
    return { status: 'ok' };
  });

  app.get('/readyz', { config: { access: 'public' } }, async (request, reply) => {
    reply.header('Cache-Control', 'no-store');
    const { running, waiting } = gate.stats();
    const figureQueue = { running, waiting };
    const version = await within(dataVersion(), readyTimeoutMs);
    if (version === TIMED_OUT) {
      return reply.code(503).send({ status: 'unavailable', reason: 'the warehouse did not answer in time' });
    }
    if (version instanceof Error) {
      request.log.warn({ err: version }, 'readiness check failed');
      return reply.code(503).send({ status: 'unavailable', reason: 'the warehouse could not be read' });
    }
    if (version === null) {
      return reply.code(503).send({ status: 'unavailable', reason: 'no figures are loaded yet' });
    }
    if (notReady) {
      const reason = await within(notReady(), readyTimeoutMs);
      if (reason !== null) {
        const why =
          reason === TIMED_OUT
            ? 'a store did not answer in time'
            : reason instanceof Error
              ? 'a store could not be reached'
              : reason;
        return reply.code(503).send({ status: 'unavailable', reason: why });
      }
    }
    return { status: 'ready', figureQueue };
  });
}
