/**
 * The service pages of issue 14.8: each answers to anyone, says what the running configuration does (the
 * cookie names the app really sets, the session and audit limits in force), the Beta banner links to feedback
 * and the footer to every page, and bad service settings are refused with one message per variable.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../config.ts';
import { fixedClock } from '../../../domain/clock.ts';
import { Warehouse } from '../../../warehouse/db.ts';
import { buildApp } from '../../app.ts';
import { serviceSettingsFromEnv } from '../../../domain/service-settings.ts';
import { createTestQueries } from '../../../../test/support/in-memory-queries.ts';

const ENV = {
  SERVICE_OPERATOR: 'NHS England',
  SUPPORT_EMAIL: 'england.nhsapp@nhs.net',
  SESSION_IDLE_MINUTES: '45',
  AUDIT_RETENTION_DAYS: '90',
};

let app: FastifyInstance;
let db: Warehouse;

beforeAll(async () => {
  db = await Warehouse.open(':memory:');
  app = await buildApp({
    db,
    config: loadConfig(ENV),
    clock: fixedClock('2026-11-18T09:00:00Z'),
    queries: createTestQueries(),
  });
});

afterAll(async () => {
  await app.close();
  db.close();
});

const text = (body: string) => body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

describe('service pages', () => {
  it.each([
    ['/accessibility', 'Accessibility statement for NHS App Analytics'],
    ['/privacy', 'Privacy notice'],
    ['/cookies', 'Cookies'],
    ['/contact', 'Contact us'],
    ['/feedback', 'Give feedback on NHS App Analytics'],
  ])('%s answers anyone with its page', async (url, heading) => {
    const res = await app.inject(url);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.body).toMatch(new RegExp(`<h1[^>]*>${heading}</h1>`));
  });

  it('lists every cookie the sign-in pages set, under the names they use', async () => {
    const signIn = await app.inject('/sign-in');
    const setNames = (signIn.cookies as { name: string }[]).map((c) => c.name);
    expect(setNames.length).toBeGreaterThan(0);
    const cookies = text((await app.inject('/cookies')).body);
    for (const name of setNames) expect(cookies).toContain(name);
    expect(cookies).toContain('nhsaa_session');
    expect(cookies).toContain('after 45 minutes without use');
  });

  it('states the limits in force and who runs the service', async () => {
    const privacy = text((await app.inject('/privacy')).body);
    expect(privacy).toContain('audit records are deleted after 90 days');
    expect(privacy).toContain('after 45 minutes without use');
    expect(privacy).toContain('run by NHS England');
    const contact = (await app.inject('/contact')).body;
    expect(contact).toContain('href="mailto:england.nhsapp@nhs.net?subject=NHS%20App%20Analytics"');
  });

  it('links feedback from the Beta banner and every service page from the footer', async () => {
    const home = (await app.inject('/about')).body;
    const banner = home.slice(
      home.indexOf('app-phase-banner'),
      home.indexOf('</section>', home.indexOf('app-phase-banner')),
    );
    expect(banner).toContain('href="/feedback"');
    const footer = home.slice(home.indexOf('nhsuk-footer'));
    for (const href of ['/accessibility', '/contact', '/cookies', '/privacy'])
      expect(footer).toContain(`href="${href}"`);
  });
});

describe('service settings', () => {
  it('defaults when unset and reads them when set', () => {
    expect(serviceSettingsFromEnv({}).supportEmail).toBeNull();
    expect(serviceSettingsFromEnv({ ISSUES_URL: 'https://example.org/issues' }).issuesUrl).toBe(
      'https://example.org/issues',
    );
  });

  it('refuses bad values with one message per variable', () => {
    let error: unknown;
    try {
      loadConfig({ SUPPORT_EMAIL: 'not an address', ISSUES_URL: 'javascript:alert(1)' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain('SUPPORT_EMAIL must be an email address');
    expect(message).toContain('ISSUES_URL must be an https:// address');
  });
});
