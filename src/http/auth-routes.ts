/**
 * Sign-in by emailed one-time link, sign-out, and the account page with personal API tokens (issue 5).
 *
 * - GET  /sign-in                 the form (and "Sign in with your organisation account" when OIDC is set up)
 * - POST /sign-in                 emails a link (valid 15 minutes, once) and shows this browser its short code
 * - GET  /sign-in/verify?token=   in the browser that asked: a page with a button (link scanners that fetch
 *                                 the link do not sign in); in another browser: a form for the code (ADR 0033)
 * - POST /sign-in/verify          consumes the link (with the right code, in another browser) and starts the
 *                                 session (completeSignIn)
 * - POST /sign-out                ends the session
 * - GET  /account                 your API tokens; POST /account/tokens creates one (shown once),
 *   POST /account/tokens/:id/revoke revokes one
 *
 * OpenID Connect routes live in oidc-routes.ts and end in the same completeSignIn.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  API_TOKEN_PREFIX,
  checkTokenName,
  constantTimeEqual,
  formatSignInCode,
  hashToken,
  MAX_API_TOKENS,
  looksLikeToken,
  newApiToken,
  newSignInCode,
  normaliseSignInCode,
  randomToken,
} from '../auth/crypto.ts';
import { signInCookieMinutes } from '../auth/config.ts';
import { createMailer, type Mailer } from '../auth/mailer.ts';
import { safeNextPath } from '../auth/next-path.ts';
import { authFor, type AuthService } from '../auth/service.ts';
import { completeSignIn } from '../auth/sign-in.ts';
import * as store from '../auth/store.ts';
import { checkEmail, describeAllowedDomains, SUB_ADDRESS_REFUSED } from '../domain/email-domains.ts';
import { formatDateTime } from '../web/format.ts';
import { TooManyRequestsError } from './access.ts';
import { registerOidcRoutes } from './oidc-routes.ts';
import { formBody, sendFormPage, uuidParams } from './forms.ts';
import { SERVICE_NAME } from './render.ts';
import type { RouteContext } from './route-context.ts';

/** Codes that may be entered for one link in other browsers; a wrong one after this spends the link. */
export const SIGN_IN_CODE_ATTEMPTS = 5;

const NEXT_SCHEMA = { type: 'string', maxLength: 512, description: 'must be a path on this site' } as const;

const signInQuerySchema = {
  type: 'object',
  properties: { next: NEXT_SCHEMA },
} as const;

const signInBodySchema = formBody(
  { email: { type: 'string', maxLength: 320, description: 'must be an email address' }, next: NEXT_SCHEMA },
  ['email'],
);

const TOKEN_SCHEMA = {
  type: 'string',
  minLength: 1,
  maxLength: 128,
  pattern: '^[A-Za-z0-9_-]+$',
  description: 'must be the code from your sign-in link',
} as const;

const verifyQuerySchema = {
  type: 'object',
  required: ['token'],
  properties: { token: TOKEN_SCHEMA },
} as const;

const verifyBodySchema = formBody(
  {
    token: TOKEN_SCHEMA,
    // The code asked for in another browser (ADR 0033); checked by normaliseSignInCode.
    code: { type: 'string', maxLength: 40, description: 'must be the 6-character sign-in code' },
  },
  ['token'],
);

const tokenNameBodySchema = formBody(
  { name: { type: 'string', maxLength: 200, description: 'must be at most 60 characters' } },
  ['name'],
);

const TOKEN_ID_PARAMS = uuidParams('must be a token id');

const LOOPBACK = /^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/;

/**
 * The origin to put in emailed links: PUBLIC_URL, else (development) the request's own origin when it is
 * this machine. A forged Host header never chooses where a link points.
 */
export function linkOrigin(auth: AuthService, request: FastifyRequest): string | null {
  if (auth.config.publicUrl) return auth.config.publicUrl;
  const host = request.headers.host;
  if (typeof host === 'string' && LOOPBACK.test(host)) return `${request.protocol}://${host}`;
  return null;
}

function dateText(d: Date | null): string {
  return d ? formatDateTime(d.toISOString()) : 'Never';
}

export function registerAuthRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const auth = authFor(ctx.deps);
  let mailer: Mailer | null = null;
  const mail = () => (mailer ??= createMailer(auth.config, ctx.deps.config.dataDir));
  const domainsText = describeAllowedDomains(auth.config.allowedDomains);

  async function renderSignIn(
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    opts: { next: string; email: string; error: string | null },
  ) {
    const csrfToken = await auth.csrfToken(request, reply);
    const oidcHref = ctx.deps.oidc
      ? `/sign-in/oidc${opts.next === '/' ? '' : `?next=${encodeURIComponent(opts.next)}`}`
      : null;
    const page = ctx.renderer.page('auth/sign-in.njk', {
      pageTitle: opts.error ? 'Error: Sign in' : 'Sign in',
      view: { csrfToken, next: opts.next, email: opts.email, error: opts.error, domainsText, oidcHref },
    });
    return sendFormPage(reply, status, page);
  }

  function linkProblem(reply: FastifyReply, status: number, heading: string, message: string) {
    const page = ctx.renderer.page('auth/link-problem.njk', {
      pageTitle: heading,
      view: { heading, message },
    });
    return sendFormPage(reply, status, page);
  }

  app.get(
    '/sign-in',
    { config: { access: 'public' }, schema: { querystring: signInQuerySchema } },
    async (request, reply) => {
      const next = safeNextPath((request.query as { next?: string }).next);
      if (request.viewer.signedIn) return reply.redirect(next, 303);
      return renderSignIn(request, reply, 200, { next, email: '', error: null });
    },
  );

  app.post(
    '/sign-in',
    { config: { access: 'public' }, schema: { body: signInBodySchema } },
    async (request, reply) => {
      const body = request.body as { email: string; next?: string };
      const next = safeNextPath(body.next);
      const now = auth.now().getTime();
      const clientKey = `ip|${request.ip}`;
      if (!auth.clientLimiter.hit(clientKey, now)) {
        await auth.audit(request, {
          action: 'sign-in.request',
          target: null,
          outcome: 'refused',
          detail: 'rate limit (client)',
        });
        throw new TooManyRequestsError(auth.clientLimiter.retryAfterSeconds(clientKey, now));
      }
      const checked = checkEmail(body.email, auth.config.allowedDomains);
      if (!checked.ok) {
        // The allow-list is public, so saying an address is outside it reveals nothing about accounts.
        const error =
          checked.problem === 'domain-not-allowed'
            ? `You can only sign in with an email address ending ${domainsText}`
            : checked.problem === 'sub-address'
              ? `Enter your email address without the +tag: ${SUB_ADDRESS_REFUSED}`
              : checked.problem === 'empty'
                ? 'Enter your NHS email address'
                : `Enter an email address in the correct format, like name@nhs.net`;
        if (checked.problem === 'domain-not-allowed') {
          await auth.audit(request, {
            action: 'sign-in.request',
            target: `domain:${checked.domain}`,
            outcome: 'refused',
            detail: 'domain not allowed',
          });
        }
        const shown = typeof body.email === 'string' ? body.email.slice(0, 320) : '';
        return renderSignIn(request, reply, 400, { next, email: shown, error });
      }
      const emailKey = `email|${await auth.emailHash(checked.email)}`;
      if (!auth.emailLimiter.hit(emailKey, now)) {
        await auth.audit(request, {
          action: 'sign-in.request',
          target: `email-hash:${await auth.emailHash(checked.email)}`,
          outcome: 'refused',
          detail: 'rate limit (address)',
        });
        throw new TooManyRequestsError(auth.emailLimiter.retryAfterSeconds(emailKey, now));
      }
      const user = await store.findUserByEmail(auth.db, checked.email);
      const target = user ? `user:${user.userId}` : `email-hash:${await auth.emailHash(checked.email)}`;
      // The code shown to this browser alone, asked for when the link is opened elsewhere (ADR 0033). A
      // disabled user's page shows one too, so the page does not tell whether a link was sent.
      const code = newSignInCode();
      const view = {
        email: checked.email,
        minutes: auth.config.linkMinutes,
        developmentMode: auth.config.smtpUrl === null,
        code: formatSignInCode(code),
      };
      const checkPage = () =>
        sendFormPage(
          reply,
          200,
          ctx.renderer.page('auth/check-email.njk', { pageTitle: 'Check your email', view }),
        );
      if (user && user.status !== 'active') {
        // Same answer as for anyone else: whether an account exists or is disabled is not told here.
        await auth.audit(request, {
          actorUserId: user.userId,
          action: 'sign-in.request',
          target,
          outcome: 'refused',
          detail: 'account disabled',
        });
        return checkPage();
      }
      const origin = linkOrigin(auth, request);
      if (origin === null) {
        request.log.error(
          'PUBLIC_URL is not set: cannot build a sign-in link for a request from another host',
        );
        return linkProblem(
          reply,
          503,
          'Sign-in is not available',
          'This service is not set up to send sign-in links yet (its public address is not configured).',
        );
      }
      // The browser that asked is recognised by a random binding kept in an httpOnly cookie: there the link
      // signs in at once; anywhere else it needs the code.
      let binding = auth.readCookie(request, 'signin');
      if (!binding) {
        binding = randomToken();
        reply.setCookie(
          auth.cookieName('signin'),
          binding,
          auth.cookieOptions(signInCookieMinutes(auth.config) * 60),
        );
      }
      const token = randomToken();
      const tokenHash = hashToken(token);
      const created = auth.now();
      await store.insertLink(await auth.linkDb(), {
        tokenHash,
        email: checked.email,
        browserHash: hashToken(binding),
        nextPath: next,
        now: created,
        expiresAt: new Date(created.getTime() + auth.config.linkMinutes * 60_000),
        codeHash: await auth.signInCodeHash(tokenHash, code),
      });
      try {
        await mail().sendSignInLink(
          {
            to: checked.email,
            link: `${origin}/sign-in/verify?token=${token}`,
            minutes: auth.config.linkMinutes,
            serviceName: SERVICE_NAME,
          },
          request.log,
        );
      } catch (err) {
        request.log.error({ err: { message: (err as Error).message } }, 'could not send the sign-in email');
        await auth.audit(request, {
          action: 'sign-in.request',
          target,
          outcome: 'failure',
          detail: 'email not sent',
        });
        return linkProblem(
          reply,
          503,
          'We could not send your sign-in link',
          'The email could not be sent. Try again in a few minutes.',
        );
      }
      await auth.audit(request, {
        action: 'sign-in.request',
        target,
        outcome: 'success',
        detail: 'link sent',
      });
      return checkPage();
    },
  );

  type Refusal = keyof typeof REFUSALS;

  /**
   * Why a link cannot be used now (reason), or null when it can: at once in the browser that asked for it
   * (sameBrowser), elsewhere with its code.
   */
  async function checkLink(
    request: FastifyRequest,
    token: string,
  ): Promise<{ link: store.SignInLink | null; reason: Refusal | null; sameBrowser: boolean }> {
    if (!looksLikeToken(token)) return { link: null, reason: 'invalid', sameBrowser: false };
    const hash = hashToken(token);
    const link = await store.findLink(await auth.linkDb(), hash);
    if (!link || !constantTimeEqual(link.tokenHash, hash))
      return { link: null, reason: 'invalid', sameBrowser: false };
    const binding = auth.readCookie(request, 'signin');
    const sameBrowser = binding !== null && constantTimeEqual(hashToken(binding), link.browserHash);
    if (link.usedAt) {
      // Spent by wrong codes (store.spendLink forgets the code), not by a sign-in.
      const spent = link.codeHash === null && link.codeAttempts >= SIGN_IN_CODE_ATTEMPTS;
      return { link, reason: spent ? 'spent' : 'used', sameBrowser };
    }
    if (link.expiresAt.getTime() <= auth.now().getTime()) return { link, reason: 'expired', sameBrowser };
    // Links made before codes existed (app-state migration 0002) work in the asking browser only.
    if (!sameBrowser && link.codeHash === null) return { link, reason: 'browser', sameBrowser };
    return { link, reason: null, sameBrowser };
  }

  const REFUSALS = {
    invalid: [
      'This sign-in link is not valid',
      'The link is not one we sent, or it was not copied completely.',
    ],
    used: ['This sign-in link has already been used', 'Each link works once. Ask for a new one.'],
    expired: [
      'This sign-in link has expired',
      `Links work for ${auth.config.linkMinutes} minutes. Ask for a new one.`,
    ],
    spent: [
      'This sign-in link has been cancelled',
      `The code for this link was entered wrongly ${SIGN_IN_CODE_ATTEMPTS} times, so for your security the ` +
        'link no longer works, in any browser. Ask for a new one.',
    ],
    browser: [
      'Open the link in the browser you asked for it from',
      'This link was sent before sign-in codes were introduced, so it only works in the browser where you ' +
        'entered your email address. Open it there, or ask for a new link in this browser.',
    ],
  } as const;

  /** Who a link is for, for the audit log: the user's id, else a keyed hash of the address (never the address). */
  async function linkTarget(link: store.SignInLink | null) {
    const user = link ? await store.findUserByEmail(auth.db, link.email) : null;
    const target = user
      ? `user:${user.userId}`
      : link
        ? `email-hash:${await auth.emailHash(link.email)}`
        : null;
    return { actorUserId: user?.userId ?? null, target };
  }

  async function refuse(
    request: FastifyRequest,
    reply: FastifyReply,
    link: store.SignInLink | null,
    reason: Refusal,
  ) {
    await auth.audit(request, {
      ...(await linkTarget(link)),
      action: 'sign-in',
      outcome: 'refused',
      detail: `email-link: ${reason}`,
    });
    const [heading, message] = REFUSALS[reason];
    return linkProblem(reply, 400, heading, message);
  }

  /** The form asking for the link's code, in a browser other than the one that asked for the link. */
  async function codePage(
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    opts: { token: string; error: string | null; code?: string },
  ) {
    const csrfToken = await auth.csrfToken(request, reply);
    const page = ctx.renderer.page('auth/verify-code.njk', {
      pageTitle: opts.error ? 'Error: Enter your sign-in code' : 'Enter your sign-in code',
      view: {
        token: opts.token,
        csrfToken,
        error: opts.error,
        code: opts.code ?? '',
      },
    });
    return sendFormPage(reply, status, page);
  }

  app.get(
    '/sign-in/verify',
    { config: { access: 'public' }, schema: { querystring: verifyQuerySchema } },
    async (request, reply) => {
      const { token } = request.query as { token: string };
      const { link, reason, sameBrowser } = await checkLink(request, token);
      if (reason !== null) return refuse(request, reply, link, reason);
      if (!sameBrowser) return codePage(request, reply, 200, { token, error: null });
      const csrfToken = await auth.csrfToken(request, reply);
      const page = ctx.renderer.page('auth/verify.njk', {
        pageTitle: 'Sign in',
        view: { token, csrfToken },
      });
      return sendFormPage(reply, 200, page);
    },
  );

  app.post(
    '/sign-in/verify',
    { config: { access: 'public' }, schema: { body: verifyBodySchema } },
    async (request, reply) => {
      const { token, code: typed } = request.body as { token: string; code?: string };
      const { link, reason, sameBrowser } = await checkLink(request, token);
      if (reason !== null || link === null) return refuse(request, reply, link, reason ?? 'invalid');
      const linkDb = await auth.linkDb();
      if (sameBrowser) {
        // Once: only the first request to get here while the link is valid goes on.
        if (!(await store.consumeLink(linkDb, link.tokenHash, auth.now()))) {
          return refuse(request, reply, link, 'used');
        }
        reply.clearCookie(auth.cookieName('signin'), auth.cookieOptions());
        return completeSignIn(ctx, request, reply, {
          email: link.email,
          method: 'email-link',
          next: link.nextPath,
        });
      }

      // Another browser: the code shown in the browser that asked (ADR 0033).
      const shown = typeof typed === 'string' ? typed.slice(0, 40) : '';
      if (shown.trim() === '') {
        return codePage(request, reply, 400, {
          token,
          error: 'Enter the sign-in code shown in the browser where you asked for the link',
        });
      }
      const code = normaliseSignInCode(typed);
      if (code === null) {
        // Not counted: it cannot be any code, so it tells a guesser nothing.
        return codePage(request, reply, 400, {
          token,
          code: shown,
          error: 'The sign-in code is 6 letters and numbers, like 7KD 4QX',
        });
      }
      const nowMs = auth.now().getTime();
      const clientKey = `ip|${request.ip}`;
      if (!auth.codeLimiter.hit(clientKey, nowMs)) {
        await auth.audit(request, {
          ...(await linkTarget(link)),
          action: 'sign-in',
          outcome: 'refused',
          detail: 'email-link: rate limit (codes from this client)',
        });
        throw new TooManyRequestsError(auth.codeLimiter.retryAfterSeconds(clientKey, nowMs));
      }
      // The attempt is taken before the code is compared, so parallel guesses get SIGN_IN_CODE_ATTEMPTS at most.
      const attempt = await store.takeCodeAttempt(linkDb, link.tokenHash, auth.now(), SIGN_IN_CODE_ATTEMPTS);
      if (attempt === null) {
        const again = await checkLink(request, token);
        return refuse(request, reply, again.link ?? link, again.reason ?? 'spent');
      }
      const right = constantTimeEqual(await auth.signInCodeHash(link.tokenHash, code), attempt.codeHash);
      if (right) {
        if (!(await store.consumeLink(linkDb, link.tokenHash, auth.now()))) {
          return refuse(request, reply, link, 'used');
        }
        return completeSignIn(ctx, request, reply, {
          email: link.email,
          method: 'email-link',
          next: link.nextPath,
          how: 'code entered in another browser',
        });
      }
      const left = SIGN_IN_CODE_ATTEMPTS - attempt.attempt;
      await auth.audit(request, {
        ...(await linkTarget(link)),
        action: 'sign-in',
        outcome: 'refused',
        detail: `email-link: wrong code (${attempt.attempt} of ${SIGN_IN_CODE_ATTEMPTS})`,
      });
      if (left <= 0) {
        await store.spendLink(linkDb, link.tokenHash, auth.now());
        const [heading, message] = REFUSALS.spent;
        return linkProblem(reply, 400, heading, message);
      }
      return codePage(request, reply, 400, {
        token,
        code: shown,
        error:
          `That is not the code for this link. Check the code in the browser where you asked for it: ` +
          `you can try ${left} more ${left === 1 ? 'time' : 'times'}`,
      });
    },
  );

  app.post('/sign-out', { config: { access: 'signed-in' } }, async (request, reply) => {
    const hash = request.credentials?.sessionHash;
    if (hash) await store.deleteSession(auth.db, hash);
    await auth.audit(request, {
      action: 'sign-out',
      target: request.viewer.userId ? `user:${request.viewer.userId}` : null,
      outcome: 'success',
      detail: null,
    });
    auth.clearSessionCookie(reply);
    return reply.header('Cache-Control', 'no-store').redirect('/', 303);
  });

  // ---- account: personal API tokens ------------------------------------------------------------------

  async function renderAccount(
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    extra: {
      error?: string | null;
      newToken?: { name: string; value: string } | null;
      notice?: string | null;
    },
  ) {
    const userId = request.viewer.userId!;
    const user = await store.findUserById(auth.db, userId);
    const tokens = await store.listApiTokens(auth.db, userId);
    const csrfToken = await auth.csrfToken(request, reply);
    const view = {
      csrfToken,
      email: user?.email ?? null,
      role: request.viewer.role === 'admin' ? 'Admin' : 'Viewer',
      viaToken: request.viewer.via === 'token',
      error: extra.error ?? null,
      notice: extra.notice ?? null,
      newToken: extra.newToken ?? null,
      tokenPrefix: API_TOKEN_PREFIX,
      tokens: tokens.map((t) => ({
        id: t.tokenId,
        name: t.name,
        created: dateText(t.createdAt),
        lastUsed: dateText(t.lastUsedAt),
        revoked: t.revokedAt ? dateText(t.revokedAt) : null,
      })),
      maxTokens: MAX_API_TOKENS,
    };
    const title = extra.newToken ? 'Your new API token' : 'Your account';
    const page = ctx.renderer.page(
      'account.njk',
      { pageTitle: extra.error ? `Error: ${title}` : title, view },
      '/account',
    );
    return sendFormPage(reply, status, page);
  }

  app.get('/account', { config: { access: 'signed-in' } }, async (request, reply) =>
    renderAccount(request, reply, 200, {}),
  );

  app.post(
    '/account/tokens',
    { config: { access: 'signed-in' }, schema: { body: tokenNameBodySchema } },
    async (request, reply) => {
      const userId = request.viewer.userId!;
      const checked = checkTokenName((request.body as { name: string }).name);
      if (!checked.ok) return renderAccount(request, reply, 400, { error: checked.problem });
      const name = checked.name;
      if ((await store.countLiveApiTokens(auth.db, userId)) >= MAX_API_TOKENS) {
        return renderAccount(request, reply, 400, {
          error: `You have ${MAX_API_TOKENS} tokens already: revoke one you no longer use first`,
        });
      }
      const value = newApiToken();
      const tokenId = await store.insertApiToken(auth.db, {
        tokenHash: hashToken(value),
        userId,
        name,
        now: auth.now(),
      });
      await auth.audit(request, {
        action: 'token.create',
        target: `token:${tokenId}`,
        outcome: 'success',
        detail: null,
      });
      return renderAccount(request, reply, 200, { newToken: { name, value } });
    },
  );

  app.post(
    '/account/tokens/:id/revoke',
    { config: { access: 'signed-in' }, schema: { params: TOKEN_ID_PARAMS } },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const revoked = await store.revokeApiToken(auth.db, id, request.viewer.userId!, auth.now());
      await auth.audit(request, {
        action: 'token.revoke',
        target: `token:${id}`,
        outcome: revoked ? 'success' : 'refused',
        detail: revoked ? null : 'not your token, or already revoked',
      });
      if (!revoked) return renderAccount(request, reply, 404, { error: 'There is no such token to revoke' });
      return reply.header('Cache-Control', 'no-store').redirect('/account', 303);
    },
  );

  registerOidcRoutes(app, ctx);
}
