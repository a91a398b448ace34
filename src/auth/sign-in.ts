/**
 * Signing in, whatever the method: the emailed one-time link (src/http/auth-routes.ts) and OpenID Connect
 * (src/http/oidc-routes.ts) both end in `completeSignIn`, which checks the address against the allow-list,
 * finds or creates the user, refuses disabled users, starts a new session, audits and redirects.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { checkEmail, describeAllowedDomains, SUB_ADDRESS_REFUSED } from '../domain/email-domains.ts';
import type { AuthDeps } from './deps.ts';
import { ForbiddenError } from './errors.ts';
import { safeNextPath } from './next-path.ts';
import { authFor } from './service.ts';
import * as store from './store.ts';

export type SignInMethod = 'email-link' | 'oidc';

/** What a sign-in needs of its route: the app's dependencies (a RouteContext has them). */
export interface SignInContext {
  deps: AuthDeps;
}

export interface CompleteSignIn {
  /** The address proved by the method (a consumed link, or a verified OIDC email claim). */
  email: string;
  method: SignInMethod;
  /** Where to go afterwards (checked: same-site paths only); default "/". */
  next?: string;
  /** How the method was completed, for the audit detail (e.g. a link's code entered in another browser). */
  how?: string;
}

/**
 * Finishes a sign-in whose email address has been proved. Answers the request: a 303 redirect to `next`
 * with the new session's cookie set. Throws ForbiddenError (403 page) for an address outside the
 * allow-list or a disabled user; both are audited.
 */
export async function completeSignIn(
  ctx: SignInContext,
  request: FastifyRequest,
  reply: FastifyReply,
  opts: CompleteSignIn,
): Promise<FastifyReply> {
  const auth = authFor(ctx.deps);
  const allowed = auth.config.allowedDomains;
  const checked = checkEmail(opts.email, allowed);
  if (!checked.ok) {
    await auth.audit(request, {
      actorUserId: null,
      action: 'sign-in',
      target: checked.domain ? `domain:${checked.domain}` : null,
      outcome: 'refused',
      detail: `${opts.method}: ${checked.problem === 'sub-address' ? 'sub-address' : 'address not allowed'}`,
    });
    throw new ForbiddenError(
      checked.problem === 'sub-address'
        ? `Your organisation account gave an email address with a +tag: ${SUB_ADDRESS_REFUSED}. Ask your administrator for an address without one.`
        : `You can only sign in with an email address ending ${describeAllowedDomains(allowed)}.`,
    );
  }
  const now = auth.now();
  let user = await store.findUserByEmail(auth.db, checked.email);
  if (!user) {
    user = await store.insertUser(auth.db, { email: checked.email, role: 'viewer', now, createdBy: null });
    await auth.audit(request, {
      actorUserId: user.userId,
      action: 'user.create',
      target: `user:${user.userId}`,
      outcome: 'success',
      detail: `first sign-in (${opts.method})`,
    });
  }
  if (user.status !== 'active') {
    await auth.audit(request, {
      actorUserId: user.userId,
      action: 'sign-in',
      target: `user:${user.userId}`,
      outcome: 'refused',
      detail: `${opts.method}: account disabled`,
    });
    throw new ForbiddenError(
      'Your account has been disabled. Contact the administrator of this service if you need access.',
    );
  }
  // Never reuse a session id across a sign-in (session fixation): end any current one first.
  if (request.credentials?.sessionHash) await store.deleteSession(auth.db, request.credentials.sessionHash);
  await auth.startSession(request, reply, user, opts.method);
  await store.touchSignIn(auth.db, user.userId, now);
  await auth.audit(request, {
    actorUserId: user.userId,
    action: 'sign-in',
    target: `user:${user.userId}`,
    outcome: 'success',
    detail: opts.how ? `${opts.method}: ${opts.how}` : opts.method,
  });
  await store.purgeExpired(auth.db, now, auth.idleCutoff(now)).catch(() => undefined);
  return reply.header('Cache-Control', 'no-store').redirect(safeNextPath(opts.next ?? '/'), 303);
}
