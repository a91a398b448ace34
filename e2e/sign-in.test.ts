/**
 * Sign-in by emailed link end to end: a real SMTP server (smtp-server) on localhost receives the message
 * sent by the app over SMTP (nodemailer), and Chromium follows the link to sign in and see practice-level
 * figures, then signs out and sees only open data; a second browser context (a phone, no shared cookies) signs
 * in with the link and the code the asking browser shows. Pages of the flow are checked with axe.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { fixedClock } from '../src/domain/clock.ts';
import { createTestQueries } from '../test/support/in-memory-queries.ts';
import { Warehouse } from '../src/warehouse/db.ts';
import { migrate } from '../src/warehouse/migrate.ts';
import { axeViolations, formatViolations, startHarness, type Harness } from './browser.ts';

interface Received {
  from: string;
  to: string[];
  raw: string;
}

let smtp: SMTPServer;
let smtpPort: number;
const inbox: Received[] = [];
let harness: Harness;
let db: Warehouse;
let dataDir: string;

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      let raw = '';
      stream.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
      stream.on('end', () => {
        inbox.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  smtpPort = (smtp.server.address() as AddressInfo).port;

  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sign-in-e2e-'));
  db = await Warehouse.open(':memory:');
  await migrate(db);
  harness = await startHarness({
    db,
    config: loadConfig({
      DATA_DIR: dataDir,
      SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      MAIL_FROM: 'NHS App Analytics <no-reply@analytics.test>',
    }),
    clock: fixedClock('2026-11-18T09:00:00Z'),
    queries: createTestQueries(),
  });
}, 60_000);

afterAll(async () => {
  await harness?.close();
  await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
  db?.close();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

/** Waits for the next message to `to` and returns the sign-in link in it (quoted-printable decoded). */
async function linkFor(to: string, after: number): Promise<string> {
  const started = Date.now();
  while (Date.now() - started < 10_000) {
    const message = inbox.slice(after).find((m) => m.to.includes(to));
    if (message) {
      const text = message.raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
      return /(http:\/\/[^\s]+\/sign-in\/verify\?token=[A-Za-z0-9_-]+)/.exec(text)![1]!;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no email to ${to}`);
}

const squash = (s: string | null) => (s ?? '').replace(/\s+/g, ' ').trim();
async function text(page: Page, selector: string): Promise<string> {
  return squash(await page.locator(selector).first().textContent());
}

/** Clicks and waits for the page it leads to (forms post, then redirect). */
async function submit(page: Page, selector: string): Promise<void> {
  await Promise.all([page.waitForNavigation(), page.click(selector)]);
}

async function expectAccessible(page: Page): Promise<void> {
  const violations = await axeViolations(page);
  expect(violations, formatViolations(violations)).toEqual([]);
}

describe('sign-in by emailed link, over SMTP, in a browser', () => {
  it('signs in from a practice page, sees its figures, and signs out to open data only', async () => {
    const page = await harness.newPage();
    await page.goto('/areas/practice/F83004');
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    expect(await text(page, 'h1')).toBe('Sign in');
    await expectAccessible(page);

    // An address outside the allow-list gets a clear error, and no email.
    const before = inbox.length;
    await page.fill('#email', 'someone@nhs.net.evil.com');
    await submit(page, '#send-link');
    expect(await text(page, '.nhsuk-error-summary')).toContain('nhs.net or nhs.uk');
    await expectAccessible(page);
    expect(inbox.length).toBe(before);

    await page.fill('#email', 'Jane.Smith@nhs.net');
    await submit(page, '#send-link');
    expect(await text(page, 'h1')).toBe('Check your email');
    await expectAccessible(page);
    const link = await linkFor('jane.smith@nhs.net', before);
    const message = inbox[inbox.length - 1]!;
    expect(message.from).toBe('no-reply@analytics.test');
    expect(message.raw).toMatch(/Subject: Your sign-in link for NHS App Analytics/);

    // Another browser is not signed in by the link alone: it asks for the code (the next test completes it).
    const other = await harness.newPage();
    await other.goto(link);
    expect(await text(other, 'h1')).toBe('Enter your sign-in code');

    await page.goto(link);
    expect(await page.locator('#confirm-sign-in').isVisible()).toBe(true);
    await expectAccessible(page);
    await submit(page, '#confirm-sign-in');
    expect(new URL(page.url()).pathname).toBe('/areas/practice/F83004');
    expect(await text(page, 'h1')).toContain('Somers Town Medical Centre');
    expect(await text(page, '#tile-logins .app-tile__value')).toMatch(/\d/);
    expect(await text(page, '.nhsuk-header__account')).toContain('Signed in');
    expect(await text(page, '.nhsuk-header__account')).not.toContain('jane.smith');
    await expectAccessible(page);

    // The link is used up.
    await page.goto(link);
    expect(await text(page, '#link-problem')).toContain('Each link works once');

    await page.goto('/account');
    await expectAccessible(page);
    await page.fill('#token-name', 'My script');
    await submit(page, '#create-token');
    expect(await text(page, '#new-token')).toMatch(/^nhsaa_/);
    await expectAccessible(page);

    await page.goto('/?grain=week');
    expect(await text(page, 'h1')).toContain('NHS App use in England');
    await submit(page, '.nhsuk-header__account-button');
    expect(new URL(page.url()).pathname).toBe('/');
    expect(await page.locator('#access-notice').isVisible()).toBe(true);
    expect(await page.locator('#tile-appointments_cancelled').count()).toBe(0);
    expect(await text(page, '.nhsuk-header__account')).toContain('Sign in');
    await expectAccessible(page);
    await page.goto('/areas/practice/F83004');
    expect(new URL(page.url()).pathname).toBe('/sign-in');
  }, 120_000);

  it('signs in on a second device with the code the asking browser shows (ADR 0033)', async () => {
    const desk = await harness.newPage();
    const before = inbox.length;
    await desk.goto('/sign-in?next=%2Fareas%2Fpractice%2FF83004');
    await desk.fill('#email', 'On.Call@nhs.net');
    await submit(desk, '#send-link');
    expect(await text(desk, 'h1')).toBe('Check your email');
    const code = await text(desk, '#sign-in-code');
    expect(code).toMatch(/^[2-9A-HJKMNP-Z]{3} [2-9A-HJKMNP-Z]{3}$/);
    const link = await linkFor('on.call@nhs.net', before);
    // The email never carries the code: a forwarded link is not enough.
    const raw = inbox[inbox.length - 1]!.raw;
    expect(raw).not.toContain(code);
    expect(raw).not.toContain(code.replace(' ', ''));

    // A phone: a second browser context, sharing no cookies with the desk's, on a narrow touch screen.
    const phone = await harness.newPage({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    });
    await phone.goto(link);
    expect(await text(phone, 'h1')).toBe('Enter your sign-in code');
    await expectAccessible(phone);
    // A wrong code (the right one with its first character moved on in the alphabet): counted, said clearly.
    const alphabet = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
    const wrong = alphabet[(alphabet.indexOf(code[0]!) + 1) % alphabet.length]! + code.slice(1);
    await phone.fill('#code', wrong);
    await submit(phone, '#confirm-code');
    expect(await text(phone, '.nhsuk-error-summary')).toContain('you can try 4 more times');
    expect(await phone.locator('#code').inputValue()).toBe(wrong);
    await expectAccessible(phone);
    await phone.fill('#code', code.toLowerCase());
    await submit(phone, '#confirm-code');
    expect(new URL(phone.url()).pathname).toBe('/areas/practice/F83004');
    expect(await text(phone, 'h1')).toContain('Somers Town Medical Centre');
    expect(await text(phone, '.nhsuk-header__account')).toContain('Signed in');

    // The desk is not signed in by it, and the link is used up there too.
    await desk.goto('/areas/practice/F83004');
    expect(new URL(desk.url()).pathname).toBe('/sign-in');
    await desk.goto(link);
    expect(await text(desk, '#link-problem')).toContain('Each link works once');
  }, 120_000);

  it('works without JavaScript', async () => {
    const page = await harness.newPage({ javaScriptEnabled: false });
    const before = inbox.length;
    await page.goto('/sign-in?next=%2Fareas%2Fpcn%2FU12345');
    await page.fill('#email', 'no.js@england.nhs.uk');
    await submit(page, '#send-link');
    await page.goto(await linkFor('no.js@england.nhs.uk', before));
    await submit(page, '#confirm-sign-in');
    expect(new URL(page.url()).pathname).toBe('/areas/pcn/U12345');
    expect(await text(page, 'h1')).toContain('Camden Central PCN');

    // And in another browser, with the code.
    const asking = await harness.newPage({ javaScriptEnabled: false });
    const sent = inbox.length;
    await asking.goto('/sign-in?next=%2Fareas%2Fpcn%2FU12345');
    await asking.fill('#email', 'no.js.phone@england.nhs.uk');
    await submit(asking, '#send-link');
    const code = await text(asking, '#sign-in-code');
    const other = await harness.newPage({ javaScriptEnabled: false });
    await other.goto(await linkFor('no.js.phone@england.nhs.uk', sent));
    await other.fill('#code', code);
    await submit(other, '#confirm-code');
    expect(new URL(other.url()).pathname).toBe('/areas/pcn/U12345');
    expect(await text(other, 'h1')).toContain('Camden Central PCN');
  }, 60_000);
});
