/**
 * The OpenID Connect client against a real OpenID provider (`oidc-provider`) on localhost: the happy path,
 * and a hostile or broken provider or browser at each check (state, nonce, PKCE, code reuse, ID token
 * signature, issuer, audience, expiry, email claims).
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createOidcClient,
  loadOidcConfig,
  OidcConfigError,
  OidcError,
  type OidcClient,
  type OidcConfig,
  type OidcErrorKind,
  type OidcFlowState,
} from './oidc.ts';
import {
  pkceChallenge,
  startTestProvider,
  TestBrowser,
  type TestProvider,
} from '../../test/support/oidc-test-provider.ts';

const REDIRECT = 'http://127.0.0.1:9/sign-in/oidc/callback';
const ALICE = { sub: 'alice-1', email: 'alice.smith@nhs.net', email_verified: true, name: 'Alice Smith' };

function configFor(provider: TestProvider, overrides: Partial<OidcConfig> = {}): OidcConfig {
  return {
    issuer: new URL(provider.issuer),
    clientId: provider.clientId,
    clientSecret: provider.clientSecret,
    redirectUri: new URL(REDIRECT),
    scopes: 'openid email profile',
    emailClaim: 'email',
    ...overrides,
  };
}

/** Starts a flow and signs in at the provider; returns the callback address and what the browser kept. */
async function signInAtProvider(
  oidc: OidcClient,
): Promise<{ callback: URL; saved: OidcFlowState; url: URL }> {
  const { url, ...saved } = await oidc.begin();
  const callback = await new TestBrowser().followUntil(url, REDIRECT);
  return { callback, saved, url };
}

async function failure(promise: Promise<unknown>): Promise<OidcError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof OidcError) return err;
    throw err;
  }
  throw new Error('expected an OidcError');
}

async function expectKind(
  promise: Promise<unknown>,
  kind: OidcErrorKind,
  secrets: string[] = [],
): Promise<OidcError> {
  const err = await failure(promise);
  expect(err.kind).toBe(kind);
  for (const secret of secrets) {
    expect(err.message).not.toContain(secret);
    expect(String(err.detail)).not.toContain(secret);
  }
  return err;
}

describe('loadOidcConfig', () => {
  const base = {
    OIDC_ISSUER: 'https://login.microsoftonline.com/tenant-id/v2.0',
    OIDC_CLIENT_ID: 'abc',
    PUBLIC_URL: 'https://analytics.example.nhs.uk/',
  };

  it('is off (null) when OIDC_ISSUER is unset or blank', () => {
    expect(loadOidcConfig({})).toBeNull();
    expect(loadOidcConfig({ OIDC_ISSUER: '  ', OIDC_CLIENT_ID: 'x' })).toBeNull();
  });

  it('derives the redirect address from PUBLIC_URL and applies the defaults', () => {
    const config = loadOidcConfig(base)!;
    expect(config.issuer.href).toBe('https://login.microsoftonline.com/tenant-id/v2.0');
    expect(config.redirectUri.href).toBe('https://analytics.example.nhs.uk/sign-in/oidc/callback');
    expect(config.scopes).toBe('openid email profile');
    expect(config.emailClaim).toBe('email');
    expect(config.clientSecret).toBeNull();
  });

  it('keeps a path in PUBLIC_URL and honours the explicit settings', () => {
    expect(loadOidcConfig({ ...base, PUBLIC_URL: 'https://x.nhs.uk/analytics' })!.redirectUri.href).toBe(
      'https://x.nhs.uk/analytics/sign-in/oidc/callback',
    );
    const config = loadOidcConfig({
      ...base,
      OIDC_CLIENT_SECRET: 's3cret',
      OIDC_REDIRECT_URI: 'https://other.nhs.uk/cb',
      OIDC_SCOPES: 'email profile',
      OIDC_EMAIL_CLAIM: 'preferred_username',
    })!;
    expect(config.clientSecret).toBe('s3cret');
    expect(config.redirectUri.href).toBe('https://other.nhs.uk/cb');
    expect(config.scopes).toBe('openid email profile');
    expect(config.emailClaim).toBe('preferred_username');
  });

  it.each([
    [{ ...base, OIDC_CLIENT_ID: '' }, /OIDC_CLIENT_ID/],
    [{ ...base, OIDC_ISSUER: 'http://idp.example.com' }, /OIDC_ISSUER must use https/],
    [{ ...base, OIDC_ISSUER: 'not a url' }, /OIDC_ISSUER must be an absolute/],
    [{ ...base, PUBLIC_URL: undefined }, /PUBLIC_URL/],
    [{ ...base, PUBLIC_URL: 'http://analytics.nhs.uk' }, /PUBLIC_URL must use https/],
    [{ ...base, OIDC_REDIRECT_URI: 'https://x.nhs.uk/cb?a=1' }, /query/],
    [{ ...base, OIDC_EMAIL_CLAIM: 'email; drop' }, /OIDC_EMAIL_CLAIM/],
    [{ ...base, OIDC_SCOPES: 'openid "x"' }, /OIDC_SCOPES/],
  ])('refuses a bad setting %#', (env, message) => {
    expect(() => loadOidcConfig(env)).toThrow(OidcConfigError);
    expect(() => loadOidcConfig(env)).toThrow(message);
  });

  it('allows plain http only to this machine', () => {
    const config = loadOidcConfig({
      ...base,
      OIDC_ISSUER: 'http://127.0.0.1:4000',
      PUBLIC_URL: 'http://localhost:3000',
    });
    expect(config!.issuer.href).toBe('http://127.0.0.1:4000/');
  });
});

describe('OpenID sign-in against a real provider (claims from UserInfo, confidential client)', () => {
  let provider: TestProvider;
  let oidc: OidcClient;

  beforeAll(async () => {
    provider = await startTestProvider({ redirectUris: [REDIRECT] });
    oidc = createOidcClient(configFor(provider));
  });
  afterAll(() => provider.close());

  it('signs in: PKCE S256, state and nonce sent, identity returned', async () => {
    provider.signInAs(ALICE);
    expect(oidc.status()).toBe('unknown');
    const { callback, saved, url } = await signInAtProvider(oidc);
    expect(oidc.status()).toBe('ready');
    expect(url.origin).toBe(provider.issuer);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toBe(pkceChallenge(saved.codeVerifier));
    expect(url.searchParams.get('state')).toBe(saved.state);
    expect(url.searchParams.get('nonce')).toBe(saved.nonce);
    expect(url.searchParams.get('redirect_uri')).toBe(REDIRECT);
    expect(url.searchParams.get('scope')).toBe('openid email profile');
    expect(callback.searchParams.get('state')).toBe(saved.state);
    expect(await oidc.complete(callback, saved)).toEqual({
      email: 'alice.smith@nhs.net',
      emailVerified: true,
      subject: 'alice-1',
    });
  });

  it('gives every flow its own state, nonce and verifier', async () => {
    const a = await oidc.begin();
    const b = await oidc.begin();
    expect(new Set([a.state, b.state, a.nonce, b.nonce, a.codeVerifier, b.codeVerifier]).size).toBe(6);
    expect(a.codeVerifier.length).toBeGreaterThanOrEqual(43);
  });

  it('takes the address from the configuration, not the request (a proxy may change the host)', async () => {
    provider.signInAs(ALICE);
    const { callback, saved } = await signInAtProvider(oidc);
    const seenByApp = new URL(`http://internal-host:8080/sign-in/oidc/callback${callback.search}`);
    expect((await oidc.complete(seenByApp, saved)).email).toBe('alice.smith@nhs.net');
  });

  it('refuses a tampered state before redeeming the code (which still works for the real flow)', async () => {
    provider.signInAs(ALICE);
    const { callback, saved } = await signInAtProvider(oidc);
    const code = callback.searchParams.get('code')!;
    const tampered = new URL(callback);
    tampered.searchParams.set('state', `${saved.state.slice(0, -1)}x`);
    await expectKind(oidc.complete(tampered, saved), 'state_mismatch', [code]);
    const missing = new URL(callback);
    missing.searchParams.delete('state');
    await expectKind(oidc.complete(missing, saved), 'state_mismatch');
    // Login CSRF: someone else's code with this browser's saved flow.
    await expectKind(oidc.complete(callback, { ...saved, state: 'another-browser' }), 'state_mismatch');
    expect((await oidc.complete(callback, saved)).subject).toBe('alice-1');
  });

  it('refuses an ID token whose nonce is not the one saved in this browser', async () => {
    provider.signInAs(ALICE);
    const first = await signInAtProvider(oidc);
    await expectKind(
      oidc.complete(first.callback, { ...first.saved, nonce: 'another-nonce' }),
      'nonce_mismatch',
    );
    // The provider (or an attacker who injected a token) returns a different nonce.
    const second = await signInAtProvider(oidc);
    provider.tamperNextIdToken((claims) => ({ ...claims, nonce: 'injected' }));
    await expectKind(oidc.complete(second.callback, second.saved), 'nonce_mismatch');
  });

  it('refuses a code used twice', async () => {
    provider.signInAs(ALICE);
    const { callback, saved } = await signInAtProvider(oidc);
    await oidc.complete(callback, saved);
    await expectKind(oidc.complete(callback, saved), 'invalid_grant', [callback.searchParams.get('code')!]);
  });

  it('refuses a wrong PKCE verifier (a stolen code is useless without it)', async () => {
    provider.signInAs(ALICE);
    const { callback, saved } = await signInAtProvider(oidc);
    const other = (await oidc.begin()).codeVerifier;
    await expectKind(oidc.complete(callback, { ...saved, codeVerifier: other }), 'invalid_grant');
  });

  it('reports the provider refusing (user cancelled) without echoing its text', async () => {
    provider.signInAs(null);
    const { callback, saved } = await signInAtProvider(oidc);
    expect(callback.searchParams.get('error')).toBe('access_denied');
    const err = await failure(oidc.complete(callback, saved));
    expect(err.kind).toBe('provider_error');
    expect(err.detail).toBe('access_denied');
    expect(err.message).not.toContain('cancelled');
    expect(err.statusCode).toBe(401);
  });

  it.each([
    [
      'expired',
      (c: Record<string, unknown>) => ({ ...c, iat: Number(c.iat) - 7200, exp: Number(c.iat) - 3600 }),
    ],
    ['for another client', (c: Record<string, unknown>) => ({ ...c, aud: 'another-client' })],
    ['from another issuer', (c: Record<string, unknown>) => ({ ...c, iss: 'https://evil.example.com' })],
  ])('refuses an ID token %s (validly signed)', async (_label, change) => {
    provider.signInAs(ALICE);
    const { callback, saved } = await signInAtProvider(oidc);
    provider.tamperNextIdToken(change);
    await expectKind(oidc.complete(callback, saved), 'invalid_id_token');
  });

  it('refuses an unverified email address', async () => {
    provider.signInAs({ ...ALICE, sub: 'bob', email: 'bob@nhs.net', email_verified: false });
    const { callback, saved } = await signInAtProvider(oidc);
    await expectKind(oidc.complete(callback, saved), 'email_unverified');
  });

  it('refuses an account without an email address, or with something that is not one', async () => {
    provider.signInAs({ sub: 'carol', name: 'Carol' });
    let flow = await signInAtProvider(oidc);
    await expectKind(oidc.complete(flow.callback, flow.saved), 'no_email');
    provider.signInAs({ sub: 'dan', email: 'dan at nhs.net', email_verified: true });
    flow = await signInAtProvider(oidc);
    await expectKind(oidc.complete(flow.callback, flow.saved), 'no_email');
  });

  it('returns a look-alike address as it is, for the allow-list to refuse', async () => {
    provider.signInAs({ sub: 'eve', email: 'someone@nhs.net.evil.com', email_verified: true });
    const { callback, saved } = await signInAtProvider(oidc);
    expect((await oidc.complete(callback, saved)).email).toBe('someone@nhs.net.evil.com');
  });
});

describe('OpenID sign-in with claims in the ID token, a public client and another email claim', () => {
  let provider: TestProvider;

  beforeAll(async () => {
    provider = await startTestProvider({
      redirectUris: [REDIRECT],
      clientSecret: null,
      claimsIn: 'id_token',
    });
  });
  afterAll(() => provider.close());

  it('reads the configured claim from the ID token (Entra ID style upn, no email_verified)', async () => {
    const oidc = createOidcClient(configFor(provider, { emailClaim: 'upn' }));
    provider.signInAs({
      sub: 'frank',
      upn: 'Frank.Jones@nhs.net',
      email: 'frank@gmail.com',
      email_verified: true,
    });
    const { callback, saved } = await signInAtProvider(oidc);
    expect(await oidc.complete(callback, saved)).toEqual({
      email: 'Frank.Jones@nhs.net',
      emailVerified: null,
      subject: 'frank',
    });
  });

  it('refuses an ID token signed by a key the provider does not publish', async () => {
    // A fresh client, so it has not cached the real key set.
    const oidc = createOidcClient(configFor(provider));
    provider.signInAs(ALICE);
    const { callback, saved } = await signInAtProvider(oidc);
    provider.forgeJwks(true);
    try {
      expect((await expectKind(oidc.complete(callback, saved), 'invalid_id_token')).detail).toBe('signature');
    } finally {
      provider.forgeJwks(false);
    }
  });
});

describe('an unreachable provider', () => {
  it('is reported as unavailable, without stopping anything, and not retried at once', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve) => server.close(() => resolve()));
    let now = 1_000_000;
    const oidc = createOidcClient(
      {
        issuer: new URL(`http://127.0.0.1:${port}`),
        clientId: 'x',
        clientSecret: null,
        redirectUri: new URL(REDIRECT),
        scopes: 'openid email',
        emailClaim: 'email',
      },
      { timeoutSeconds: 2, now: () => now },
    );
    expect(await oidc.warmUp()).toBe(false);
    expect(oidc.status()).toBe('unavailable');
    const err = await failure(oidc.begin());
    expect(err.kind).toBe('unavailable');
    expect(err.statusCode).toBe(503);
    expect(err.detail).toBe('discovery-failed-recently');
    now += 31_000;
    expect((await failure(oidc.begin())).detail).not.toBe('discovery-failed-recently');
  });
});
