/**
 * Access control at the HTTP edge. Every route declares `config: { access }` (see RouteAccess in
 * src/domain/access.ts); a route that declares nothing needs a signed-in user, so a route added later is
 * closed by default. Routes with access 'figures' read every figure through the request's figure reader
 * (`request.figures`, src/query/figures.ts), which refuses or leaves out what the viewer may not see.
 *
 * `request.viewer` says who is asking: an `Authorization: Bearer` personal API token, else the session
 * cookie, else anonymous (src/auth/service.ts). API tokens are for reading figures: a state-changing
 * request (POST, PUT, PATCH, DELETE) made with one is refused (403), so a leaked token cannot mint new
 * tokens, revoke the owner's or manage users. Every state-changing request must carry the CSRF token of
 * its session (or, for visitors, of its browser) in the form body or an X-CSRF-Token header.
 */
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { meetsRouteAccess, type RouteAccess, type Viewer } from '../domain/access.ts';
import { constantTimeEqual } from '../auth/crypto.ts';
import { setAuthHeader, runWithPageContext } from '../auth/page-context.ts';
import { CsrfError, ForbiddenError, SignInRequiredError, TooManyRequestsError } from '../auth/errors.ts';
import { authFor, type Credentials } from '../auth/service.ts';
import type { AppDeps } from './deps.ts';
import { registerRequestSecurityHeaders } from './security.ts';

// The refusals live with auth (a lower layer, which throws them too); routes keep importing them from here.
export {
  AccessError,
  CsrfError,
  ForbiddenError,
  SignInRequiredError,
  TooManyRequestsError,
} from '../auth/errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    viewer: Viewer;
    credentials: Credentials;
  }
  interface FastifyContextConfig {
    access?: RouteAccess;
    /** Set false only on state-changing routes that cannot carry a CSRF token (none today). */
    csrf?: boolean;
  }
  interface FastifyInstance {
    /** Every route registered after registerAccess, with its declared access (for the route-walk test). */
    registeredRoutes: RegisteredRoute[];
    /**
     * Headers that make a GET asked with app.inject the server's own warm-up, seen as a signed-in viewer
     * (src/http/warm-up.ts). In-process only: the key is drawn at start and never sent anywhere.
     */
    warmUpHeaders: Readonly<Record<string, string>>;
  }
}

export interface RegisteredRoute {
  method: string;
  url: string;
  access: RouteAccess;
  /** Names of the query-string parameters its schema declares (for the injection tests). */
  queryParams: string[];
  /** Its schema's one-line summary, where it has one (the API's routes): the route map's description. */
  summary?: string;
}

/** Routes registered by plugins that cannot declare config (static files): open by prefix. */
const PUBLIC_PREFIXES = ['/assets/', '/static/'];

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

const HOUSEKEEPING_INTERVAL_MS = 24 * 3600_000;

/** The access a route declared, with the defaults for plugin routes and undeclared routes. */
export function routeAccess(request: FastifyRequest): RouteAccess | null {
  const url = request.routeOptions.url;
  if (url === undefined) return null; // no route matched: the 404 handler answers
  if (PUBLIC_PREFIXES.some((p) => url.startsWith(p))) return 'public';
  return request.routeOptions.config.access ?? 'signed-in';
}

/** The header naming a warm-up request (src/http/warm-up.ts). */
const WARM_UP_HEADER = 'x-warm-up';

/**
 * Who a warm-up asks as: a signed-in viewer (so it computes what staff see), with no user id (no user's rate
 * limit, no session) and no role beyond viewing.
 */
const WARM_UP_VIEWER: Viewer = Object.freeze({ signedIn: true, role: 'viewer', userId: null, via: null });

/**
 * A request is the server's own warm-up only when it was made in this process (app.inject: light-my-request's
 * request object, never a socket) and carries the key this app drew at start, which never leaves the
 * process. Anything else is resolved as usual, so the header alone grants nothing.
 */
function isWarmUp(request: FastifyRequest, key: string): boolean {
  const sent = request.headers[WARM_UP_HEADER];
  return (
    request.method === 'GET' &&
    typeof sent === 'string' &&
    '_lightMyRequest' in request.raw &&
    constantTimeEqual(sent, key)
  );
}

async function resolveViewer(
  request: FastifyRequest,
  deps: AppDeps,
  warmUpKey: string,
): Promise<{ viewer: Viewer; credentials: Credentials }> {
  if (isWarmUp(request, warmUpKey)) {
    return { viewer: WARM_UP_VIEWER, credentials: { sessionHash: null, tokenId: null, badBearer: false } };
  }
  return authFor(deps).resolve(request);
}

/**
 * The CSRF token a state-changing request sent: form field `_csrf`, else header X-CSRF-Token (for fetch).
 * Never the query string: URLs end up in logs, history and Referer headers.
 */
function sentCsrfToken(request: FastifyRequest): unknown {
  const body = request.body as Record<string, unknown> | null | undefined;
  if (body && typeof body === 'object' && '_csrf' in body) return body._csrf;
  const header = request.headers['x-csrf-token'];
  return typeof header === 'string' ? header : undefined;
}

export const TOKEN_CANNOT_CHANGE =
  'API tokens can only read figures. To create or revoke tokens, or to manage users, sign in to this ' +
  'service in a browser.';

export function registerAccess(app: FastifyInstance, deps: AppDeps): void {
  void app.register(fastifyCookie);
  void app.register(fastifyFormbody, { bodyLimit: 16 * 1024 });

  registerRequestSecurityHeaders(app, { httpsOnly: deps.config.auth.secureCookies });

  app.decorate('registeredRoutes', [] as RegisteredRoute[]);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const config = (route.config ?? {}) as { access?: RouteAccess };
    for (const method of methods) {
      if (method === 'HEAD' || method === 'OPTIONS') continue;
      const access = PUBLIC_PREFIXES.some((p) => route.url.startsWith(p))
        ? 'public'
        : (config.access ?? 'signed-in');
      const query = (route.schema?.querystring ?? {}) as { properties?: Record<string, unknown> };
      const summary = (route.schema as { summary?: unknown } | undefined)?.summary;
      app.registeredRoutes.push({
        method,
        url: route.url,
        access,
        queryParams: Object.keys(query.properties ?? {}),
        ...(typeof summary === 'string' ? { summary } : {}),
      });
    }
  });

  // Retention: purge old sessions, sign-in links and audit rows on start and daily; write the counts of
  // failed-token windows that are over every minute, and all of them on close.
  const timers: NodeJS.Timeout[] = [];
  app.addHook('onReady', async () => {
    const auth = authFor(deps);
    await auth.housekeeping(app.log);
    timers.push(setInterval(() => void auth.housekeeping(app.log), HOUSEKEEPING_INTERVAL_MS).unref());
    timers.push(setInterval(() => void auth.flushFailedBearer(), 60_000).unref());
  });
  app.addHook('onClose', async () => {
    for (const t of timers.splice(0)) clearInterval(t);
    await authFor(deps)
      .flushFailedBearer(Infinity)
      .catch(() => undefined);
  });

  const warmUpKey = randomBytes(32).toString('base64url');
  app.decorate('warmUpHeaders', Object.freeze({ [WARM_UP_HEADER]: warmUpKey }));
  app.decorateRequest('viewer', null as unknown as Viewer);
  app.decorateRequest('credentials', null as unknown as Credentials);
  // The page context (signed in or not, for the layout) lives for the rest of the request.
  app.addHook('onRequest', (_request, _reply, done) => runWithPageContext(done));
  app.addHook('onRequest', async (request) => {
    const { viewer, credentials } = await resolveViewer(request, deps, warmUpKey);
    request.viewer = viewer;
    request.credentials = credentials;
    if (viewer.signedIn) {
      setAuthHeader({
        signedIn: true,
        isAdmin: viewer.role === 'admin',
        csrfToken: await authFor(deps).csrfToken(request),
      });
    }
    const access = routeAccess(request);
    if (access === null) return;
    if (credentials.bearerRetryAfterSeconds !== undefined) {
      throw new TooManyRequestsError(
        credentials.bearerRetryAfterSeconds,
        'Too many requests with an API token that is not valid. Wait a minute, then use a valid token.',
      );
    }
    if (credentials.badBearer) {
      throw new SignInRequiredError('The API token is not valid: it is unknown, revoked or malformed.', true);
    }
    // Token and user management (every state-changing route) needs a browser session with its CSRF token.
    if (viewer.via === 'token' && UNSAFE_METHODS.has(request.method))
      throw new ForbiddenError(TOKEN_CANNOT_CHANGE);
    if (meetsRouteAccess(viewer, access)) return;
    if (!viewer.signedIn)
      throw new SignInRequiredError('Sign in with an NHS email address to see this page.');
    throw new ForbiddenError();
  });
  // CSRF: after the body is parsed, before validation and the handler.
  app.addHook('preValidation', async (request) => {
    if (!UNSAFE_METHODS.has(request.method)) return;
    if (request.routeOptions.url === undefined) return;
    if (request.routeOptions.config.csrf === false) return;
    if (!(await authFor(deps).checkCsrf(request, sentCsrfToken(request)))) {
      request.log.info({ route: request.routeOptions.url }, 'refused a request without a valid CSRF token');
      throw new CsrfError();
    }
  });
}
