/**
 * Sign-in by OpenID Connect (issue 5, item 3): Okta, Microsoft Entra ID and NHS CIS2 are all OpenID
 * providers. Authorisation code flow with PKCE (S256), `state` and `nonce`, on `openid-client` v6, which
 * validates the ID token (signature against the provider's published keys, issuer, audience, expiry, nonce).
 * This module only proves who the user is; the allow-list, user, session and audit are the caller's
 * (src/auth/sign-in.ts). Design: docs/adr/0014-openid-connect.md.
 *
 * Errors are OidcError with a `kind` and a message safe to show: never a token, code or provider text.
 */
import { timingSafeEqual } from 'node:crypto';
import * as client from 'openid-client';

export interface OidcConfig {
  /** Issuer identifier; discovery reads `<issuer>/.well-known/openid-configuration`. */
  issuer: URL;
  clientId: string;
  /** Null for a public client (PKCE only, no client authentication). */
  clientSecret: string | null;
  /** Where the provider sends the user back: PUBLIC_URL + /sign-in/oidc/callback unless OIDC_REDIRECT_URI. */
  redirectUri: URL;
  /** Space-separated scopes; always includes `openid`. */
  scopes: string;
  /** The claim holding the user's email address (`email`; Entra ID may need `preferred_username` or `upn`). */
  emailClaim: string;
}

export class OidcConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OidcConfigError';
  }
}

export const DEFAULT_OIDC_SCOPES = 'openid email profile';
export const DEFAULT_OIDC_EMAIL_CLAIM = 'email';
export const OIDC_CALLBACK_PATH = '/sign-in/oidc/callback';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Plain HTTP is allowed only to this machine (development and tests); anything else must be HTTPS. */
export function isLoopback(url: URL): boolean {
  return LOOPBACK_HOSTS.has(url.hostname);
}

function parseUrl(name: string, raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new OidcConfigError(`${name} must be an absolute web address, got "${raw}"`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url))) {
    throw new OidcConfigError(`${name} must use https (plain http only for localhost), got "${raw}"`);
  }
  if (url.username || url.password)
    throw new OidcConfigError(`${name} must not contain a user name or password`);
  return url;
}

/** The OpenID Connect settings, or null when OIDC_ISSUER is unset (OIDC sign-in off). */
export function loadOidcConfig(env: NodeJS.ProcessEnv = process.env): OidcConfig | null {
  const value = (name: string): string | undefined => {
    const raw = env[name]?.trim();
    return raw === undefined || raw === '' ? undefined : raw;
  };
  const issuerRaw = value('OIDC_ISSUER');
  if (issuerRaw === undefined) return null;
  const issuer = parseUrl('OIDC_ISSUER', issuerRaw);

  const clientId = value('OIDC_CLIENT_ID');
  if (clientId === undefined) throw new OidcConfigError('OIDC_CLIENT_ID must be set when OIDC_ISSUER is set');

  let redirectUri: URL;
  const redirectRaw = value('OIDC_REDIRECT_URI');
  if (redirectRaw !== undefined) {
    redirectUri = parseUrl('OIDC_REDIRECT_URI', redirectRaw);
  } else {
    const publicUrl = value('PUBLIC_URL');
    if (publicUrl === undefined) {
      throw new OidcConfigError(
        'PUBLIC_URL (the address users reach the service at) or OIDC_REDIRECT_URI must be set when OIDC_ISSUER is set',
      );
    }
    const base = parseUrl('PUBLIC_URL', publicUrl);
    redirectUri = new URL(base.pathname.replace(/\/+$/, '') + OIDC_CALLBACK_PATH, base.origin);
  }
  if (redirectUri.search || redirectUri.hash) {
    throw new OidcConfigError('OIDC_REDIRECT_URI must not have a query or fragment');
  }

  const scopeList = (value('OIDC_SCOPES') ?? DEFAULT_OIDC_SCOPES).split(/[\s,]+/).filter(Boolean);
  for (const scope of scopeList) {
    if (!/^[\x21\x23-\x5B\x5D-\x7E]{1,100}$/.test(scope))
      throw new OidcConfigError(`OIDC_SCOPES has a scope that is not allowed: "${scope}"`);
  }
  if (!scopeList.includes('openid')) scopeList.unshift('openid');

  const emailClaim = value('OIDC_EMAIL_CLAIM') ?? DEFAULT_OIDC_EMAIL_CLAIM;
  if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(emailClaim)) {
    throw new OidcConfigError(`OIDC_EMAIL_CLAIM must be a claim name such as "email", got "${emailClaim}"`);
  }

  return {
    issuer,
    clientId,
    clientSecret: value('OIDC_CLIENT_SECRET') ?? null,
    redirectUri,
    scopes: [...new Set(scopeList)].join(' '),
    emailClaim,
  };
}

/** Why an OpenID sign-in failed. Each kind has a fixed message safe to show and log. */
export type OidcErrorKind =
  /** The provider could not be reached, or its discovery document was unusable. */
  | 'unavailable'
  /** No saved flow (cookie missing or expired): the user took too long, or the request was not started here. */
  | 'missing_flow'
  /** The `state` returned does not match the one saved in this browser (possible login CSRF). */
  | 'state_mismatch'
  /** The provider answered with an `error` parameter (e.g. access_denied when the user cancelled). */
  | 'provider_error'
  /** The ID token's nonce does not match the one saved in this browser (possible token injection). */
  | 'nonce_mismatch'
  /** The token endpoint refused the code (used before, expired, or PKCE verifier wrong). */
  | 'invalid_grant'
  /** The ID token failed validation: signature, issuer, audience, expiry. */
  | 'invalid_id_token'
  /** No usable email address in the configured claim. */
  | 'no_email'
  /** The provider says the email address is not verified (email_verified false). */
  | 'email_unverified'
  /** Anything else the provider got wrong. */
  | 'failed';

const MESSAGES: Record<OidcErrorKind, { status: number; message: string }> = {
  unavailable: {
    status: 503,
    message: 'Sign-in with your organisation account is not available at the moment. Try again later.',
  },
  missing_flow: {
    status: 400,
    message: 'Your sign-in took too long or was not started from this browser. Start again.',
  },
  state_mismatch: {
    status: 400,
    message: 'Your sign-in could not be matched to this browser. Start again.',
  },
  provider_error: {
    status: 401,
    message: 'Your organisation did not sign you in. Start again, or contact your IT service desk.',
  },
  nonce_mismatch: {
    status: 400,
    message: 'Your sign-in could not be matched to this browser. Start again.',
  },
  invalid_grant: {
    status: 400,
    message: 'This sign-in has already been used or has expired. Start again.',
  },
  invalid_id_token: {
    status: 401,
    message: 'The answer from your organisation could not be verified. Start again.',
  },
  no_email: {
    status: 403,
    message: 'Your organisation account did not give us an email address, so we cannot sign you in.',
  },
  email_unverified: {
    status: 403,
    message: 'Your organisation has not verified your email address, so we cannot sign you in.',
  },
  failed: {
    status: 502,
    message: 'Something went wrong signing you in with your organisation account. Try again later.',
  },
};

export class OidcError extends Error {
  readonly kind: OidcErrorKind;
  readonly statusCode: number;
  /** A short machine code for logs (an OAuth error code or openid-client code), never a value sent to us. */
  readonly detail: string | null;
  constructor(kind: OidcErrorKind, detail: string | null = null) {
    super(MESSAGES[kind].message);
    this.name = 'OidcError';
    this.kind = kind;
    this.statusCode = MESSAGES[kind].status;
    this.detail = detail;
  }
}

/** What the browser keeps between begin() and complete() (in a short-lived httpOnly cookie). */
export interface OidcFlowState {
  state: string;
  nonce: string;
  codeVerifier: string;
}

export interface OidcIdentity {
  /** The address in the configured claim, trimmed (not yet checked against the allow-list). */
  email: string;
  /** The provider's `email_verified`, or null when it does not say (Entra ID, CIS2). */
  emailVerified: boolean | null;
  /** The provider's stable subject identifier. */
  subject: string;
}

export interface OidcClient {
  readonly config: OidcConfig;
  /** 'unknown' before the first discovery attempt, then whether the provider's metadata was loaded. */
  status(): 'unknown' | 'ready' | 'unavailable';
  /** Runs discovery now (e.g. at start-up); false when the provider is unreachable. Never throws. */
  warmUp(): Promise<boolean>;
  /** A new flow: the provider's authorisation URL and the values to keep in the browser. */
  begin(): Promise<OidcFlowState & { url: URL }>;
  /** Completes a flow from the callback address; throws OidcError. */
  complete(callbackUrl: URL, saved: OidcFlowState): Promise<OidcIdentity>;
}

export interface OidcClientOptions {
  /** Seconds to wait for the provider (discovery, token, UserInfo). Default 10. */
  timeoutSeconds?: number;
  /** After a failed discovery, seconds before trying again (so a dead provider is not hammered). Default 30. */
  retryAfterSeconds?: number;
  /** Clock, for the retry delay only (ID token times use the real clock inside openid-client). */
  now?: () => number;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function isNetworkError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === 'AbortError' || err.name === 'TimeoutError') return true;
  return err instanceof TypeError && /fetch failed/i.test(err.message);
}

// openid-client's error codes (oauth4webapi's; not all re-exported as constants).
const JWT_CLAIM_COMPARISON = 'OAUTH_JWT_CLAIM_COMPARISON_FAILED';
const JWT_TIMESTAMP_CHECK = 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED';
const KEY_SELECTION = 'OAUTH_KEY_SELECTION_FAILED';

const SAFE_CODE = /^[A-Za-z0-9_.-]{1,64}$/;

function safeCode(code: unknown): string | null {
  return typeof code === 'string' && SAFE_CODE.test(code) ? code : null;
}

/** The error and its causes (openid-client wraps oauth4webapi's errors, whose cause names the claim). */
function causeChain(err: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e = err; e !== undefined && e !== null && chain.length < 4; e = (e as { cause?: unknown }).cause) {
    chain.push(e);
    if (typeof e !== 'object') break;
  }
  return chain;
}

/** Maps whatever openid-client threw during the callback to an OidcError, keeping nothing sent to us. */
function toOidcError(err: unknown): OidcError {
  if (err instanceof OidcError) return err;
  if (err instanceof client.AuthorizationResponseError)
    return new OidcError('provider_error', safeCode(err.error));
  if (err instanceof client.ResponseBodyError) {
    return new OidcError(err.error === 'invalid_grant' ? 'invalid_grant' : 'failed', safeCode(err.error));
  }
  if (isNetworkError(err)) return new OidcError('unavailable', 'network');
  if (!(err instanceof Error)) return new OidcError('failed', null);
  const chain = causeChain(err);
  const code = (err as { code?: unknown }).code;
  const claim = chain
    .map((e) => (e && typeof e === 'object' ? (e as { claim?: unknown }).claim : undefined))
    .find((c) => c !== undefined);
  const detail = [safeCode(code), safeCode(claim)].filter(Boolean).join(':') || null;
  if (code === JWT_CLAIM_COMPARISON && claim === 'nonce') return new OidcError('nonce_mismatch', detail);
  const signatureFailed = chain.some((e) => e instanceof Error && /signature/i.test(e.message));
  if (
    code === JWT_CLAIM_COMPARISON ||
    code === JWT_TIMESTAMP_CHECK ||
    code === KEY_SELECTION ||
    signatureFailed
  ) {
    return new OidcError('invalid_id_token', signatureFailed ? 'signature' : detail);
  }
  return new OidcError('failed', detail);
}

const MAX_EMAIL_LENGTH = 254;

function readEmail(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const email = value.trim();
  if (email.length === 0 || email.length > MAX_EMAIL_LENGTH) return null;
  // One @, something either side, no spaces or control characters: the allow-list checks the domain.
  if ([...email].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f)) return null;
  if (!/^[^\s@]+@[^\s@]+$/.test(email)) return null;
  return email;
}

function readVerified(value: unknown): boolean | null {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  return null;
}

export function createOidcClient(config: OidcConfig, options: OidcClientOptions = {}): OidcClient {
  const timeout = options.timeoutSeconds ?? 10;
  const retryAfterMs = (options.retryAfterSeconds ?? 30) * 1000;
  const now = options.now ?? Date.now;
  let discovered: Promise<client.Configuration> | null = null;
  let failedAt: number | null = null;
  let state: 'unknown' | 'ready' | 'unavailable' = 'unknown';

  function discover(): Promise<client.Configuration> {
    if (discovered !== null) return discovered;
    if (failedAt !== null && now() - failedAt < retryAfterMs) {
      return Promise.reject(new OidcError('unavailable', 'discovery-failed-recently'));
    }
    const auth = config.clientSecret === null ? client.None() : client.ClientSecretBasic(config.clientSecret);
    const attempt = client
      .discovery(config.issuer, config.clientId, undefined, auth, {
        timeout,
        execute: [
          // Check the ID token's signature against the provider's published keys too, not only TLS (which
          // openid-client would otherwise accept for a token fetched directly from the token endpoint).
          client.enableNonRepudiationChecks,
          ...(config.issuer.protocol === 'http:' && isLoopback(config.issuer)
            ? [client.allowInsecureRequests]
            : []),
        ],
      })
      .then(
        (configuration) => {
          state = 'ready';
          failedAt = null;
          return configuration;
        },
        (err: unknown) => {
          state = 'unavailable';
          failedAt = now();
          discovered = null;
          const code =
            err instanceof Error && 'code' in err ? safeCode((err as { code: unknown }).code) : null;
          throw new OidcError('unavailable', code ?? (isNetworkError(err) ? 'network' : 'discovery'));
        },
      );
    discovered = attempt;
    return attempt;
  }

  return {
    config,
    status: () => state,
    async warmUp() {
      try {
        await discover();
        return true;
      } catch {
        return false;
      }
    },
    async begin() {
      const configuration = await discover();
      const codeVerifier = client.randomPKCECodeVerifier();
      const codeChallenge = await client.calculatePKCECodeChallenge(codeVerifier);
      const flow: OidcFlowState = {
        state: client.randomState(),
        nonce: client.randomNonce(),
        codeVerifier,
      };
      const url = client.buildAuthorizationUrl(configuration, {
        redirect_uri: config.redirectUri.href,
        scope: config.scopes,
        response_type: 'code',
        code_challenge: codeChallenge,
        code_challenge_method: 'S256',
        state: flow.state,
        nonce: flow.nonce,
      });
      return { ...flow, url };
    },
    async complete(callbackUrl, saved) {
      const configuration = await discover();
      // Only the response parameters are taken from the request: the address itself is always the configured
      // redirect URI (behind a proxy the request's own host may differ, and the token request must repeat it).
      const current = new URL(config.redirectUri.href);
      current.search = callbackUrl.search;
      const returnedState = current.searchParams.get('state');
      if (returnedState === null || !sameSecret(returnedState, saved.state)) {
        throw new OidcError('state_mismatch');
      }
      if (current.searchParams.has('error')) {
        throw new OidcError('provider_error', safeCode(current.searchParams.get('error')));
      }
      try {
        const tokens = await client.authorizationCodeGrant(configuration, current, {
          pkceCodeVerifier: saved.codeVerifier,
          expectedState: saved.state,
          expectedNonce: saved.nonce,
          idTokenExpected: true,
        });
        const idClaims = tokens.claims();
        if (idClaims === undefined) throw new OidcError('invalid_id_token', 'no-id-token');
        const subject = idClaims.sub;
        let claims: Record<string, unknown> = idClaims;
        if (claims[config.emailClaim] === undefined && configuration.serverMetadata().userinfo_endpoint) {
          // Conformant providers put profile claims in UserInfo when an access token is issued.
          claims = await client.fetchUserInfo(configuration, tokens.access_token, subject);
        }
        const email = readEmail(claims[config.emailClaim]);
        if (email === null) throw new OidcError('no_email', config.emailClaim);
        const emailVerified = config.emailClaim === 'email' ? readVerified(claims.email_verified) : null;
        if (emailVerified === false) throw new OidcError('email_unverified');
        return { email, emailVerified, subject };
      } catch (err) {
        throw toOidcError(err);
      }
    },
  };
}
