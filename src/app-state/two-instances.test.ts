/**
 * Two app instances on one PostgreSQL database (issue 10 item 3, docs/adr/0025): each has its own warehouse
 * and its own connection pool, and shares only DATABASE_URL. A sign-in link asked for on one is redeemed on
 * the other; the session works on both; a token created through one works on the other, and a revoke
 * through one is refused by the other on the very next request; the CLI creates a token on the shared
 * database while both run.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestQueries } from '../../test/support/in-memory-queries.ts';
import { createTestDatabase, type TestDatabase } from '../../test/support/pg-test-db.ts';
import { runTokens } from '../cli/tokens-command.ts';
import { runUsers } from '../cli/users-command.ts';
import { loadConfig, type AppConfig } from '../config.ts';
import { systemClock } from '../domain/clock.ts';
import { buildApp } from '../http/app.ts';
import { Warehouse } from '../warehouse/db.ts';
import { migrate } from '../warehouse/migrate.ts';
import { openStateStore } from './open.ts';
import type { StateDb } from './state-db.ts';

let pgDb: TestDatabase;
let dataDir: string;
let config: AppConfig;
const instances: { app: FastifyInstance; db: Warehouse; state: StateDb }[] = [];

beforeAll(async () => {
  pgDb = await createTestDatabase();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'two-instances-'));
  config = loadConfig({ DATA_DIR: dataDir, DATABASE_URL: pgDb.url });
  for (let i = 0; i < 2; i += 1) {
    const db = await Warehouse.open(':memory:');
    await migrate(db);
    const state = await openStateStore({ dataDir, databaseUrl: pgDb.url });
    const app = await buildApp({ db, state, config, clock: systemClock, queries: createTestQueries() });
    instances.push({ app, db, state });
  }
});

afterAll(async () => {
  for (const i of instances) {
    await i.app.close();
    await i.state.close();
    i.db.close();
  }
  await pgDb?.drop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** A browser behind a load balancer: each request goes to the instance it is told. */
class Browser {
  cookies = new Map<string, string>();
  async request(to: 0 | 1, opts: InjectOptions): Promise<LightMyRequestResponse> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await instances[to]!.app.inject({
      remoteAddress: '10.1.0.1',
      ...opts,
      headers: { ...(cookie ? { cookie } : {}), ...(opts.headers ?? {}) },
    });
    for (const c of res.cookies as { name: string; value: string; maxAge?: number }[]) {
      if (c.value === '' || c.maxAge === 0) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    return res;
  }
  get(to: 0 | 1, url: string, headers: Record<string, string> = {}) {
    return this.request(to, { method: 'GET', url, headers });
  }
  post(to: 0 | 1, url: string, form: Record<string, string>) {
    return this.request(to, {
      method: 'POST',
      url,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams(form).toString(),
    });
  }
}

const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;

function latestLink(): string {
  const dir = path.join(dataDir, 'outbox');
  const newest = fs.readdirSync(dir).sort().at(-1)!;
  const text = fs
    .readFileSync(path.join(dir, newest), 'utf8')
    .replace(/=\r?\n/g, '')
    .replace(/=3D/g, '=');
  const link = /(http:\/\/[^\s]+\/sign-in\/verify\?token=[A-Za-z0-9_-]+)/.exec(text)![1]!;
  const u = new URL(link);
  return `${u.pathname}${u.search}`;
}

const SIGNED_IN_ONLY = '/account';
const API = '/api/v1/series?metric=logins&grain=week';

describe('two instances on one PostgreSQL database', () => {
  it('share a link’s code and its count of wrong codes (ADR 0033)', async () => {
    const desk = new Browser();
    const form = await desk.get(0, '/sign-in');
    const asked = await desk.post(0, '/sign-in', {
      email: 'two.devices@nhs.net',
      next: '/',
      _csrf: csrfOf(form.body),
    });
    const code = /id="sign-in-code">([^<]+)</.exec(asked.body)![1]!.trim();
    const link = latestLink();
    const phone = new Browser();
    const token = new URLSearchParams(link.split('?')[1]).get('token')!;
    const enter = async (to: 0 | 1, typed: string) =>
      phone.post(to, '/sign-in/verify', {
        token,
        code: typed,
        _csrf: csrfOf((await phone.get(to, link)).body),
      });
    // A well-formed wrong code: the first character moved on in the alphabet.
    const alphabet = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
    const wrong = alphabet[(alphabet.indexOf(code[0]!) + 1) % alphabet.length]! + code.slice(1);
    expect((await enter(1, wrong)).body).toContain('you can try 4 more times');
    // The count is in the shared row, not in one instance's memory.
    expect((await enter(0, wrong)).body).toContain('you can try 3 more times');
    // The code made on instance 0 is checked on instance 1 (one signing key, from the shared store).
    expect((await enter(1, code)).statusCode).toBe(303);
    expect((await phone.get(0, SIGNED_IN_ONLY)).statusCode).toBe(200);
  });

  it('share sign-in links, sessions and tokens; a revoke on one is refused by the other at once', async () => {
    const browser = new Browser();
    // The link is asked for on instance 0 …
    const form = await browser.get(0, '/sign-in');
    expect(
      (await browser.post(0, '/sign-in', { email: 'shared@nhs.net', next: '/', _csrf: csrfOf(form.body) }))
        .statusCode,
    ).toBe(200);
    // … and redeemed on instance 1 (same signing key from the shared store, same link row).
    const verify = await browser.get(1, latestLink());
    expect(verify.statusCode).toBe(200);
    const done = await browser.post(1, '/sign-in/verify', {
      token: /name="token" value="([^"]+)"/.exec(verify.body)![1]!,
      _csrf: csrfOf(verify.body),
    });
    expect(done.statusCode).toBe(303);
    // The session made on 1 works on 0 and 1.
    expect((await browser.get(0, SIGNED_IN_ONLY)).statusCode).toBe(200);
    expect((await browser.get(1, SIGNED_IN_ONLY)).statusCode).toBe(200);
    expect((await new Browser().get(0, SIGNED_IN_ONLY)).statusCode).toBe(303);

    // A token created through 0 (its /account form, CSRF from 0's page) works on 1.
    const created = await browser.post(0, '/account/tokens', {
      name: 'shared script',
      _csrf: csrfOf((await browser.get(0, '/account')).body),
    });
    expect(created.statusCode).toBe(200);
    const token = /id="new-token">([^<]+)</.exec(created.body)![1]!;
    const bearer = { authorization: `Bearer ${token}` };
    const script = new Browser();
    expect((await script.get(1, API, bearer)).statusCode).not.toBe(401);
    expect((await script.get(0, API, bearer)).statusCode).not.toBe(401);

    // Revoked through 1: the very next request to 0 is refused.
    const account = await browser.get(1, '/account');
    const tokenId = /\/account\/tokens\/([^/"]+)\/revoke/.exec(account.body)![1]!;
    const revoked = await browser.post(1, `/account/tokens/${tokenId}/revoke`, {
      _csrf: csrfOf(account.body),
    });
    expect(revoked.statusCode).toBe(303);
    expect((await script.get(0, API, bearer)).statusCode).toBe(401);
    expect((await script.get(1, API, bearer)).statusCode).toBe(401);

    // Signing out on 0 ends the session on 1 too.
    const home = await browser.get(0, '/account');
    expect((await browser.post(0, '/sign-out', { _csrf: csrfOf(home.body) })).statusCode).toBe(303);
    const again = new Browser();
    again.cookies = new Map(browser.cookies);
    expect((await again.get(1, SIGNED_IN_ONLY)).statusCode).toBe(303);
  });

  it('lets the CLI manage users and tokens on the shared database while the instances run', async () => {
    await runUsers(config, ['add', 'robot@nhs.net'], {}, () => undefined);
    const out: string[] = [];
    await runTokens(
      config,
      ['create', 'robot@nhs.net'],
      { name: 'nightly' },
      (l) => out.push(l),
      () => undefined,
    );
    const bearer = { authorization: `Bearer ${out[0]!}` };
    expect((await new Browser().get(1, API, bearer)).statusCode).not.toBe(401);
    await runTokens(
      config,
      ['revoke', 'robot@nhs.net'],
      { name: 'nightly' },
      () => undefined,
      () => undefined,
    );
    expect((await new Browser().get(0, API, bearer)).statusCode).toBe(401);
    // The audit log is one log, whichever instance (or the CLI) wrote each row.
    const actions = (await instances[0]!.state.all<{ action: string }>('SELECT action FROM audit_log')).map(
      (r) => r.action,
    );
    for (const a of ['sign-in.request', 'sign-in', 'token.create', 'token.revoke', 'user.invite'])
      expect(actions).toContain(a);
  });
});
