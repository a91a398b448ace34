/**
 * The Fastify application: pages, JSON API, static assets, security headers, compression and error pages.
 * Pages never run SQL: figures come from `deps.queries` (see deps.ts). Figure routes are rate-limited and
 * queued (load-control.ts); /healthz, /readyz and the data version read through a connection of their own.
 */
import { promisify } from 'node:util';
import { Readable } from 'node:stream';
import { createGzip, gzip as gzipCallback } from 'node:zlib';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance } from 'fastify';
import { registerPages } from './pages/index.ts';
import { registerFigureReader } from './figures.ts';
import { authFor } from '../auth/service.ts';
import { registerAccess } from './access.ts';
import { registerDemoDownloads } from './demo-downloads.ts';
import { registerDownloadAudit } from './download-audit.ts';
import { registerAdminRoutes } from './admin-routes.ts';
import { registerRefreshRoutes } from './refresh-routes.ts';
import { registerApiRoutes } from './api/routes.ts';
import { registerAuthRoutes } from './auth-routes.ts';
import type { RouteContext } from './route-context.ts';
import { loadCatalogue } from '../metrics/catalogue.ts';
import { acceptsGzip, loadAssets, NHSUK_ASSETS } from './assets.ts';
import type { AppDeps } from './deps.ts';
import { installErrorHandlers, sendError } from './errors.ts';
import { createRenderer } from './render.ts';
import { appendVary, applySecurityHeaders, redactingLogger } from './security.ts';
import { readDataVersion, registerResponseCache } from './cache.ts';
import { QueryTracker, registerHealthRoutes } from './health-routes.ts';
import { registerLoadControl, registerLoadShedding } from './load-control.ts';

export type { AppDeps, AreaListItem, PageQueries } from './deps.ts';
export { CONTENT_SECURITY_POLICY, SECURITY_HEADERS } from './security.ts';

const gzip = promisify(gzipCallback);

const COMPRESSIBLE = /^(text\/|application\/(json|javascript|xml)|image\/svg\+xml)/;
const MIN_COMPRESS_BYTES = 1024;

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { db, config } = deps;
  const logger = deps.logger === true ? { level: config.logLevel } : (deps.logger ?? false);
  const assets = loadAssets();
  const renderer = createRenderer(assets.urls);
  const ctx: RouteContext = { deps, renderer, catalogue: deps.catalogue ?? loadCatalogue() };
  const app = Fastify({
    logger: redactingLogger(logger),
    // Client addresses (rate limits, audit) and the protocol from a trusted reverse proxy (TRUST_PROXY).
    // (A hop count is supported at run time; Fastify's types omit it.)
    trustProxy: config.auth.trustProxy as boolean | string,
    // Keep unknown parameters so that `additionalProperties: false` rejects them instead of dropping them.
    ajv: { customOptions: { removeAdditional: false, allErrors: false, verbose: true } },
    bodyLimit: 64 * 1024,
    return503OnClosing: true,
    // Malformed URLs (bad percent-encoding): Fastify's default answer echoes the URL back.
    frameworkErrors: (error, request, reply) => {
      const badUrl = error.code === 'FST_ERR_BAD_URL';
      return sendError(
        renderer,
        request,
        reply,
        400,
        badUrl ? 'The web address is not valid.' : 'The request was not valid.',
        null,
      );
    },
  });

  // Security headers on every response, errors and 404s included.
  app.addHook('onSend', async (_request, reply, payload) => {
    applySecurityHeaders(reply);
    return payload;
  });

  // gzip for rendered pages, JSON and CSV (static assets come pre-compressed from assets.ts). Large CSVs are
  // streamed: they are compressed as they stream, so a whole-country download never sits in memory.
  app.addHook('onSend', async (request, reply, payload) => {
    if (reply.hasHeader('content-encoding')) return payload;
    if (payload instanceof Readable) {
      if (!COMPRESSIBLE.test(String(reply.getHeader('content-type') ?? ''))) return payload;
      reply.header('Vary', appendVary(reply.getHeader('vary'), 'Accept-Encoding'));
      if (!acceptsGzip(request)) return payload;
      reply.header('Content-Encoding', 'gzip');
      reply.removeHeader('content-length');
      const zipped = createGzip();
      payload.on('error', (err) => zipped.destroy(err));
      return payload.pipe(zipped);
    }
    if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return payload;
    if (!COMPRESSIBLE.test(String(reply.getHeader('content-type') ?? ''))) return payload;
    reply.header('Vary', appendVary(reply.getHeader('vary'), 'Accept-Encoding'));
    if (Buffer.byteLength(payload) < MIN_COMPRESS_BYTES || !acceptsGzip(request)) return payload;
    const zipped = await gzip(payload);
    reply.header('Content-Encoding', 'gzip');
    reply.removeHeader('content-length');
    return zipped;
  });

  installErrorHandlers(app, renderer);
  // Before the access hook: refusals that need no sign-in lookup.
  registerLoadShedding(app, renderer);
  // Sign-in lookups get their own connection too: a signed-in request must not wait behind figure queries to
  // learn who it is (issue 16.11).
  const authDb = await (deps.warehouse ?? db).connect();
  authFor(deps).useConnection(authDb);
  // A sign-in lookup of a request still being answered finishes first (closing under it aborts DuckDB).
  app.addHook('onClose', () => authDb.closeWhenIdle());
  registerAccess(app, deps);
  // Who downloaded what: after the access hook (it says who is asking).
  registerDemoDownloads(app, deps);
  registerDownloadAudit(app, deps);
  registerFigureReader(app, ctx);
  // Health checks and the data version get their own connection: never behind a figure query.
  const stateDb = await db.connect();
  const stateQueries = new QueryTracker();
  app.addHook('onClose', async () => {
    await stateQueries.settled();
    stateDb.close();
  });
  // After the compression hook (it keeps the bytes sent) and the access hook (it keys on the viewer).
  registerResponseCache(app, { readDataVersion: () => stateQueries.run(() => readDataVersion(stateDb)) });
  // After the access hook (limits key on the viewer) and the cache (hits never queue).
  const figureGate = await registerLoadControl(app, { config: config.loadControl, renderer });

  // nhsuk-frontend images, icons and manifest; CSS and JS are served from memory by assets.ts.
  await app.register(fastifyStatic, {
    root: NHSUK_ASSETS,
    prefix: '/assets/',
    maxAge: '1d',
    immutable: false,
    index: false,
    list: false,
    dotfiles: 'deny',
  });
  assets.register(app);

  registerHealthRoutes(app, {
    store: stateDb,
    tracker: stateQueries,
    gate: figureGate,
    notReady: deps.figuresNotReady,
  });

  registerPages(app, ctx);

  registerApiRoutes(app, ctx);
  registerAuthRoutes(app, ctx);
  registerAdminRoutes(app, ctx);
  registerRefreshRoutes(app, ctx);

  return app;
}
