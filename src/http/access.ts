/**
 * Access control at the HTTP edge. Every route declares `config: { access }` (see RouteAccess in
 * src/domain/access.ts); a route that declares nothing needs a signed-in user, so a route added later is
 * closed by default. Routes with access 'figures' check each figure they serve with `assertCanViewFigure`
 * (or filter with `canViewFigure`), so anonymous visitors get open data only.
 *
 * `request.viewer` says who is asking. Sessions and API tokens (issue 5) resolve it in `resolveViewer`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  ANONYMOUS_VIEWER,
  canViewFigure,
  meetsRouteAccess,
  type FigureRef,
  type RouteAccess,
  type Viewer,
} from '../domain/access.ts';
import type { AppDeps } from './deps.ts';

declare module 'fastify' {
  interface FastifyRequest {
    viewer: Viewer;
  }
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
}

/** Routes registered by plugins that cannot declare config (static files): open by prefix. */
const PUBLIC_PREFIXES = ['/assets/', '/static/'];

export class SignInRequiredError extends Error {
  readonly statusCode = 401;
  constructor(message = 'Sign in with an NHS email address to see these figures.') {
    super(message);
    this.name = 'SignInRequiredError';
  }
}

export class ForbiddenError extends Error {
  readonly statusCode = 403;
  constructor(message = 'You do not have permission to see this page.') {
    super(message);
    this.name = 'ForbiddenError';
  }
}

/** Throws SignInRequiredError (401) unless this request's viewer may see the figure. */
export function assertCanViewFigure(request: FastifyRequest, figure: FigureRef): void {
  if (!canViewFigure(request.viewer, figure)) throw new SignInRequiredError();
}

/** The access a route declared, with the defaults for plugin routes and undeclared routes. */
export function routeAccess(request: FastifyRequest): RouteAccess | null {
  const url = request.routeOptions.url;
  if (url === undefined) return null; // no route matched: the 404 handler answers
  if (PUBLIC_PREFIXES.some((p) => url.startsWith(p))) return 'public';
  return request.routeOptions.config.access ?? 'signed-in';
}

async function resolveViewer(_request: FastifyRequest, deps: AppDeps): Promise<Viewer> {
  return deps.testViewer ?? ANONYMOUS_VIEWER;
}

export function registerAccess(app: FastifyInstance, deps: AppDeps): void {
  app.decorateRequest('viewer', null as unknown as Viewer);
  app.addHook('onRequest', async (request) => {
    request.viewer = await resolveViewer(request, deps);
    const access = routeAccess(request);
    if (access === null || meetsRouteAccess(request.viewer, access)) return;
    if (!request.viewer.signedIn)
      throw new SignInRequiredError('Sign in with an NHS email address to see this page.');
    throw new ForbiddenError();
  });
}
