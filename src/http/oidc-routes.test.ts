/**
 * Sign-in by OpenID Connect through the app: a real provider (`oidc-provider`) and the app both listening on
 * localhost, driven over HTTP with cookies kept per host, down to the session and the audit log.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOidcClient, loadOidcConfig, type OidcClient } from '../auth/oidc.ts';
import {
  freePort,
  startTestProvider,
  TestBrowser,
  type TestProvider,
} from '../../test/support/oidc-test-provider.ts';
import * as store from '../auth/store.ts';
import { loadConfig } from '../config.ts';
import type { Clock } from '../domain/clock.ts';
import { migrate } from '../warehouse/migrate.ts';
import { Warehouse } from '../warehouse/db.ts';
import { buildApp } from './app.ts';
import { OIDC_FLOW_SECONDS, oidcCookieName } from './oidc-routes.ts';
import { createTestQueries } from '../../test/support/in-memory-queries.ts';

const ALICE = { sub: 'alice-1', email: 'Alice.Smith@NHS.net', email_verified: true };
const FLOW_COOKIE = oidcCookieName(false);

let provider: TestProvider;
let app: FastifyInstance;
let db: Warehouse;
let base: string;
let callbackPrefix: string;
/** The app's clock runs `offsetMs` ahead of real time (the provider's tokens use real time). */
let offsetMs = 0;
const clock: Clock = { now: () => new Date(Date.now() + offsetMs) };

beforeAll(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  callbackPrefix = `${base}/sign-in/oidc/callback`;
  provider = await startTestProvider({ redirectUris: [callbackPrefix] });
  db = await Warehouse.open(':memory:');
  await migrate(db);
  const oidc = createOidcClient(
    loadOidcConfig({
      OIDC_ISSUER: provider.issuer,
      OIDC_CLIENT_ID: provider.clientId,
      OIDC_CLIENT_SECRET: provider.clientSecret!,
      PUBLIC_URL: base,
    })!,
  );
  app = await buildApp({
    db,
    config: loadConfig({ PUBLIC_URL: base }),
    clock,
    queries: createTestQueries(),
    oidc,
  });
  await app.listen({ port, host: '127.0.0.1' });
});

afterAll(async () => {
  await app?.close();
  db?.close();
  await provider?.close();
});

function at(path: string): URL {
  return new URL(path, base);
}

/** Starts a sign-in in `browser`; returns the provider's answer (the callback address, not yet visited). */
async function startAndSignInAtProvider(
  browser: TestBrowser,
  next?: string,
): Promise<{ start: Response; callback: URL }> {
  const start = await browser.get(
    at(`/sign-in/oidc${next === undefined ? '' : `?next=${encodeURIComponent(next)}`}`),
  );
  expect(start.status).toBe(303);
  const location = new URL(start.headers.get('location')!);
  expect(location.origin).toBe(provider.issuer);
  const callback = await browser.followUntil(location, callbackPrefix);
  return { start, callback };
}

async function lastAudit(): Promise<store.AuditRow> {
  const [row] = await store.auditPage(db, 1, 0);
  return row!;
}

async function expectRefusalPage(response: Response, status: number, text: RegExp, secrets: string[] = []) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^text\/html/);
  expect(response.headers.get('cache-control')).toBe('no-store');
  const html = await response.text();
  expect(html).toMatch(text);
  expect(html).toContain('nhsuk-header');
  for (const secret of secrets) expect(html).not.toContain(secret);
  return html;
}

describe('sign-in by OpenID Connect through the app', () => {
  it('offers the organisation sign-in on the sign-in page', async () => {
    const html = await (await fetch(at('/sign-in?next=%2Faccount'))).text();
    expect(html).toContain('href="/sign-in/oidc?next=%2Faccount"');
  });

  it('signs in: flow cookie, provider, callback, session, audit, back where the user was going', async () => {
    provider.signInAs(ALICE);
    const browser = new TestBrowser();
    expect((await browser.get(at('/account'))).status).toBe(303); // not signed in yet
    const { start, callback } = await startAndSignInAtProvider(browser, '/account');
    const setCookie = start.headers.getSetCookie().find((c) => c.startsWith(`${FLOW_COOKIE}=`))!;
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    expect(setCookie).toMatch(/Path=\//);
    expect(setCookie).toContain(`Max-Age=${OIDC_FLOW_SECONDS}`);
    expect(start.headers.get('cache-control')).toBe('no-store');

    const done = await browser.get(callback);
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('/account');
    expect(browser.cookie(new URL(base).host, FLOW_COOKIE)).toBeUndefined(); // one use
    const account = await browser.get(at('/account'));
    expect(account.status).toBe(200);
    expect(await account.text()).toContain('alice.smith@nhs.net');

    const user = await store.findUserByEmail(db, 'alice.smith@nhs.net');
    expect(user).not.toBeNull();
    const audit = await lastAudit();
    expect(audit).toMatchObject({ action: 'sign-in', outcome: 'success', detail: 'oidc' });
    expect(audit.actorUserId).toBe(user!.userId);
  });

  it('refuses an address outside the allow-list (look-alike domain): no session, audited', async () => {
    provider.signInAs({ sub: 'eve', email: 'someone@nhs.net.evil.com', email_verified: true });
    const browser = new TestBrowser();
    const { callback } = await startAndSignInAtProvider(browser);
    await expectRefusalPage(await browser.get(callback), 403, /email address ending nhs\.net or nhs\.uk/);
    expect((await browser.get(at('/account'))).status).toBe(303);
    expect(await lastAudit()).toMatchObject({
      action: 'sign-in',
      outcome: 'refused',
      target: 'domain:nhs.net.evil.com',
    });
    expect(await store.findUserByEmail(db, 'someone@nhs.net.evil.com')).toBeNull();
  });

  it('refuses a sub-address (a disabled a@nhs.net cannot come back as a+x@nhs.net): no user, audited', async () => {
    provider.signInAs({ sub: 'plus', email: 'Carol+x@NHS.net', email_verified: true });
    const browser = new TestBrowser();
    const { callback } = await startAndSignInAtProvider(browser);
    await expectRefusalPage(await browser.get(callback), 403, /sub-addresses \(\+…\) are not accepted/);
    expect((await browser.get(at('/account'))).status).toBe(303);
    expect(await lastAudit()).toMatchObject({
      action: 'sign-in',
      outcome: 'refused',
      target: 'domain:nhs.net',
    });
    expect(await store.findUserByEmail(db, 'carol+x@nhs.net')).toBeNull();
  });

  it('refuses an unverified address', async () => {
    provider.signInAs({ sub: 'bob', email: 'bob@nhs.net', email_verified: false });
    const browser = new TestBrowser();
    const { callback } = await startAndSignInAtProvider(browser);
    await expectRefusalPage(await browser.get(callback), 403, /not verified your email address/);
    expect(await lastAudit()).toMatchObject({ outcome: 'refused', detail: 'oidc: email_unverified' });
    expect(await store.findUserByEmail(db, 'bob@nhs.net')).toBeNull();
  });

  it('refuses a callback without the flow cookie (another browser, or login CSRF)', async () => {
    provider.signInAs(ALICE);
    const { callback } = await startAndSignInAtProvider(new TestBrowser());
    const code = callback.searchParams.get('code')!;
    const victim = new TestBrowser();
    await expectRefusalPage(await victim.get(callback), 400, /not started from this browser/, [code]);
    expect(await lastAudit()).toMatchObject({ outcome: 'refused', detail: 'oidc: missing_flow' });
    expect((await victim.get(at('/account'))).status).toBe(303);
  });

  it("refuses an attacker's answer in a browser that has its own flow (state mismatch)", async () => {
    provider.signInAs({ ...ALICE, sub: 'mallory', email: 'mallory@nhs.net' });
    const { callback: attackers } = await startAndSignInAtProvider(new TestBrowser());
    const victim = new TestBrowser();
    await victim.get(at('/sign-in/oidc')); // the victim's own flow cookie
    await expectRefusalPage(await victim.get(attackers), 400, /could not be matched to this browser/, [
      attackers.searchParams.get('code')!,
    ]);
    expect(await lastAudit()).toMatchObject({ outcome: 'refused', detail: 'oidc: state_mismatch' });
  });

  it('refuses a tampered flow cookie', async () => {
    provider.signInAs(ALICE);
    const browser = new TestBrowser();
    const { callback } = await startAndSignInAtProvider(browser);
    const host = new URL(base).host;
    const value = browser.cookie(host, FLOW_COOKIE)!;
    const [payload, mac] = value.split('.');
    const flow = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...flow, next: '/admin' })).toString('base64url');
    browser.setCookie(host, FLOW_COOKIE, `${forged}.${mac}`);
    await expectRefusalPage(await browser.get(callback), 400, /Start again/);
    expect(await lastAudit()).toMatchObject({ detail: 'oidc: missing_flow' });
  });

  it('refuses a flow older than 10 minutes', async () => {
    provider.signInAs(ALICE);
    const browser = new TestBrowser();
    const { callback } = await startAndSignInAtProvider(browser);
    offsetMs = (OIDC_FLOW_SECONDS + 1) * 1000;
    try {
      await expectRefusalPage(await browser.get(callback), 400, /took too long/);
    } finally {
      offsetMs = 0;
    }
  });

  it('refuses the same answer twice (code replay), even with the flow cookie put back', async () => {
    provider.signInAs(ALICE);
    const browser = new TestBrowser();
    const { callback } = await startAndSignInAtProvider(browser);
    const host = new URL(base).host;
    const flowCookie = browser.cookie(host, FLOW_COOKIE)!;
    expect((await browser.get(callback)).status).toBe(303);
    const attacker = new TestBrowser();
    attacker.setCookie(host, FLOW_COOKIE, flowCookie);
    await expectRefusalPage(await attacker.get(callback), 400, /already been used or has expired/);
    expect(await lastAudit()).toMatchObject({ detail: 'oidc: invalid_grant (invalid_grant)' });
  });

  it('refuses an ID token with another nonce', async () => {
    provider.signInAs(ALICE);
    const browser = new TestBrowser();
    const { callback } = await startAndSignInAtProvider(browser);
    provider.tamperNextIdToken((claims) => ({ ...claims, nonce: 'injected' }));
    await expectRefusalPage(await browser.get(callback), 400, /could not be matched/);
    expect((await lastAudit()).detail).toMatch(/^oidc: nonce_mismatch/);
  });

  it('shows the provider refusing without its text, and audits it', async () => {
    provider.signInAs(null);
    const browser = new TestBrowser();
    const { callback } = await startAndSignInAtProvider(browser);
    const description = callback.searchParams.get('error_description')!;
    expect(description).toContain('cancelled');
    await expectRefusalPage(await browser.get(callback), 401, /did not sign you in/, [description]);
    expect(await lastAudit()).toMatchObject({
      outcome: 'refused',
      detail: 'oidc: provider_error (access_denied)',
    });
  });

  it('goes only to paths on this site afterwards', async () => {
    provider.signInAs(ALICE);
    for (const [next, expected] of [
      ['https://evil.example.com/', '/'],
      ['//evil.example.com', '/'],
      ['/areas?level=icb', '/areas?level=icb'],
    ]) {
      const browser = new TestBrowser();
      const { callback } = await startAndSignInAtProvider(browser, next);
      expect((await browser.get(callback)).headers.get('location')).toBe(expected);
    }
    expect((await fetch(at(`/sign-in/oidc?next=/${'a'.repeat(600)}`), { redirect: 'manual' })).status).toBe(
      400,
    );
  });
});

describe('when OpenID Connect is off or the provider is down', () => {
  async function appWith(oidc: OidcClient | null) {
    const warehouse = await Warehouse.open(':memory:');
    await migrate(warehouse);
    const built = await buildApp({
      db: warehouse,
      config: loadConfig({}),
      clock,
      queries: createTestQueries(),
      oidc,
    });
    return { app: built, warehouse };
  }

  it('answers 404 for the OpenID routes and does not offer it on the sign-in page', async () => {
    const { app: plain, warehouse } = await appWith(null);
    expect((await plain.inject('/sign-in/oidc')).statusCode).toBe(404);
    expect((await plain.inject('/sign-in/oidc/callback?code=x&state=y')).statusCode).toBe(404);
    expect((await plain.inject('/sign-in')).body).not.toContain('/sign-in/oidc');
    await plain.close();
    warehouse.close();
  });

  it('still serves open data, and says organisation sign-in is not available', async () => {
    const deadPort = await freePort();
    const oidc = createOidcClient(
      loadOidcConfig({
        OIDC_ISSUER: `http://127.0.0.1:${deadPort}`,
        OIDC_CLIENT_ID: 'x',
        PUBLIC_URL: 'http://localhost',
      })!,
      { timeoutSeconds: 2 },
    );
    const { app: down, warehouse } = await appWith(oidc);
    expect((await down.inject('/')).statusCode).toBe(200);
    const res = await down.inject('/sign-in/oidc');
    expect(res.statusCode).toBe(503);
    expect(res.body).toContain('not available at the moment');
    expect(res.headers['set-cookie']).toBeUndefined();
    await down.close();
    warehouse.close();
  });
});
