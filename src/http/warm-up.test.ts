/**
 * The server's warm-up (src/http/warm-up.ts): every URL it asks for is answered 200 as a signed-in viewer
 * would be answered, and the key that makes a request the warm-up's grants nothing outside the process, on
 * another app, with the wrong value or for a state-changing request.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from './app.ts';
import { FigureStore } from '../figures/store.ts';
import { warmUp, warmUpLine, warmUpUrls } from './warm-up.ts';
import { buildTestWarehouse, type TestWarehouse } from '../../test/support/api-warehouse.ts';
import { testWarehouseDeps } from '../../test/support/test-apps.ts';

let tw: TestWarehouse;
let app: FastifyInstance;
let other: FastifyInstance;

/** A figure answer only a signed-in viewer sees (practice level). */
const RESTRICTED = '/api/v1/summary?level=practice&code=P00001';

beforeAll(async () => {
  tw = await buildTestWarehouse();
  app = await buildApp(testWarehouseDeps(tw));
  other = await buildApp(testWarehouseDeps(tw));
  await app.ready();
  await other.ready();
}, 120_000);

afterAll(async () => {
  await app?.close();
  await other?.close();
  tw?.db.close();
});

describe('warm-up', () => {
  it('asks for a page or answer of every kind, on areas that exist, and every one is answered 200', async () => {
    const urls = await warmUpUrls(tw.db);
    // The lowest current code of each level in the test geography.
    expect(urls).toContain('/areas/practice/P00001');
    expect(urls).toContain('/api/v1/peers?metric=logins&level=pcn&code=U00001');
    // An area page of every level below England, by month and by week (ADR 0079).
    for (const level of ['region', 'icb', 'sub_icb', 'pcn', 'practice']) {
      expect(urls.filter((u) => new RegExp(`^/areas/${level}/[^/?]+$`).test(u))).toHaveLength(1);
      expect(urls.filter((u) => new RegExp(`^/areas/${level}/[^/?]+\\?grain=week$`).test(u))).toHaveLength(1);
    }
    expect(urls.filter((u) => u.startsWith('/api/v1/')).length).toBeGreaterThanOrEqual(10);
    const result = await warmUp(app, tw.db);
    expect(result.urls).toBe(urls.length);
    expect(result.notOk).toBe(0);
  });

  it('counts answers other than 200 instead of failing when there is nothing to show yet', async () => {
    await tw.db.run('CREATE TEMP TABLE area_backup AS SELECT * FROM area');
    try {
      await tw.db.run('DELETE FROM area');
      expect(await warmUpUrls(tw.db)).toEqual([]);
      expect(await warmUp(app, tw.db)).toMatchObject({ urls: 0, notOk: 0 });
    } finally {
      await tw.db.run('INSERT INTO area SELECT * FROM area_backup');
      await tw.db.run('DROP TABLE area_backup');
    }
  });
});

describe('before any figures are published', () => {
  it('asks for nothing and says why', async () => {
    const store = new FigureStore();
    const result = await warmUp(app, store.reader);
    expect(result).toMatchObject({ urls: 0, notOk: 0, skipped: 'no figures have been published yet' });
    expect(warmUpLine('server', result)).toBe(
      'Did not warm up the server: no figures have been published yet',
    );
  });
});

describe('the warm-up key', () => {
  it('makes an in-process GET a signed-in viewer’s, and nothing else does', async () => {
    expect((await app.inject({ url: RESTRICTED })).statusCode).toBe(401);
    expect((await app.inject({ url: RESTRICTED, headers: { ...app.warmUpHeaders } })).statusCode).toBe(200);
    const [name, key] = Object.entries(app.warmUpHeaders)[0]!;
    const wrong = `${key!.slice(0, -1)}${key!.endsWith('A') ? 'B' : 'A'}`;
    expect((await app.inject({ url: RESTRICTED, headers: { [name]: wrong } })).statusCode).toBe(401);
    expect((await app.inject({ url: RESTRICTED, headers: { [name]: '' } })).statusCode).toBe(401);
  });

  it('is drawn per app: one app’s key means nothing to another', async () => {
    expect(other.warmUpHeaders).not.toEqual(app.warmUpHeaders);
    expect((await other.inject({ url: RESTRICTED, headers: { ...app.warmUpHeaders } })).statusCode).toBe(401);
  });

  it('grants nothing to a request that came over the network, even with the right key', async () => {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    const status = await new Promise<number>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: RESTRICTED, headers: { ...app.warmUpHeaders } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
        .on('error', reject);
    });
    expect(status).toBe(401);
  });

  it('does not sign in a state-changing request', async () => {
    const post = (headers: Record<string, string>) =>
      other.inject({
        method: 'POST',
        url: '/account/tokens',
        headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'name=x',
      });
    const asVisitor = await post({});
    const withKey = await post({ ...other.warmUpHeaders });
    // Refused as a visitor is, for want of sign-in: a signed-in request without its CSRF token would be
    // refused 403 instead.
    expect(asVisitor.statusCode).toBe(401);
    expect(withKey.statusCode).toBe(asVisitor.statusCode);
  });
});
