/**
 * Sign-in by OpenID Connect in a real browser (chromium): the sign-in page's "Sign in with your organisation
 * account" button, the real provider on localhost, back to the page the user wanted, signed in; and the
 * refusal page for an address outside the allow-list. Every page is checked with axe.
 */
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, formatViolations, launchBrowser } from '../../e2e/browser.ts';
import { loadConfig } from '../config.ts';
import { systemClock } from '../domain/clock.ts';
import { buildApp } from '../http/app.ts';
import { createTestQueries } from '../../test/support/in-memory-queries.ts';
import { migrate } from '../warehouse/migrate.ts';
import { Warehouse } from '../warehouse/db.ts';
import { createOidcClient, loadOidcConfig } from './oidc.ts';
import { freePort, startTestProvider, type TestProvider } from '../../test/support/oidc-test-provider.ts';

let provider: TestProvider;
let app: FastifyInstance;
let db: Warehouse;
let browser: Browser;
let base: string;

beforeAll(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  provider = await startTestProvider({ redirectUris: [`${base}/sign-in/oidc/callback`] });
  db = await Warehouse.open(':memory:');
  await migrate(db);
  const env = {
    OIDC_ISSUER: provider.issuer,
    OIDC_CLIENT_ID: provider.clientId,
    OIDC_CLIENT_SECRET: provider.clientSecret!,
    PUBLIC_URL: base,
  };
  app = await buildApp({
    db,
    config: loadConfig(env),
    clock: systemClock,
    queries: createTestQueries(),
    oidc: createOidcClient(loadOidcConfig(env)!),
  });
  await app.listen({ port, host: '127.0.0.1' });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  db?.close();
  await provider?.close();
});

describe('sign-in by OpenID Connect in the browser', () => {
  it('signs in with the organisation account and lands where the user was going', async () => {
    provider.signInAs({ sub: 'alice-1', email: 'alice.smith@nhs.net', email_verified: true });
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${base}/account`);
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    expect(formatViolations(await axeViolations(page))).toBe('no accessibility violations');
    await page.click('#sign-in-oidc');
    await page.waitForURL(`${base}/account`);
    expect(await page.textContent('main')).toContain('alice.smith@nhs.net');
    expect(formatViolations(await axeViolations(page))).toBe('no accessibility violations');
    const cookies = await context.cookies(base);
    expect(cookies.map((c) => c.name)).not.toContain('nhsaa_oidc');
    expect(cookies.find((c) => c.name === 'nhsaa_session')?.httpOnly).toBe(true);
    await context.close();
  });

  it('refuses an address outside the allow-list with a plain, accessible page', async () => {
    provider.signInAs({ sub: 'eve', email: 'someone@nhs.net.evil.com', email_verified: true });
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${base}/sign-in`);
    const response = page.waitForResponse((r) => r.url().startsWith(`${base}/sign-in/oidc/callback`));
    await page.click('#sign-in-oidc');
    expect((await response).status()).toBe(403);
    expect(await page.textContent('main')).toContain('nhs.net or nhs.uk');
    expect(formatViolations(await axeViolations(page))).toBe('no accessibility violations');
    await context.close();
  });
});
