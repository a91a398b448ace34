/**
 * A real OpenID provider on localhost for tests: the certified `oidc-provider` package, with one client,
 * PKCE required, accounts chosen by the test, and an interaction that signs the chosen account in at once
 * (no login form). Hooks let a test act as a broken or hostile provider: deny the request, rewrite the next
 * ID token (re-signed with the provider's real key, so only the claim is wrong), or publish a different key
 * under the same key id (a forged signature).
 *
 * Test-only: `oidc-provider` is a devDependency. `oidc-provider` warns on Node 20 ("Unsupported runtime");
 * it works.
 */
import {
  createHash,
  createPrivateKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  type JsonWebKey,
} from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

/** The claims of a test account; `sub` identifies it. */
export interface TestAccount {
  sub: string;
  email?: string;
  email_verified?: boolean | string;
  name?: string;
  preferred_username?: string;
  upn?: string;
}

export interface TestProviderOptions {
  /** Where the client may be sent back to (exact match, as the provider requires). */
  redirectUris: string[];
  clientId?: string;
  /** The client secret; null registers a public client (no secret, PKCE only). Default: a random secret. */
  clientSecret?: string | null;
  /**
   * Where the email claims go. 'userinfo' (the default, as `oidc-provider` conforms to the specification
   * when an access token is also issued): the ID token carries only `sub`, and email comes from UserInfo.
   * 'id_token': the ID token carries every claim the scopes allow (as Okta and Entra ID commonly do).
   */
  claimsIn?: 'userinfo' | 'id_token';
  /** Lifetime of ID tokens, in seconds (default 3600). */
  idTokenTtlSeconds?: number;
}

export type IdTokenClaims = Record<string, unknown>;

export interface TestProvider {
  /** The issuer identifier, e.g. http://127.0.0.1:41234 */
  issuer: string;
  clientId: string;
  clientSecret: string | null;
  /** The account the next sign-in (every sign-in until changed) logs in as; null denies (access_denied). */
  signInAs(account: TestAccount | null): void;
  /** Rewrites the claims of the next ID token issued (one shot), re-signed with the provider's real key. */
  tamperNextIdToken(change: (claims: IdTokenClaims) => IdTokenClaims): void;
  /** Publishes a different key under the real key's id (true) or the real key set again (false). */
  forgeJwks(forged: boolean): void;
  /** How many interactions (sign-ins at the provider) have run. */
  interactions(): number;
  close(): Promise<void>;
}

const KEY_ID = 'test-signing-key';

function rsaJwk(): JsonWebKey {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: KEY_ID, alg: 'RS256', use: 'sig' };
}

function publicPart(jwk: JsonWebKey): JsonWebKey {
  return { kty: jwk.kty, n: jwk.n, e: jwk.e, kid: jwk.kid, alg: jwk.alg, use: jwk.use };
}

function b64urlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Re-signs a compact RS256 JWS with new claims, keeping its header. */
function resign(jwt: string, change: (claims: IdTokenClaims) => IdTokenClaims, jwk: JsonWebKey): string {
  const [header, payload] = jwt.split('.');
  if (header === undefined || payload === undefined) throw new Error('not a compact JWS');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as IdTokenClaims;
  const input = `${header}.${b64urlJson(change(claims))}`;
  const signature = sign('sha256', Buffer.from(input), createPrivateKey({ key: jwk, format: 'jwk' }));
  return `${input}.${signature.toString('base64url')}`;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

/** Starts a provider on 127.0.0.1 on a free port. Close it with `close()`. */
export async function startTestProvider(options: TestProviderOptions): Promise<TestProvider> {
  const clientId = options.clientId ?? 'nhs-app-analytics-test';
  const clientSecret =
    options.clientSecret === undefined ? randomBytes(24).toString('base64url') : options.clientSecret;
  const signingKey = rsaJwk();
  const forgedKey = publicPart(rsaJwk());
  let account: TestAccount | null = null;
  let tamper: ((claims: IdTokenClaims) => IdTokenClaims) | null = null;
  let forged = false;
  let interactionCount = 0;

  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | null = null;
  const server = createServer((req, res) => {
    if (handler === null) {
      res.statusCode = 503;
      res.end();
      return;
    }
    handler(req, res);
  });
  const port = await listen(server);
  const issuer = `http://127.0.0.1:${port}`;
  const accounts = new Map<string, TestAccount>();
  const ttl = options.idTokenTtlSeconds ?? 3600;

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        ...(clientSecret === null
          ? { token_endpoint_auth_method: 'none' }
          : { client_secret: clientSecret, token_endpoint_auth_method: 'client_secret_basic' }),
        redirect_uris: options.redirectUris,
        response_types: ['code'],
        grant_types: ['authorization_code'],
      },
    ],
    pkce: { required: () => true },
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username', 'upn'],
    },
    conformIdTokenClaims: options.claimsIn !== 'id_token',
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    async findAccount(_ctx: unknown, sub: string) {
      const found = accounts.get(sub);
      if (found === undefined) return undefined;
      return { accountId: sub, claims: async () => ({ ...found }) };
    },
    ttl: {
      AccessToken: 600,
      AuthorizationCode: 60,
      IdToken: ttl,
      Interaction: 600,
      Session: 600,
      Grant: 600,
    },
    async renderError(ctx: { type: string; body: unknown }, out: Record<string, unknown>) {
      ctx.type = 'application/json';
      ctx.body = out;
    },
  });

  provider.use(async (ctx, next) => {
    if (ctx.path === '/jwks' && forged) {
      ctx.status = 200;
      ctx.body = { keys: [forgedKey] };
      return;
    }
    await next();
    if (ctx.path === '/token' && ctx.method === 'POST' && ctx.status === 200 && tamper !== null) {
      const body = ctx.body as Record<string, unknown>;
      if (typeof body.id_token === 'string') {
        body.id_token = resign(body.id_token, tamper, signingKey);
        tamper = null;
      }
    }
  });

  const providerCallback = provider.callback();
  handler = (req, res) => {
    if (req.method === 'GET' && req.url?.startsWith('/interaction/')) {
      void finishInteraction(req, res).catch((err: unknown) => {
        res.statusCode = 500;
        res.end(String((err as Error).message));
      });
      return;
    }
    providerCallback(req, res);
  };

  async function finishInteraction(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    interactionCount += 1;
    if (account === null) {
      await provider.interactionFinished(
        req,
        res,
        { error: 'access_denied', error_description: 'The user cancelled the sign-in.' },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    accounts.set(account.sub, account);
    const grant = new provider.Grant({ accountId: account.sub, clientId: String(details.params.client_id) });
    grant.addOIDCScope(String(details.params.scope ?? 'openid'));
    const grantId = await grant.save();
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: account.sub }, consent: { grantId } },
      { mergeWithLastSubmission: false },
    );
  }

  return {
    issuer,
    clientId,
    clientSecret,
    signInAs(next) {
      account = next;
    },
    tamperNextIdToken(change) {
      tamper = change;
    },
    forgeJwks(value) {
      forged = value;
    },
    interactions: () => interactionCount,
    close() {
      return new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}

/** The S256 PKCE challenge of a verifier (RFC 7636), for tests that check what the client sent. */
export function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

/** A TCP port free at the moment of asking on 127.0.0.1 (for an app whose address must be known first). */
export async function freePort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A minimal browser for tests: follows redirects by hand and keeps cookies per host. */
export class TestBrowser {
  private readonly jar = new Map<string, Map<string, string>>();

  cookieHeader(url: URL): string {
    const cookies = this.jar.get(url.host);
    if (!cookies) return '';
    return [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  cookie(host: string, name: string): string | undefined {
    return this.jar.get(host)?.get(name);
  }

  setCookie(host: string, name: string, value: string): void {
    let cookies = this.jar.get(host);
    if (!cookies) this.jar.set(host, (cookies = new Map()));
    cookies.set(name, value);
  }

  /** Stores the response's cookies (an empty value or Max-Age=0 removes one). */
  keep(url: URL, response: Response): void {
    this.keepSetCookie(url.host, response.headers.getSetCookie());
  }

  keepSetCookie(host: string, lines: readonly string[]): void {
    for (const line of lines) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === '';
      if (expired) this.jar.get(host)?.delete(name);
      else this.setCookie(host, name, value);
    }
  }

  async get(url: URL): Promise<Response> {
    const cookie = this.cookieHeader(url);
    const response = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
    this.keep(url, response);
    return response;
  }

  /**
   * Follows redirects from `start` until the next hop would leave for `stopAt` (not fetched): returns that
   * address, e.g. the client's callback with `code` and `state`. Throws after 10 hops or on a non-redirect.
   */
  async followUntil(start: URL, stopAt: string): Promise<URL> {
    let url = start;
    for (let hop = 0; hop < 10; hop++) {
      if (url.href.startsWith(stopAt)) return url;
      const response = await this.get(url);
      await response.arrayBuffer();
      const location = response.headers.get('location');
      if (response.status < 300 || response.status > 399 || location === null) {
        throw new Error(`expected a redirect from ${url.pathname}, got ${response.status}`);
      }
      url = new URL(location, url);
    }
    throw new Error('too many redirects');
  }
}
