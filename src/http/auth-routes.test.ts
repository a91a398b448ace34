/**
 * Sign-in by emailed link, sessions, API tokens, admin pages and the bad actors of issue 5 §7, in process
 * (app.inject) over a real migrated warehouse, with the development outbox as the mailbox and a clock the
 * tests move on. The SMTP and browser flow is in e2e/sign-in.test.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { hashToken } from '../auth/crypto.ts';
import * as store from '../auth/store.ts';
import { loadConfig } from '../config.ts';
import type { Clock } from '../domain/clock.ts';
import { Warehouse } from '../warehouse/db.ts';
import { migrate } from '../warehouse/migrate.ts';
import { authFor } from '../auth/service.ts';
import { openStateStore } from '../app-state/open.ts';
import type { StateDb } from '../app-state/state-db.ts';
import { buildApp } from './app.ts';
import type { AppDeps } from './deps.ts';
import { createTestDatabase, type TestDatabase } from '../../test/support/pg-test-db.ts';
import { createTestQueries } from '../../test/support/in-memory-queries.ts';

const START = Date.parse('2026-11-18T09:00:00Z');
let now = START;
const clock: Clock = { now: () => new Date(now) };

let dataDir: string;
let db: Warehouse;
let app: FastifyInstance;
const logLines: string[] = [];

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'auth-test-'));
  db = await Warehouse.open(':memory:');
  await migrate(db);
  const stream = new Writable({
    write(chunk, _enc, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  app = await buildApp({
    db,
    config: loadConfig({ DATA_DIR: dataDir }),
    clock,
    queries: createTestQueries(),
    logger: { level: 'info', stream },
  });
});

afterAll(async () => {
  await app.close();
  db.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

beforeEach(() => {
  // A fresh hour for each test: rate-limit windows and links of earlier tests do not interfere.
  now += 3600_000;
});

/** A browser: keeps its cookies between requests, as a real one would. */
class Browser {
  cookies = new Map<string, string>();
  constructor(
    readonly ip = '10.0.0.1',
    /** The app it talks to (default: the one on the bare warehouse). */
    readonly target: () => FastifyInstance = () => app,
  ) {}

  async request(opts: InjectOptions): Promise<LightMyRequestResponse> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await this.target().inject({
      remoteAddress: this.ip,
      ...opts,
      headers: { ...(cookie ? { cookie } : {}), ...(opts.headers ?? {}) },
    });
    for (const c of res.cookies as { name: string; value: string; maxAge?: number; expires?: Date }[]) {
      if (c.value === '' || c.maxAge === 0 || (c.expires && c.expires.getTime() < Date.now()))
        this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    return res;
  }

  get(url: string, headers: Record<string, string> = {}) {
    return this.request({ method: 'GET', url, headers });
  }

  post(url: string, form: Record<string, string>) {
    return this.request({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams(form).toString(),
    });
  }
}

function csrfOf(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no CSRF token on the page');
  return m[1]!;
}

/** The CSRF token in the header's sign-out form (a hidden field of that form, never its URL). */
function signOutCsrf(html: string): string {
  const m = /<form[^>]*action="\/sign-out"[^>]*>\s*<input type="hidden" name="_csrf" value="([^"]+)">/.exec(
    html,
  );
  if (!m) throw new Error('no sign-out form with a CSRF field on the page');
  return m[1]!;
}

function outbox(inDir = dataDir): string[] {
  const dir = path.join(inDir, 'outbox');
  return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
}

/** The link in the newest email in the outbox to `email`. */
function latestLinkTo(email: string, inDir = dataDir): string {
  const dir = path.join(inDir, 'outbox');
  for (const f of outbox(inDir).reverse()) {
    // Quoted-printable, as mail clients expect: undo soft line breaks and =3D.
    const text = fs
      .readFileSync(path.join(dir, f), 'utf8')
      .replace(/=\r?\n/g, '')
      .replace(/=3D/g, '=');
    if (text.includes(`To: ${email}`))
      return /(http:\/\/[^\s]+\/sign-in\/verify\?token=[A-Za-z0-9_-]+)/.exec(text)![1]!;
  }
  throw new Error(`no email to ${email}`);
}

/** The whole newest email in the outbox to `email` (quoted-printable undone). */
function emailTo(email: string, inDir = dataDir): string {
  const dir = path.join(inDir, 'outbox');
  for (const f of outbox(inDir).reverse()) {
    const text = fs
      .readFileSync(path.join(dir, f), 'utf8')
      .replace(/=\r?\n/g, '')
      .replace(/=3D/g, '=');
    if (text.includes(`To: ${email}`)) return text;
  }
  throw new Error(`no email to ${email}`);
}

/** The sign-in code the "Check your email" page shows the asking browser. */
function codeOf(html: string): string {
  const m = /id="sign-in-code">([^<]+)</.exec(html);
  if (!m) throw new Error('no sign-in code on the page');
  return m[1]!.trim();
}

const pathOf = (link: string) => {
  const u = new URL(link);
  return `${u.pathname}${u.search}`;
};

async function requestLink(browser: Browser, email: string, next = '/'): Promise<LightMyRequestResponse> {
  const form = await browser.get(`/sign-in${next === '/' ? '' : `?next=${encodeURIComponent(next)}`}`);
  return browser.post('/sign-in', { email, next, _csrf: csrfOf(form.body) });
}

/** Signs a browser in through the emailed link; returns the final response (the redirect). */
async function signIn(browser: Browser, email: string, next = '/'): Promise<LightMyRequestResponse> {
  const asked = await requestLink(browser, email, next);
  expect(asked.statusCode).toBe(200);
  const verify = await browser.get(pathOf(latestLinkTo(email)));
  expect(verify.statusCode).toBe(200);
  return browser.post('/sign-in/verify', {
    token: /name="token" value="([^"]+)"/.exec(verify.body)![1]!,
    _csrf: csrfOf(verify.body),
  });
}

async function makeAdmin(email: string): Promise<void> {
  const user =
    (await store.findUserByEmail(db, email)) ??
    (await store.insertUser(db, { email, role: 'admin', now: clock.now(), createdBy: 'cli' }));
  await store.setUserRole(db, user.userId, 'admin');
}

describe('sign-in by emailed link', () => {
  it('signs a new nhs.net user in, who then sees practice figures, and out again', async () => {
    const browser = new Browser();
    const before = await browser.get('/areas/practice/F83004');
    expect(before.statusCode).toBe(303);
    expect(before.headers.location).toBe('/sign-in?next=%2Fareas%2Fpractice%2FF83004');

    const form = await browser.get('/sign-in?next=%2Fareas%2Fpractice%2FF83004');
    expect(form.statusCode).toBe(200);
    expect(form.headers['cache-control']).toBe('no-store');
    const sent = outbox().length;
    const asked = await browser.post('/sign-in', {
      email: 'New.Person@NHS.net',
      next: '/areas/practice/F83004',
      _csrf: csrfOf(form.body),
    });
    expect(asked.statusCode).toBe(200);
    expect(asked.body).toContain('Check your email');
    expect(outbox().length).toBe(sent + 1);
    const link = latestLinkTo('new.person@nhs.net');
    // The link is in the log only in development mode, marked as such; the address never is.
    expect(logLines.join('')).toContain('DEVELOPMENT MODE');
    expect(logLines.join('')).toContain(link);

    const confirm = await browser.get(pathOf(link));
    expect(confirm.statusCode).toBe(200);
    expect(confirm.body).toContain('id="confirm-sign-in"');
    // Looking at the link (as a mail scanner would) does not use it up.
    expect((await browser.get(pathOf(link))).statusCode).toBe(200);

    const done = await browser.post('/sign-in/verify', {
      token: new URL(link).searchParams.get('token')!,
      _csrf: csrfOf(confirm.body),
    });
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe('/areas/practice/F83004');
    const session = done.cookies.find((c) => c.name === 'nhsaa_session')!;
    expect(session.httpOnly).toBe(true);
    expect(session.sameSite).toBe('Lax');
    expect(session.path).toBe('/');

    const practice = await browser.get('/areas/practice/F83004');
    expect(practice.statusCode).toBe(200);
    expect(practice.body).toContain('Somers Town Medical Centre');
    expect(practice.headers['cache-control']).toMatch(/^private/);
    // Header: signed in, an account link and a sign-out button; never the address.
    expect(practice.body).toContain('Signed in');
    expect(practice.body).toContain('href="/account"');
    expect(practice.body).toMatch(/action="\/sign-out" method="post"/);
    expect(practice.body).not.toContain('/sign-out?');
    expect(practice.body).not.toContain('new.person@nhs.net');
    expect((await browser.get('/?grain=week')).statusCode).toBe(200);

    const user = await store.findUserByEmail(db, 'new.person@nhs.net');
    expect(user).toMatchObject({ role: 'viewer', status: 'active' });
    const out = await browser.post('/sign-out', { _csrf: signOutCsrf(practice.body) });
    expect(out.statusCode).toBe(303);
    expect(browser.cookies.has('nhsaa_session')).toBe(false);
    expect((await browser.get('/areas/practice/F83004')).statusCode).toBe(303);
    const home = await browser.get('/');
    expect(home.body).toContain('id="access-notice"');
    expect(home.body).not.toContain('id="tile-appointments_cancelled"');

    // Nothing secret in the log: no address, no session id.
    const log = logLines.join('');
    expect(log).not.toMatch(/new\.person@nhs\.net/i);
    expect(log).not.toContain(session.value);

    const audit = await store.auditPage(db, 50, 0);
    const actions = audit
      .filter((a) => a.actorUserId === user!.userId)
      .map((a) => `${a.action}:${a.outcome}`);
    expect(actions).toEqual(
      expect.arrayContaining(['sign-in:success', 'sign-out:success', 'user.create:success']),
    );
    // The audit log never holds the link or the session id.
    const all = JSON.stringify(audit);
    expect(all).not.toContain(new URL(link).searchParams.get('token')!);
    expect(all).not.toContain(session.value);
  });

  it('refuses addresses outside the allow-list with a clear message, sends nothing and audits the domain only', async () => {
    for (const email of ['a@nhs.net.evil.com', 'a@evil-nhs.net', 'a@xnhs.net', 'a@NHS.NET.', 'a@gmail.com']) {
      const browser = new Browser();
      const sent = outbox().length;
      const res = await requestLink(browser, email);
      expect(res.statusCode).toBe(400);
      expect(res.body).toMatch(
        /You can only sign in with an email address ending nhs\.net or nhs\.uk|correct format/,
      );
      expect(outbox().length).toBe(sent);
    }
    const audit = await store.auditPage(db, 20, 0);
    expect(audit.some((a) => a.target === 'domain:nhs.net.evil.com' && a.outcome === 'refused')).toBe(true);
    expect(JSON.stringify(audit)).not.toContain('a@nhs.net.evil.com');
  });

  it('escapes what was typed when showing it back', async () => {
    const res = await requestLink(new Browser(), '"><script>alert(1)</script>@nhs.net');
    expect(res.statusCode).toBe(400);
    expect(res.body).not.toContain('<script>alert(1)');
    expect(res.body).toContain('&lt;script&gt;');
  });

  it('refuses a reused link', async () => {
    const browser = new Browser();
    expect((await signIn(browser, 'reuse@nhs.net')).statusCode).toBe(303);
    const link = latestLinkTo('reuse@nhs.net');
    const again = await browser.get(pathOf(link));
    expect(again.statusCode).toBe(400);
    expect(again.body).toContain('already been used');
    const token = new URL(link).searchParams.get('token')!;
    const post = await browser.post('/sign-in/verify', {
      token,
      _csrf: csrfOf((await browser.get('/account')).body),
    });
    expect(post.statusCode).toBe(400);
  });

  it('refuses an expired link (15 minutes)', async () => {
    const browser = new Browser();
    await requestLink(browser, 'late@nhs.net');
    const link = latestLinkTo('late@nhs.net');
    now += 14 * 60_000;
    expect((await browser.get(pathOf(link))).statusCode).toBe(200);
    now += 61_000;
    const res = await browser.get(pathOf(link));
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('has expired');
  });

  it('refuses tampered and made-up links without saying whether an address exists', async () => {
    const browser = new Browser();
    await requestLink(browser, 'tamper@nhs.net');
    const token = new URL(latestLinkTo('tamper@nhs.net')).searchParams.get('token')!;
    const flipped = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    for (const t of [flipped, 'x'.repeat(43), token.slice(0, 20)]) {
      const res = await browser.get(`/sign-in/verify?token=${t}`);
      expect(res.statusCode).toBe(400);
      expect(res.body).toContain('not valid');
    }
    for (const t of ["' OR 1=1 --", '<script>', '../../etc/passwd', 'a'.repeat(5000)]) {
      const res = await browser.get(`/sign-in/verify?token=${encodeURIComponent(t)}`);
      expect(res.statusCode).toBe(400);
      expect(res.body).not.toContain('<script>');
    }
    // The real link still works afterwards.
    expect((await browser.get(`/sign-in/verify?token=${token}`)).statusCode).toBe(200);
  });

  it('does not sign another browser in on the link alone, and does not burn it (ADR 0033)', async () => {
    const asker = new Browser('10.0.0.2');
    const asked = await requestLink(asker, 'bound@nhs.net');
    const code = codeOf(asked.body);
    const link = latestLinkTo('bound@nhs.net');
    // The code is on the asking browser's page only: not in the email, not in the log.
    for (const form of [code, code.replace(' ', '')]) {
      expect(emailTo('bound@nhs.net')).not.toContain(form);
      expect(logLines.join('')).not.toContain(form);
    }
    const other = new Browser('10.0.0.3');
    const page = await other.get(pathOf(link));
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Enter your sign-in code');
    expect(page.body).not.toContain('id="confirm-sign-in"');
    // Posting the link without a code (as the same-browser button would) asks for the code again.
    const posted = await other.post('/sign-in/verify', {
      token: new URL(link).searchParams.get('token')!,
      _csrf: csrfOf(page.body),
    });
    expect(posted.statusCode).toBe(400);
    expect(posted.body).toContain('Enter the sign-in code shown in the browser where you asked');
    expect(other.cookies.has('nhsaa_session')).toBe(false);
    // A forged binding cookie does not make it the asking browser.
    other.cookies.set('nhsaa_signin', 'A'.repeat(43));
    const forged = await other.get(pathOf(link));
    expect(forged.body).toContain('Enter your sign-in code');
    // The asker can still use it, with no code.
    const confirm = await asker.get(pathOf(link));
    expect(confirm.statusCode).toBe(200);
    expect(confirm.body).toContain('id="confirm-sign-in"');
    const done = await asker.post('/sign-in/verify', {
      token: new URL(link).searchParams.get('token')!,
      _csrf: csrfOf(confirm.body),
    });
    expect(done.statusCode).toBe(303);
  });

  it('sets the binding cookie as the cookies page says: its name, and its lifetime in minutes', async () => {
    const asked = await requestLink(new Browser('10.0.0.4'), 'cookie.check@nhs.net');
    const set = (asked.cookies as { name: string; maxAge?: number; httpOnly?: boolean }[]).find(
      (c) => c.name === 'nhsaa_signin',
    )!;
    expect(set.httpOnly).toBe(true);
    expect(set.maxAge).toBe(60 * 60); // four 15-minute link lifetimes
    const page = (await app.inject('/cookies')).body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    expect(page).toContain('nhsaa_signin');
    expect(page).toContain('After 60 minutes, or when that browser signs in');
  });

  it('only redirects to same-site paths after sign-in', async () => {
    for (const next of ['https://evil.example/', '//evil.example', '/\\evil.example']) {
      const res = await signIn(new Browser(), `next${outbox().length}@nhs.net`, next);
      expect(res.statusCode).toBe(303);
      expect(res.headers.location).toBe('/');
    }
  });

  it('never redirects a signed-in user off the site through next (issue 16, item 8)', async () => {
    const browser = new Browser();
    await signIn(browser, 'redirect@nhs.net');
    for (const next of [
      '/.//evil.example',
      '/..//evil.example',
      '/%2e//evil.example',
      '/x/..//evil.example',
      '/%2e%2e//evil.example',
      '/x/%2e%2e//evil.example',
    ]) {
      const res = await browser.get(`/sign-in?next=${encodeURIComponent(next)}`);
      expect(res.statusCode, next).toBe(303);
      expect(res.headers.location, next).toBe('/');
    }
    const fine = await browser.get(`/sign-in?next=${encodeURIComponent('/x/../areas?grain=week')}`);
    expect(fine.headers.location).toBe('/areas?grain=week');
    // The same values kept with a sign-in link are checked again when it is used.
    const res = await signIn(new Browser('10.0.0.77'), 'redirect2@nhs.net', '/x/%2e%2e//evil.example');
    expect(res.headers.location).toBe('/');
  });

  it('refuses disabled users (same page when asking, so accounts cannot be discovered)', async () => {
    const user = await store.insertUser(db, {
      email: 'gone@nhs.net',
      role: 'viewer',
      now: clock.now(),
      createdBy: 'cli',
    });
    await store.setUserStatus(db, user.userId, 'disabled');
    const sent = outbox().length;
    const res = await requestLink(new Browser(), 'gone@nhs.net');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Check your email');
    expect(outbox().length).toBe(sent);
  });

  it('refuses sub-addresses, so a disabled user cannot come back as a+x@ (issue 16, item 12a)', async () => {
    const user = await store.insertUser(db, {
      email: 'plus@nhs.net',
      role: 'viewer',
      now: clock.now(),
      createdBy: 'cli',
    });
    await store.setUserStatus(db, user.userId, 'disabled');
    for (const email of ['plus+x@nhs.net', 'Plus+Again@NHS.net']) {
      const sent = outbox().length;
      const res = await requestLink(new Browser('10.0.0.78'), email);
      expect(res.statusCode).toBe(400);
      expect(res.body).toContain('sub-addresses (+…) are not accepted');
      expect(outbox().length).toBe(sent);
    }
    expect(await store.findUserByEmail(db, 'plus+x@nhs.net')).toBeNull();
    // Admins cannot add one either.
    await makeAdmin('plus.admin@nhs.net');
    const admin = new Browser('10.0.0.79');
    await signIn(admin, 'plus.admin@nhs.net');
    const page = await admin.get('/admin/users');
    const invited = await admin.post('/admin/users', {
      email: 'plus+x@nhs.net',
      role: 'viewer',
      _csrf: csrfOf(page.body),
    });
    expect(invited.statusCode).toBe(400);
    expect(invited.body).toContain('sub-addresses (+…) are not accepted');
    expect(await store.findUserByEmail(db, 'plus+x@nhs.net')).toBeNull();
  });

  it('rate-limits sign-in requests per address and per client', async () => {
    const browser = new Browser('10.0.0.9');
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await requestLink(browser, 'busy@nhs.net')).statusCode);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    const limited = await requestLink(browser, 'busy@nhs.net');
    expect(limited.headers['retry-after']).toMatch(/^\d+$/);
    expect(limited.body).toContain('Too many requests');
    // Per client: 20 requests a window whatever the address.
    const client = new Browser('10.0.0.10');
    const codes: number[] = [];
    for (let i = 0; i < 21; i++) codes.push((await requestLink(client, `c${i}@nhs.net`)).statusCode);
    expect(codes.slice(0, 20).every((c) => c === 200)).toBe(true);
    expect(codes[20]).toBe(429);
  });
});

describe('sessions', () => {
  it('end after 30 idle minutes', async () => {
    const browser = new Browser();
    await signIn(browser, 'idle@nhs.net');
    now += 29 * 60_000;
    expect((await browser.get('/account')).statusCode).toBe(200);
    now += 29 * 60_000; // still within 30 minutes of the last request
    expect((await browser.get('/account')).statusCode).toBe(200);
    now += 31 * 60_000;
    expect((await browser.get('/account')).statusCode).toBe(303);
  });

  it('end 12 hours after sign-in however active', async () => {
    const browser = new Browser();
    await signIn(browser, 'busy.bee@nhs.net');
    // A request every 25 minutes (never idle for 30): fine for 11 h 40 min, over at 12 h 5 min.
    const codes: number[] = [];
    for (let i = 1; i <= 29; i++) {
      now += 25 * 60_000;
      codes.push((await browser.get('/account')).statusCode);
    }
    expect(codes.slice(0, 28).every((c) => c === 200)).toBe(true);
    expect(codes[28]).toBe(303);
  });

  it('one user’s session cookie cannot act as another, and a forged one is nobody', async () => {
    const alice = new Browser();
    const bob = new Browser();
    await signIn(alice, 'alice@nhs.net');
    await signIn(bob, 'bob@nhs.net');
    // Bob creates a token; Alice cannot revoke it even with her own valid CSRF token.
    const bobAccount = await bob.get('/account');
    const created = await bob.post('/account/tokens', { name: 'bob script', _csrf: csrfOf(bobAccount.body) });
    expect(created.statusCode).toBe(200);
    const bobUser = await store.findUserByEmail(db, 'bob@nhs.net');
    const [bobToken] = await store.listApiTokens(db, bobUser!.userId);
    const aliceAccount = await alice.get('/account');
    const revoke = await alice.post(`/account/tokens/${bobToken!.tokenId}/revoke`, {
      _csrf: csrfOf(aliceAccount.body),
    });
    expect(revoke.statusCode).toBe(404);
    expect((await store.listApiTokens(db, bobUser!.userId))[0]!.revokedAt).toBeNull();
    // Alice's session with Bob's CSRF token: refused.
    const mixed = await alice.post(`/account/tokens/${bobToken!.tokenId}/revoke`, {
      _csrf: csrfOf(bobAccount.body),
    });
    expect(mixed.statusCode).toBe(403);
    // Alice's account page never shows Bob's tokens.
    expect(aliceAccount.body).not.toContain('bob script');
    // Made-up and tampered session cookies are anonymous.
    const forged = new Browser();
    forged.cookies.set('nhsaa_session', 'A'.repeat(43));
    expect((await forged.get('/account')).statusCode).toBe(303);
    const tampered = new Browser();
    const real = alice.cookies.get('nhsaa_session')!;
    tampered.cookies.set('nhsaa_session', real.slice(0, -1) + (real.endsWith('A') ? 'B' : 'A'));
    expect((await tampered.get('/account')).statusCode).toBe(303);
    // The warehouse holds only hashes.
    expect(await db.scalar('SELECT count(*) FROM user_session WHERE session_hash = $1', [real])).toBe(0);
    expect(
      await db.scalar('SELECT count(*) FROM user_session WHERE session_hash = $1', [hashToken(real)]),
    ).toBe(1);
  });
});

describe('CSRF', () => {
  it('refuses every state-changing form without a valid token', async () => {
    const browser = new Browser();
    await signIn(browser, 'csrf@nhs.net');
    const user = await store.findUserByEmail(db, 'csrf@nhs.net');
    await makeAdmin('csrf@nhs.net');
    const victim = await store.insertUser(db, {
      email: 'victim@nhs.net',
      role: 'viewer',
      now: clock.now(),
      createdBy: 'cli',
    });
    const posts: [string, Record<string, string>][] = [
      ['/sign-in', { email: 'x@nhs.net' }],
      ['/sign-in/verify', { token: 'A'.repeat(43) }],
      ['/sign-out', {}],
      ['/account/tokens', { name: 'x' }],
      ['/admin/users', { email: 'new@nhs.net', role: 'admin' }],
      [`/admin/users/${victim.userId}/role`, { role: 'admin' }],
      [`/admin/users/${victim.userId}/status`, { status: 'disabled' }],
    ];
    for (const [url, form] of posts) {
      for (const token of [undefined, '', 'forged', 'A'.repeat(43)]) {
        const res = await browser.post(url, token === undefined ? form : { ...form, _csrf: token });
        expect(res.statusCode, `${url} ${token}`).toBe(403);
      }
    }
    expect((await store.findUserById(db, victim.userId))!.role).toBe('viewer');
    expect((await store.findUserById(db, victim.userId))!.status).toBe('active');
    expect(await store.findUserByEmail(db, 'new@nhs.net')).toBeNull();
    expect(await store.listApiTokens(db, user!.userId)).toEqual([]);
    // Still signed in: the refused sign-out did nothing.
    expect((await browser.get('/account')).statusCode).toBe(200);
  });
});

describe('CSRF tokens are bound to the session (issue 16, item 12c)', () => {
  it('refuses a token from session A in session B of the same user', async () => {
    const a = new Browser('10.0.2.1');
    const b = new Browser('10.0.2.2');
    await signIn(a, 'two.sessions@nhs.net');
    await signIn(b, 'two.sessions@nhs.net');
    const tokenA = csrfOf((await a.get('/account')).body);
    const tokenB = csrfOf((await b.get('/account')).body);
    expect(tokenA).not.toBe(tokenB);
    const user = (await store.findUserByEmail(db, 'two.sessions@nhs.net'))!;
    const crossed = await b.post('/account/tokens', { name: 'crossed', _csrf: tokenA });
    expect(crossed.statusCode).toBe(403);
    expect((await b.post('/sign-out', { _csrf: tokenA })).statusCode).toBe(403);
    expect((await b.get('/account')).statusCode).toBe(200); // the refused sign-out did nothing
    expect(await store.listApiTokens(db, user.userId)).toEqual([]);
    // Each session's own token works, in the form body or the X-CSRF-Token header.
    expect((await b.post('/account/tokens', { name: 'mine', _csrf: tokenB })).statusCode).toBe(200);
    const viaHeader = await a.request({
      method: 'POST',
      url: '/account/tokens',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-csrf-token': tokenA },
      payload: 'name=header',
    });
    expect(viaHeader.statusCode).toBe(200);
    // Signing out and in again in the same browser is a new session: the old page's token no longer works.
    expect((await a.post('/sign-out', { _csrf: tokenA })).statusCode).toBe(303);
    await signIn(a, 'two.sessions@nhs.net');
    expect((await a.get('/account')).statusCode).toBe(200);
    expect((await a.post('/account/tokens', { name: 'stale', _csrf: tokenA })).statusCode).toBe(403);
  });

  it('puts each session’s own token in the sign-out form of cached pages', async () => {
    // Turn the response cache on (it needs a data version) for this test only.
    await db.run("INSERT OR REPLACE INTO warehouse_meta (key, value) VALUES ('data_version', 'csrf-test')");
    app.responseCache.invalidate();
    try {
      const a = new Browser('10.0.2.3');
      const b = new Browser('10.0.2.4');
      await signIn(a, 'cached.pages@nhs.net');
      await signIn(b, 'cached.pages@nhs.net');
      const homeA = await a.get('/');
      expect(homeA.statusCode).toBe(200);
      expect(homeA.headers.etag).toBeDefined();
      expect(signOutCsrf((await a.get('/')).body)).toBe(signOutCsrf(homeA.body));
      const homeB = await b.get('/');
      expect(signOutCsrf(homeA.body)).not.toBe(signOutCsrf(homeB.body));
      expect(signOutCsrf((await b.get('/')).body)).toBe(signOutCsrf(homeB.body));
      const out = await b.post('/sign-out', { _csrf: signOutCsrf(homeB.body) });
      expect(out.statusCode).toBe(303);
      expect(b.cookies.has('nhsaa_session')).toBe(false);
      expect((await a.get('/account')).statusCode).toBe(200);
    } finally {
      await db.run("DELETE FROM warehouse_meta WHERE key = 'data_version'");
      app.responseCache.invalidate();
    }
  });

  it('refuses a token sent in the query string', async () => {
    const browser = new Browser('10.0.2.5');
    await signIn(browser, 'query.csrf@nhs.net');
    const token = csrfOf((await browser.get('/account')).body);
    const created = await browser.post(`/account/tokens?_csrf=${token}`, { name: 'via query' });
    expect(created.statusCode).toBe(403);
    const out = await browser.post(`/sign-out?_csrf=${token}`, {});
    expect(out.statusCode).toBe(403);
    expect((await browser.get('/account')).statusCode).toBe(200);
    const user = (await store.findUserByEmail(db, 'query.csrf@nhs.net'))!;
    expect(await store.listApiTokens(db, user.userId)).toEqual([]);
    // The sign-in form of a visitor: the same rule.
    const visitor = new Browser('10.0.2.6');
    const form = await visitor.get('/sign-in');
    const asked = await visitor.request({
      method: 'POST',
      url: `/sign-in?_csrf=${csrfOf(form.body)}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'email=query.visitor%40nhs.net',
    });
    expect(asked.statusCode).toBe(403);
  });
});

describe('response cache and ETags after access (issue 16, item 12b)', () => {
  it('never answers 304 to a visitor for a restricted URL, whatever If-None-Match says', async () => {
    await db.run("INSERT OR REPLACE INTO warehouse_meta (key, value) VALUES ('data_version', 'etag-test')");
    app.responseCache.invalidate();
    try {
      const browser = new Browser('10.0.4.1');
      await signIn(browser, 'etag.owner@nhs.net');
      const weekly = await browser.get('/?grain=week');
      expect(weekly.statusCode).toBe(200);
      const tag = weekly.headers.etag as string;
      expect(tag).toMatch(/^W\//);
      expect((await browser.get('/?grain=week', { 'if-none-match': tag })).statusCode).toBe(304);
      const practice = await browser.get('/areas/practice/F83004');
      expect(practice.statusCode).toBe(200);
      const visitor = new Browser('10.0.4.2');
      for (const [url, inm] of [
        ['/?grain=week', '*'],
        ['/?grain=week', tag],
        ['/areas/practice/F83004', '*'],
        ['/areas/practice/F83004', practice.headers.etag as string],
        ['/api/v1/series?metric=logins&grain=week', '*'],
      ] as const) {
        const res = await visitor.get(url, { 'if-none-match': inm });
        expect(res.statusCode, `${url} ${inm}`).not.toBe(304);
        expect([303, 401], `${url} ${inm}`).toContain(res.statusCode);
        expect(res.headers.etag).toBeUndefined();
      }
      // Open data for visitors still revalidates.
      const open = await visitor.get('/');
      expect(open.statusCode).toBe(200);
      expect((await visitor.get('/', { 'if-none-match': open.headers.etag as string })).statusCode).toBe(304);
    } finally {
      await db.run("DELETE FROM warehouse_meta WHERE key = 'data_version'");
      app.responseCache.invalidate();
    }
  });
});

describe('API tokens cannot manage tokens or users (issue 16, item 9)', () => {
  async function tokenFor(browser: Browser): Promise<string> {
    const created = await browser.post('/account/tokens', {
      name: 'script',
      _csrf: csrfOf((await browser.get('/account')).body),
    });
    return /id="new-token">([^<]+)</.exec(created.body)![1]!;
  }

  it('refuses every state-changing /account route with a Bearer token, with a clear message', async () => {
    const browser = new Browser('10.0.3.1');
    await signIn(browser, 'token.powers@nhs.net');
    const token = await tokenFor(browser);
    const user = (await store.findUserByEmail(db, 'token.powers@nhs.net'))!;
    const [info] = await store.listApiTokens(db, user.userId);
    const script = new Browser('10.0.3.2');
    const bearer = { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' };
    const mint = await script.request({
      method: 'POST',
      url: '/account/tokens',
      headers: bearer,
      payload: 'name=leaked',
    });
    expect(mint.statusCode).toBe(403);
    expect(mint.body).toContain('API tokens can only read figures');
    const revoke = await script.request({
      method: 'POST',
      url: `/account/tokens/${info!.tokenId}/revoke`,
      headers: bearer,
      payload: '',
    });
    expect(revoke.statusCode).toBe(403);
    const signOut = await script.request({ method: 'POST', url: '/sign-out', headers: bearer, payload: '' });
    expect(signOut.statusCode).toBe(403);
    // Even with the owner's own CSRF token alongside: a session is needed, not a token.
    const withCsrf = await script.request({
      method: 'POST',
      url: '/account/tokens',
      headers: { ...bearer, 'x-csrf-token': csrfOf((await browser.get('/account')).body) },
      payload: 'name=leaked',
    });
    expect(withCsrf.statusCode).toBe(403);
    const tokens = await store.listApiTokens(db, user.userId);
    expect(tokens).toHaveLength(1);
    expect(tokens[0]!.revokedAt).toBeNull();
    // The token still reads figures.
    const read = await script.get('/api/v1/series?metric=logins&grain=week', {
      authorization: `Bearer ${token}`,
    });
    expect(read.statusCode).not.toBe(401);
    expect(read.statusCode).not.toBe(403);
    const page = await script.get('/areas/practice/F83004', { authorization: `Bearer ${token}` });
    expect(page.statusCode).toBe(200);
    // And the JSON API says so in JSON.
    const api = await script.request({
      method: 'POST',
      url: '/account/tokens',
      headers: { ...bearer, accept: 'application/json' },
      payload: 'name=leaked',
    });
    expect(api.statusCode).toBe(403);
  });

  it('refuses every state-changing /admin route with an admin Bearer token', async () => {
    await makeAdmin('token.admin@nhs.net');
    const admin = new Browser('10.0.3.3');
    await signIn(admin, 'token.admin@nhs.net');
    const token = await tokenFor(admin);
    const victim = await store.insertUser(db, {
      email: 'token.victim@nhs.net',
      role: 'viewer',
      now: clock.now(),
      createdBy: 'cli',
    });
    const script = new Browser('10.0.3.4');
    const bearer = { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' };
    for (const [url, payload] of [
      ['/admin/users', 'email=token.made.admin%40nhs.net&role=admin'],
      [`/admin/users/${victim.userId}/role`, 'role=admin'],
      [`/admin/users/${victim.userId}/status`, 'status=disabled'],
    ] as const) {
      const res = await script.request({ method: 'POST', url, headers: bearer, payload });
      expect(res.statusCode, url).toBe(403);
      expect(res.body, url).toContain('API tokens can only read figures');
    }
    expect(await store.findUserByEmail(db, 'token.made.admin@nhs.net')).toBeNull();
    expect(await store.findUserById(db, victim.userId)).toMatchObject({ role: 'viewer', status: 'active' });
    // Reading admin pages with the token is not a state change and is unchanged.
    expect((await script.get('/admin/users', { authorization: `Bearer ${token}` })).statusCode).toBe(200);
  });
});

describe('personal API tokens', () => {
  it('are shown once, stored hashed, work as Bearer, are audited, and stop when revoked', async () => {
    const browser = new Browser();
    await signIn(browser, 'analyst@nhs.net');
    const account = await browser.get('/account');
    const created = await browser.post('/account/tokens', {
      name: 'ICB script',
      _csrf: csrfOf(account.body),
    });
    expect(created.statusCode).toBe(200);
    expect(created.headers['cache-control']).toBe('no-store');
    const token = /id="new-token">([^<]+)</.exec(created.body)![1]!;
    expect(token).toMatch(/^nhsaa_[A-Za-z0-9_-]{43}$/);
    expect((await browser.get('/account')).body).not.toContain(token);
    expect(await db.scalar('SELECT count(*) FROM api_token WHERE token_hash = $1', [hashToken(token)])).toBe(
      1,
    );
    expect(JSON.stringify(await db.all('SELECT * FROM api_token'))).not.toContain(token);

    const script = new Browser('10.0.0.50');
    const anonymousApi = await script.get('/api/v1/series?metric=logins&grain=week');
    expect(anonymousApi.statusCode).toBe(401);
    expect(anonymousApi.headers['www-authenticate']).toBe('Bearer realm="NHS App Analytics"');
    const withToken = await script.get('/api/v1/series?metric=logins&grain=week', {
      authorization: `Bearer ${token}`,
    });
    expect(withToken.statusCode).not.toBe(401);
    const page = await script.get('/areas/practice/F83004', { authorization: `Bearer ${token}` });
    expect(page.statusCode).toBe(200);
    const audit = await store.auditPage(db, 50, 0);
    expect(audit.some((a) => a.action === 'token.use' && a.outcome === 'success')).toBe(true);
    expect(JSON.stringify(audit)).not.toContain(token);

    const [info] = await store.listApiTokens(
      db,
      (await store.findUserByEmail(db, 'analyst@nhs.net'))!.userId,
    );
    const revoked = await browser.post(`/account/tokens/${info!.tokenId}/revoke`, {
      _csrf: csrfOf((await browser.get('/account')).body),
    });
    expect(revoked.statusCode).toBe(303);
    const after = await script.get('/api/v1/series?metric=logins&grain=week', {
      authorization: `Bearer ${token}`,
    });
    expect(after.statusCode).toBe(401);
    expect(after.headers['www-authenticate']).toBe('Bearer realm="NHS App Analytics", error="invalid_token"');
    for (const bad of [
      `Bearer ${token}x`,
      'Bearer nhsaa_short',
      'Basic YTpi',
      `Bearer ${'A'.repeat(5000)}`,
    ]) {
      expect((await script.get('/api/v1/areas?level=icb', { authorization: bad })).statusCode).toBe(401);
    }
  });
});

describe('failed API tokens: aggregated audit, rate limit, retention (issue 16, item 10)', () => {
  const junk = (i: number) => `Bearer nhsaa_${String(i).padStart(43, 'J')}`;
  const maxAuditId = async () =>
    Number((await db.scalar('SELECT coalesce(max(audit_id), 0) FROM audit_log')) ?? 0);
  const auditSince = (id: number) =>
    db.all<{ action: string; outcome: string; detail: string; client_hash: string }>(
      'SELECT action, outcome, detail, client_hash FROM audit_log WHERE audit_id > $1 ORDER BY audit_id',
      [id],
    );

  it('writes at most one audit row per client a minute, with a count, and answers 429 after 10 failures', async () => {
    // A real token of a real user, used later from the same address.
    const owner = new Browser('10.0.5.9');
    await signIn(owner, 'flood.owner@nhs.net');
    const created = await owner.post('/account/tokens', {
      name: 'script',
      _csrf: csrfOf((await owner.get('/account')).body),
    });
    const token = /id="new-token">([^<]+)</.exec(created.body)![1]!;

    const start = await maxAuditId();
    const attacker = new Browser('10.0.5.1');
    const codes: number[] = [];
    let limited: LightMyRequestResponse | null = null;
    for (let i = 0; i < 50; i++) {
      const auth = i % 5 === 0 ? 'Bearer junk' : junk(i);
      const res = await attacker.get('/api/v1/areas?level=icb', { authorization: auth });
      codes.push(res.statusCode);
      if (res.statusCode === 429) limited = res;
    }
    expect(codes.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(codes.slice(10)).toEqual(Array(40).fill(429));
    expect(limited!.headers['retry-after']).toMatch(/^[1-9]\d*$/);
    let rows = await auditSince(start);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ action: 'token.use', outcome: 'refused' });
    expect(rows[0]!.detail).toMatch(/^unknown, revoked or malformed token: \d+ failed attempts? in a minute/);

    // A valid token from the same address still works; another address is not limited.
    const valid = await attacker.get('/areas/practice/F83004', { authorization: `Bearer ${token}` });
    expect(valid.statusCode).toBe(200);
    const other = await new Browser('10.0.5.2').get('/api/v1/areas?level=icb', { authorization: junk(1) });
    expect(other.statusCode).toBe(401);

    // The next minute: a new window and a new row; the first row now holds the whole count.
    now += 61_000;
    expect((await attacker.get('/api/v1/areas?level=icb', { authorization: junk(99) })).statusCode).toBe(401);
    rows = (await auditSince(start)).filter((r) => r.action === 'token.use' && r.outcome === 'refused');
    expect(rows).toHaveLength(3); // attacker, other address, attacker again
    expect(rows[0]!.detail).toContain('50 failed attempts in a minute (40 answered 429)');
    expect(rows[1]!.detail).toContain('1 failed attempt in a minute');
    expect(rows[1]!.client_hash).not.toBe(rows[0]!.client_hash);
    expect(rows[2]!.detail).toContain('1 failed attempt in a minute');
    expect(rows[2]!.client_hash).toBe(rows[0]!.client_hash);
  });

  it('purges audit rows past AUDIT_RETENTION_DAYS, ended sessions and old sign-in links on start and daily', async () => {
    const day = 24 * 3600_000;
    const db2 = await Warehouse.open(':memory:');
    await migrate(db2);
    const t = clock.now();
    const ago = (ms: number) => new Date(t.getTime() - ms);
    const audit = (at: Date, detail: string) =>
      store.insertAudit(db2, {
        at,
        actorUserId: null,
        action: 'test',
        target: null,
        outcome: 'success',
        detail,
        clientHash: null,
      });
    await audit(ago(401 * day), 'too old');
    await audit(ago(399 * day), 'kept');
    await audit(ago(399.5 * day), 'too old tomorrow');
    const user = await store.insertUser(db2, {
      email: 'keep@nhs.net',
      role: 'viewer',
      now: t,
      createdBy: null,
    });
    const session = (hash: string, created: Date, expires: Date) =>
      store.insertSession(db2, {
        sessionHash: hash,
        userId: user.userId,
        method: 'email-link',
        now: created,
        expiresAt: expires,
        userAgentClass: 'Other',
      });
    await session('ended', ago(2 * day), ago(day));
    await session('live', t, new Date(t.getTime() + 3600_000));
    await store.ensureLinkCodeColumns(db2);
    const link = (hash: string, expires: Date) =>
      store.insertLink(db2, {
        tokenHash: hash,
        email: 'keep@nhs.net',
        browserHash: 'b',
        nextPath: '/',
        now: ago(3 * day),
        expiresAt: expires,
        codeHash: 'c',
      });
    await link('old-link', ago(2 * day));
    await link('new-link', new Date(t.getTime() + 600_000));

    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const app2 = await buildApp({
      db: db2,
      config: loadConfig({ DATA_DIR: dataDir, AUDIT_RETENTION_DAYS: '400' }),
      clock,
      queries: createTestQueries(),
    });
    try {
      await app2.ready();
      const details = async () =>
        (await db2.all<{ detail: string }>('SELECT detail FROM audit_log ORDER BY audit_id')).map(
          (r) => r.detail,
        );
      expect(await details()).toEqual(['kept', 'too old tomorrow']);
      expect(await db2.all('SELECT session_hash FROM user_session')).toEqual([{ session_hash: 'live' }]);
      expect(await db2.all('SELECT token_hash FROM sign_in_link')).toEqual([{ token_hash: 'new-link' }]);
      // A day later, without a restart.
      now += day;
      vi.advanceTimersByTime(day);
      await vi.waitFor(async () => expect(await details()).toEqual(['kept']), { timeout: 5000 });
    } finally {
      vi.useRealTimers();
      await app2.close();
      db2.close();
    }
  });
});

describe('admin pages', () => {
  it('are for admins only', async () => {
    const viewer = new Browser();
    await signIn(viewer, 'just.a.viewer@nhs.net');
    for (const url of ['/admin/users', '/admin/audit', '/admin/refresh']) {
      expect((await viewer.get(url)).statusCode).toBe(403);
      const anon = await new Browser().get(url);
      expect(anon.statusCode).toBe(303);
    }
  });

  it('invite users, change roles, disable and enable (ending sessions), and show the audit log', async () => {
    await makeAdmin('boss@nhs.net');
    const admin = new Browser();
    await signIn(admin, 'boss@nhs.net');
    const page = await admin.get('/admin/users');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('href="/admin/users"'); // header link for admins

    const invited = await admin.post('/admin/users', {
      email: 'Invitee@NHS.uk',
      role: 'admin',
      _csrf: csrfOf(page.body),
    });
    expect(invited.statusCode).toBe(303);
    const invitee = await store.findUserByEmail(db, 'invitee@nhs.uk');
    expect(invitee).toMatchObject({ role: 'admin', status: 'active' });
    const refused = await admin.post('/admin/users', {
      email: 'x@evil.com',
      role: 'viewer',
      _csrf: csrfOf(page.body),
    });
    expect(refused.statusCode).toBe(400);

    const member = new Browser();
    await signIn(member, 'member@nhs.net');
    const memberUser = (await store.findUserByEmail(db, 'member@nhs.net'))!;
    expect((await member.get('/account')).statusCode).toBe(200);
    const disable = await admin.post(`/admin/users/${memberUser.userId}/status`, {
      status: 'disabled',
      _csrf: csrfOf(page.body),
    });
    expect(disable.statusCode).toBe(303);
    expect((await member.get('/account')).statusCode).toBe(303); // session ended
    const again = await requestLink(new Browser('10.0.1.1'), 'member@nhs.net');
    expect(again.body).toContain('Check your email');
    expect((await store.findUserById(db, memberUser.userId))!.status).toBe('disabled');
    await admin.post(`/admin/users/${memberUser.userId}/status`, {
      status: 'active',
      _csrf: csrfOf(page.body),
    });
    await admin.post(`/admin/users/${memberUser.userId}/role`, { role: 'admin', _csrf: csrfOf(page.body) });
    expect((await store.findUserById(db, memberUser.userId))!).toMatchObject({
      status: 'active',
      role: 'admin',
    });

    // Admins cannot lock themselves out.
    const self = (await store.findUserByEmail(db, 'boss@nhs.net'))!;
    expect(
      (await admin.post(`/admin/users/${self.userId}/role`, { role: 'viewer', _csrf: csrfOf(page.body) }))
        .statusCode,
    ).toBe(400);
    expect(
      (
        await admin.post(`/admin/users/${self.userId}/status`, {
          status: 'disabled',
          _csrf: csrfOf(page.body),
        })
      ).statusCode,
    ).toBe(400);

    const audit = await admin.get('/admin/audit');
    expect(audit.statusCode).toBe(200);
    expect(audit.body).toContain('user.invite');
    expect(audit.body).toContain('user.disable');
    expect(audit.body).toContain('boss@nhs.net'); // the who, for admins
    // Whose role changed: their address, not the internal id.
    expect(audit.body).toContain('user member@nhs.net');
    expect(audit.body).not.toContain(`user:${memberUser.userId}`);
    expect((await admin.get('/admin/audit?page=2')).statusCode).toBe(200);
    expect((await admin.get('/admin/audit?page=99999')).statusCode).toBe(404);
    expect((await admin.get('/admin/audit?page=0')).statusCode).toBe(400);
    expect((await admin.get('/admin/refresh')).statusCode).toBe(200);
    // /admin leads to the first admin page; the audit log's filters are checked.
    const home = await admin.get('/admin');
    expect([home.statusCode, home.headers.location]).toEqual([303, '/admin/users']);
    const viewer = new Browser('10.0.4.1');
    await signIn(viewer, 'just.a.viewer@nhs.net');
    expect((await viewer.get('/admin')).statusCode).toBe(403);
    for (const bad of ['action=DROP%20TABLE', 'user=%27--', 'colour=blue'])
      expect((await admin.get(`/admin/audit?${bad}`)).statusCode, bad).toBe(400);
    for (const bad of ['not-a-uuid', '../../etc', "'%20OR%201=1"]) {
      expect([400, 404]).toContain(
        (await admin.post(`/admin/users/${bad}/role`, { role: 'admin', _csrf: csrfOf(page.body) }))
          .statusCode,
      );
    }
  });
});

describe('who downloaded what (user task 15)', () => {
  it('writes each download of a signed-in person or their token to the audit log, which an admin filters', async () => {
    await makeAdmin('auditor@nhs.net');
    const admin = new Browser('10.0.5.1');
    await signIn(admin, 'auditor@nhs.net');
    const analyst = new Browser('10.0.5.2');
    await signIn(analyst, 'downloader@nhs.net');
    const user = (await store.findUserByEmail(db, 'downloader@nhs.net'))!;
    // A page's CSV with a session, the API's CSV with the same person's token; a page is not a download.
    const file = await analyst.get('/booking/breach.csv?from=2026-01-01&to=2026-01-31');
    expect(file.statusCode).toBe(200);
    expect(file.headers['content-disposition']).toMatch(/^attachment/);
    const created = await analyst.post('/account/tokens', {
      name: 'weekly script',
      _csrf: csrfOf((await analyst.get('/account')).body),
    });
    const token = /id="new-token">([^<]+)</.exec(created.body)![1]!;
    const viaToken = await new Browser('10.0.5.3').get(
      '/api/v1/booking?measure=rep-cons-01&from=2026-01-01&to=2026-01-31&format=csv',
      { authorization: `Bearer ${token}` },
    );
    expect(viaToken.statusCode).toBe(200);
    expect((await analyst.get('/booking?from=2026-01-01&to=2026-01-31')).statusCode).toBe(200);
    // An anonymous download of open data has no "who" and is not logged.
    await new Browser('10.0.5.4').get('/api/v1/official?measure=logins&level=icb&format=csv');

    await vi.waitFor(async () => expect(await store.auditCount(db, { action: 'download' })).toBe(2));
    const rows = await store.auditPage(db, 10, 0, { action: 'download', actorUserId: user.userId });
    expect(rows.map((r) => [r.actorEmail, r.target, r.detail])).toEqual([
      [
        'downloader@nhs.net',
        '/api/v1/booking?measure=rep-cons-01&from=2026-01-01&to=2026-01-31&format=csv',
        // The test warehouse holds demo data: its files are named so (demo-downloads.ts).
        'synthetic-demo_booking-rep-cons-01-2026-01-01-2026-01-31.csv (API token)',
      ],
      [
        'downloader@nhs.net',
        '/booking/breach.csv?from=2026-01-01&to=2026-01-31',
        'synthetic-demo_booking-breach-2026-01-01-2026-01-31.csv',
      ],
    ]);

    // The admin's view: the users page links to each person's downloads; the filter shows only those.
    const users = await admin.get('/admin/users');
    const link = `/admin/audit?action=download&amp;user=${user.userId}`;
    expect(users.body).toContain(`href="${link}"`);
    const downloads = await admin.get(link.replaceAll('&amp;', '&'));
    expect(downloads.statusCode).toBe(200);
    const text = downloads.body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    expect(text).toContain('2 entries (action “download”, by downloader@nhs.net;');
    expect(text).toContain('/booking/breach.csv?from=2026-01-01&amp;to=2026-01-31');
    const table = downloads.body.slice(downloads.body.indexOf('id="audit"'));
    expect(table.match(/<td class="nhsuk-table__cell">download<\/td>/g)).toHaveLength(2);
    expect(table).not.toContain('sign-in.request');
    expect(downloads.body).toContain(
      '<option value="download" selected>Downloads (who downloaded what)</option>',
    );
    // Unfiltered, the log still holds every kind of entry.
    expect((await admin.get('/admin/audit')).body).toContain('sign-in.request');
  });
});

describe.each(['duckdb', 'postgres'] as const)(
  'a sign-in link opened in another browser, with its code, on the %s app-state store (ADR 0033)',
  (engine) => {
    let stateDir: string;
    let pgDb: TestDatabase | null = null;
    let state: StateDb;
    let warehouse: Warehouse;
    let app2: FastifyInstance;
    let deps: AppDeps;
    const at = () => app2;
    const asker = (n: number) => new Browser(`10.2.0.${n}`, at);
    const phone = (n: number) => new Browser(`10.3.0.${n}`, at);

    beforeAll(async () => {
      stateDir = fs.mkdtempSync(path.join(os.tmpdir(), `auth-code-${engine}-`));
      if (engine === 'postgres') pgDb = await createTestDatabase();
      state = await openStateStore({ dataDir: stateDir, databaseUrl: pgDb?.url ?? null });
      warehouse = await Warehouse.open(':memory:');
      await migrate(warehouse);
      deps = {
        db: warehouse,
        state,
        config: loadConfig({ DATA_DIR: stateDir }),
        clock,
        queries: createTestQueries(),
        logger: false,
      };
      app2 = await buildApp(deps);
    });
    afterAll(async () => {
      await app2?.close();
      await state?.close();
      warehouse?.close();
      await pgDb?.drop();
      fs.rmSync(stateDir, { recursive: true, force: true });
    });

    /** Asks for a link in `browser`: the link emailed and the code the page showed. */
    async function ask(browser: Browser, email: string, next = '/') {
      const asked = await requestLink(browser, email, next);
      expect(asked.statusCode).toBe(200);
      return { link: latestLinkTo(email, stateDir), code: codeOf(asked.body) };
    }

    /** Opens the link in `browser` and enters `code` on the page it shows. */
    async function enterCode(browser: Browser, link: string, code: string) {
      const page = await browser.get(pathOf(link));
      const token = new URL(link).searchParams.get('token')!;
      // A refused link shows no form: post with a token from any page, as an attacker would.
      const csrf = page.statusCode === 200 ? csrfOf(page.body) : csrfOf((await browser.get('/sign-in')).body);
      return browser.post('/sign-in/verify', { token, code, _csrf: csrf });
    }

    /** A well-formed code that is not `code`: its first character moved on by one in the alphabet. */
    function wrong(code: string, by = 1): string {
      const alphabet = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
      const first = alphabet[(alphabet.indexOf(code[0]!) + by) % alphabet.length]!;
      return first + code.slice(1);
    }

    const tokenHashOf = (link: string) => hashToken(new URL(link).searchParams.get('token')!);

    it('signs the asking browser in with the button, no code (unchanged)', async () => {
      const browser = asker(1);
      const { link } = await ask(browser, 'same@nhs.net', '/areas/practice/F83004');
      const confirm = await browser.get(pathOf(link));
      expect(confirm.body).toContain('id="confirm-sign-in"');
      const done = await browser.post('/sign-in/verify', {
        token: new URL(link).searchParams.get('token')!,
        _csrf: csrfOf(confirm.body),
      });
      expect(done.statusCode).toBe(303);
      expect(done.headers.location).toBe('/areas/practice/F83004');
      expect((await browser.get('/areas/practice/F83004')).statusCode).toBe(200);
    });

    it('signs another browser in with the code shown to the asking browser, once', async () => {
      const desk = asker(2);
      const { link, code } = await ask(desk, 'ward.nurse@nhs.net', '/areas/practice/F83004');
      expect(code).toMatch(/^[2-9A-HJKMNP-Z]{3} [2-9A-HJKMNP-Z]{3}$/);
      const other = phone(2);
      const page = await other.get(pathOf(link));
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('id="code"');
      expect(page.body).toContain('autocomplete="one-time-code"');
      // Typed in lower case with a hyphen: the same code.
      const done = await enterCode(other, link, code.toLowerCase().replace(' ', '-'));
      expect(done.statusCode).toBe(303);
      expect(done.headers.location).toBe('/areas/practice/F83004');
      expect(other.cookies.has('nhsaa_session')).toBe(true);
      expect((await other.get('/areas/practice/F83004')).statusCode).toBe(200);
      // The asking browser is not signed in by it, and the link is used up everywhere.
      expect(desk.cookies.has('nhsaa_session')).toBe(false);
      const again = await desk.get(pathOf(link));
      expect(again.statusCode).toBe(400);
      expect(again.body).toContain('already been used');
      const thirdBrowser = phone(3);
      const third = await enterCode(thirdBrowser, link, code);
      expect(third.statusCode).toBe(400);
      expect(third.body).toContain('already been used');
      expect(thirdBrowser.cookies.has('nhsaa_session')).toBe(false);

      const user = await store.findUserByEmail(state, 'ward.nurse@nhs.net');
      const audit = await store.auditPage(state, 50, 0);
      const mine = audit.filter((a) => a.target === `user:${user!.userId}` && a.action === 'sign-in');
      expect(mine.map((a) => `${a.outcome}:${a.detail}`)).toEqual(
        expect.arrayContaining([
          'success:email-link: code entered in another browser',
          'refused:email-link: used',
        ]),
      );
      // Never the code, the link or the address in the audit rows (admins see the user's address by a join).
      const all = JSON.stringify(audit.map(({ actorEmail: _joined, ...row }) => row));
      expect(all).not.toContain(code.replace(' ', ''));
      expect(all).not.toContain(new URL(link).searchParams.get('token')!);
      expect(all).not.toContain('ward.nurse@nhs.net');
    });

    it('counts wrong codes, and the fifth spends the link in every browser', async () => {
      const desk = asker(4);
      const { link, code } = await ask(desk, 'typo@nhs.net');
      const other = phone(4);
      // Not codes at all (wrong length, a letter never used): refused, not counted.
      for (const typed of ['ABC', 'ABCDEFG', 'IIIOOO']) {
        const res = await enterCode(other, link, typed);
        expect(res.statusCode).toBe(400);
        expect(res.body).toContain('The sign-in code is 6 letters and numbers');
      }
      expect((await store.findLink(state, tokenHashOf(link)))!.codeAttempts).toBe(0);
      for (let n = 1; n <= 4; n += 1) {
        const res = await enterCode(other, link, wrong(code, n));
        expect(res.statusCode).toBe(400);
        expect(res.body).toContain('That is not the code for this link');
        expect(res.body).toContain(`you can try ${5 - n} more ${5 - n === 1 ? 'time' : 'times'}`);
        expect((await store.findLink(state, tokenHashOf(link)))!.codeAttempts).toBe(n);
      }
      const fifth = await enterCode(other, link, wrong(code, 5));
      expect(fifth.statusCode).toBe(400);
      expect(fifth.body).toContain('This sign-in link has been cancelled');
      // Spent: the right code no longer works, nor does the asking browser's button.
      const right = await enterCode(other, link, code);
      expect(right.statusCode).toBe(400);
      expect(right.body).toContain('has been cancelled');
      expect(other.cookies.has('nhsaa_session')).toBe(false);
      const own = await desk.get(pathOf(link));
      expect(own.statusCode).toBe(400);
      expect(own.body).toContain('has been cancelled');
      expect(await store.findLink(state, tokenHashOf(link))).toMatchObject({
        codeAttempts: 5,
        codeHash: null,
      });
      const details = (await store.auditPage(state, 50, 0)).map((a) => a.detail);
      for (let n = 1; n <= 5; n += 1) expect(details).toContain(`email-link: wrong code (${n} of 5)`);
      expect(details).toContain('email-link: spent');
    });

    it('takes a code only for its own link', async () => {
      const desk = asker(5);
      const first = await ask(desk, 'two.links@nhs.net');
      const second = await ask(desk, 'two.links@nhs.net');
      expect(second.code).not.toBe(first.code);
      const res = await enterCode(phone(5), second.link, first.code);
      expect(res.statusCode).toBe(400);
      expect(res.body).toContain('That is not the code for this link');
      expect((await enterCode(phone(5), second.link, second.code)).statusCode).toBe(303);
    });

    it('refuses an expired link in another browser, even with the right code, without counting', async () => {
      const { link, code } = await ask(asker(6), 'late.code@nhs.net');
      now += 15 * 60_000 + 1000;
      const other = phone(6);
      const page = await other.get(pathOf(link));
      expect(page.statusCode).toBe(400);
      expect(page.body).toContain('has expired');
      const res = await enterCode(other, link, code);
      expect(res.statusCode).toBe(400);
      expect(res.body).toContain('has expired');
      expect(other.cookies.has('nhsaa_session')).toBe(false);
      expect((await store.findLink(state, tokenHashOf(link)))!.codeAttempts).toBe(0);
    });

    it('answers 429 to a client that has entered too many codes, before taking an attempt', async () => {
      const { link, code } = await ask(asker(7), 'busy.nat@nhs.net');
      const other = phone(7);
      const limiter = authFor(deps).codeLimiter;
      for (let i = 0; i < 30; i += 1) limiter.hit(`ip|${other.ip}`, clock.now().getTime());
      const res = await enterCode(other, link, code);
      expect(res.statusCode).toBe(429);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      expect((await store.findLink(state, tokenHashOf(link)))!.codeAttempts).toBe(0);
      // Another client (a colleague) is not held back.
      expect((await enterCode(phone(8), link, code)).statusCode).toBe(303);
    });
  },
);
