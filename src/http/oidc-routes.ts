/**
 * Sign-in by OpenID Connect (issue 5, item 3; docs/adr/0014-openid-connect.md).
 *
 * GET /sign-in/oidc?next=/path   starts a flow: keeps state, nonce, PKCE verifier and `next` in a signed,
 *                                httpOnly, SameSite=Lax cookie for 10 minutes, and redirects to the provider.
 * GET /sign-in/oidc/callback     checks the answer (src/auth/oidc.ts) and hands the verified address to
 *                                completeSignIn (allow-list, user, session, audit, redirect).
 *
 * Failures answer an NHS-styled page with a plain message and are audited; they never show a code or token.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import { constantTimeEqual, keyedHash } from '../auth/crypto.ts';
import { safeNextPath } from '../auth/next-path.ts';
import { OidcError, type OidcClient, type OidcFlowState } from '../auth/oidc.ts';
import { authFor, cookieValue } from '../auth/service.ts';
import { completeSignIn } from '../auth/sign-in.ts';
import { sendFormPage } from './forms.ts';
import type { RouteContext } from './route-context.ts';

export const OIDC_START_PATH = '/sign-in/oidc';
export const OIDC_CALLBACK_ROUTE = '/sign-in/oidc/callback';

/** How long a started sign-in may take at the provider. */
export const OIDC_FLOW_SECONDS = 10 * 60;
const MAX_COOKIE_LENGTH = 2048;

/** The flow cookie's name: `__Host-` behind HTTPS, so a sibling subdomain cannot plant one. */
export function oidcCookieName(secure: boolean): string {
  return secure ? '__Host-nhsaa_oidc' : 'nhsaa_oidc';
}

interface FlowCookie extends OidcFlowState {
  next: string;
  /** When the flow started, ms since the epoch. */
  startedAt: number;
}

const B64URL = /^[A-Za-z0-9_-]{16,256}$/;

function isFlow(value: unknown): value is FlowCookie {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.state === 'string' &&
    B64URL.test(v.state) &&
    typeof v.nonce === 'string' &&
    B64URL.test(v.nonce) &&
    typeof v.codeVerifier === 'string' &&
    /^[A-Za-z0-9._~-]{43,128}$/.test(v.codeVerifier) &&
    typeof v.next === 'string' &&
    typeof v.startedAt === 'number' &&
    Number.isFinite(v.startedAt)
  );
}

async function sealFlow(ctx: RouteContext, flow: FlowCookie): Promise<string> {
  const payload = Buffer.from(JSON.stringify(flow)).toString('base64url');
  const mac = keyedHash(await authFor(ctx.deps).secret(), `oidc-flow|${payload}`);
  return `${payload}.${mac}`;
}

/** The flow kept in this browser, or null when missing, tampered with, malformed or older than 10 minutes. */
async function openFlow(
  ctx: RouteContext,
  request: FastifyRequest,
  secure: boolean,
): Promise<FlowCookie | null> {
  const header = request.headers.cookie;
  if (typeof header !== 'string' || header === '' || header.length > 8192) return null;
  const value = cookieValue(header, oidcCookieName(secure));
  if (value === undefined || value.length > MAX_COOKIE_LENGTH) return null;
  const dot = value.indexOf('.');
  if (dot <= 0) return null;
  const payload = value.slice(0, dot);
  const mac = value.slice(dot + 1);
  const expected = keyedHash(await authFor(ctx.deps).secret(), `oidc-flow|${payload}`);
  if (!constantTimeEqual(mac, expected)) return null;
  let flow: unknown;
  try {
    flow = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!isFlow(flow)) return null;
  const age = ctx.deps.clock.now().getTime() - flow.startedAt;
  if (age < 0 || age > OIDC_FLOW_SECONDS * 1000) return null;
  return flow;
}

function setFlowCookie(reply: FastifyReply, secure: boolean, value: string, maxAge: number): void {
  reply.setCookie(oidcCookieName(secure), value, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure,
    maxAge,
  });
}

/** An NHS-styled page explaining why sign-in did not work (the message is one of OidcError's fixed ones). */
function sendFailure(ctx: RouteContext, reply: FastifyReply, status: number, message: string, next = '/') {
  const heading = status >= 500 ? 'Sign-in is not available' : 'You could not be signed in';
  const signInHref = next === '/' ? '/sign-in' : `/sign-in?next=${encodeURIComponent(next)}`;
  const html = ctx.renderer.page('auth/oidc-problem.njk', {
    pageTitle: heading,
    view: { heading, message, signInHref },
  });
  return sendFormPage(reply, status, html);
}

const START_QUERY_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    next: { type: 'string', maxLength: 512, description: 'must be a path on this site' },
  },
} as const;

/** What providers send back: known parameters, bounded. Others (e.g. Entra ID's session_state) are ignored. */
const CALLBACK_QUERY_SCHEMA = {
  type: 'object',
  properties: {
    code: { type: 'string', maxLength: 4096 },
    state: { type: 'string', maxLength: 512 },
    iss: { type: 'string', maxLength: 512 },
    error: { type: 'string', maxLength: 256 },
    error_description: { type: 'string', maxLength: 2048 },
    error_uri: { type: 'string', maxLength: 2048 },
    session_state: { type: 'string', maxLength: 1024 },
  },
} as const;

/**
 * A handler of the sign-in flow, given the OpenID client and whether the flow cookie must be secure; 404
 * when OpenID Connect is not set up.
 */
function withOidc(
  ctx: RouteContext,
  handler: (
    request: FastifyRequest,
    reply: FastifyReply,
    oidc: OidcClient,
    secure: boolean,
  ) => Promise<unknown>,
): RouteHandlerMethod {
  return async (request, reply) => {
    const oidc = ctx.deps.oidc ?? null;
    if (oidc === null)
      return sendFailure(
        ctx,
        reply,
        404,
        'Sign-in with an organisation account is not set up on this service.',
      );
    return handler(request, reply, oidc, oidc.config.redirectUri.protocol === 'https:');
  };
}

export function registerOidcRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const auth = () => authFor(ctx.deps);

  async function auditFailure(request: FastifyRequest, err: OidcError): Promise<void> {
    const refused = err.kind !== 'unavailable' && err.kind !== 'failed';
    await auth().audit(request, {
      action: 'sign-in',
      target: null,
      outcome: refused ? 'refused' : 'failure',
      detail: `oidc: ${err.kind}${err.detail ? ` (${err.detail})` : ''}`,
    });
  }

  app.get(
    OIDC_START_PATH,
    { config: { access: 'public' }, schema: { querystring: START_QUERY_SCHEMA } },
    withOidc(ctx, async (request, reply, oidc, secure) => {
      const { next } = request.query as { next?: string };
      let started: Awaited<ReturnType<OidcClient['begin']>>;
      try {
        started = await oidc.begin();
      } catch (err) {
        const failure = err instanceof OidcError ? err : new OidcError('unavailable');
        request.log.warn({ kind: failure.kind, detail: failure.detail }, 'OpenID provider not available');
        return sendFailure(ctx, reply, failure.statusCode, failure.message, safeNextPath(next));
      }
      const cookie = await sealFlow(ctx, {
        state: started.state,
        nonce: started.nonce,
        codeVerifier: started.codeVerifier,
        next: safeNextPath(next),
        startedAt: ctx.deps.clock.now().getTime(),
      });
      setFlowCookie(reply, secure, cookie, OIDC_FLOW_SECONDS);
      return reply.header('Cache-Control', 'no-store').redirect(started.url.href, 303);
    }),
  );

  app.get(
    OIDC_CALLBACK_ROUTE,
    { config: { access: 'public' }, schema: { querystring: CALLBACK_QUERY_SCHEMA } },
    withOidc(ctx, async (request, reply, oidc, secure) => {
      const flow = await openFlow(ctx, request, secure);
      // One use: whatever happens next, this flow is over.
      setFlowCookie(reply, secure, '', 0);
      let identity;
      try {
        if (flow === null) throw new OidcError('missing_flow');
        identity = {
          ...(await oidc.complete(new URL(request.url, oidc.config.redirectUri), flow)),
          next: flow.next,
        };
      } catch (err) {
        const failure = err instanceof OidcError ? err : new OidcError('failed');
        if (!(err instanceof OidcError)) request.log.error({ err }, 'OpenID sign-in failed unexpectedly');
        request.log.info({ kind: failure.kind, detail: failure.detail }, 'OpenID sign-in refused');
        await auditFailure(request, failure);
        return sendFailure(ctx, reply, failure.statusCode, failure.message, flow?.next ?? '/');
      }
      return completeSignIn(ctx, request, reply, {
        email: identity.email,
        method: 'oidc',
        next: identity.next,
      });
    }),
  );
}
