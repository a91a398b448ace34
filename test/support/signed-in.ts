// Signed-in test apps through the public seam (issue 9): a real user row and a real session in the app's own
// store, and the session cookie on every request — the same path a browser takes after sign-in, so access,
// CSRF and load control see exactly what they see in production. No production code path skips sign-in.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { authFor } from '../../src/auth/service.ts';
import * as store from '../../src/auth/store.ts';
import type { Role, Viewer } from '../../src/domain/access.ts';
import { buildApp } from '../../src/http/app.ts';
import type { AppDeps } from '../../src/http/deps.ts';

/** Who to sign in as; the email is made up per call unless given. */
export interface SignInAs {
  role: Role;
  email?: string;
}

/**
 * Adds an active user with the role and starts a session for them in the store the app reads (the app-state
 * store, or the warehouse's tables in tests without one). Returns the `Cookie` header value.
 */
export async function sessionCookie(deps: AppDeps, as: SignInAs): Promise<string> {
  const auth = authFor(deps);
  const now = deps.clock.now();
  const email = as.email ?? `test-${randomBytes(4).toString('hex')}@nhs.net`;
  const user =
    (await store.findUserByEmail(auth.db, email)) ??
    (await store.insertUser(auth.db, { email, role: as.role, now, createdBy: null }));
  return `${auth.cookieName('session')}=${await auth.newSession(user.userId, 'test', 'other')}`;
}

/** The app with the cookie sent on every `inject` (merged with any cookie the call sends itself). */
export function withCookie(app: FastifyInstance, cookie: string): FastifyInstance {
  const inject = (opts: string | InjectOptions) => {
    const o: InjectOptions = typeof opts === 'string' ? { url: opts } : opts;
    const headers = { ...(o.headers ?? {}) } as Record<string, string>;
    headers.cookie = headers.cookie ? `${cookie}; ${headers.cookie}` : cookie;
    return app.inject({ ...o, headers });
  };
  return new Proxy(app, {
    get(target, prop) {
      if (prop === 'inject') return inject;
      // A Fastify instance is thenable (resolving to itself): awaiting the proxy would unwrap it.
      if (prop === 'then') return undefined;
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** buildApp, then a session for a new user with the role: every request is that signed-in user's. */
export async function buildSignedInApp(
  deps: AppDeps,
  as: SignInAs = { role: 'viewer' },
): Promise<FastifyInstance> {
  const app = await buildApp(deps);
  return withCookie(app, await sessionCookie(deps, as));
}

/** A signed-in app when the viewer is signed in (as their role), else the anonymous app. */
export async function buildAppAs(deps: AppDeps, viewer: Viewer | null | undefined): Promise<FastifyInstance> {
  return viewer?.signedIn ? buildSignedInApp(deps, { role: viewer.role ?? 'viewer' }) : buildApp(deps);
}
