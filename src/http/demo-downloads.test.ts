/**
 * Demo data stays labelled once it leaves the site: on a demo warehouse every download of computed figures is
 * named synthetic-demo_… and every API answer of them carries X-Demo-Data; metric definitions, reference areas
 * and the official statistics keep their names and carry no header; on a warehouse of real data neither.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WarehouseQueries } from '../app/warehouse-queries.ts';
import { loadConfig } from '../config.ts';
import type { Viewer } from '../domain/access.ts';
import {
  buildSmallWarehouse,
  FIXTURE_CLOCK,
  type SmallWarehouse,
} from '../../test/support/small-warehouse.ts';
import { buildAppAs } from '../../test/support/signed-in.ts';
import { demoDisposition } from './demo-downloads.ts';

const SIGNED_IN: Viewer = { signedIn: true, role: 'viewer', userId: 't1', via: 'session' };

let demo: SmallWarehouse;
let real: SmallWarehouse;
let onDemo: FastifyInstance;
let onReal: FastifyInstance;

const appOn = (w: SmallWarehouse) =>
  buildAppAs(
    {
      db: w.db,
      config: loadConfig({}),
      clock: FIXTURE_CLOCK,
      queries: new WarehouseQueries(w.db, w.catalogue),
      catalogue: w.catalogue,
    },
    SIGNED_IN,
  );

beforeAll(async () => {
  demo = await buildSmallWarehouse({ demo: true });
  real = await buildSmallWarehouse();
  onDemo = await appOn(demo);
  onReal = await appOn(real);
}, 120_000);

afterAll(async () => {
  await onDemo?.close();
  await onReal?.close();
  demo?.close();
  real?.close();
});

const fileOf = async (app: FastifyInstance, url: string) => {
  const res = await app.inject(url);
  expect(res.statusCode, url).toBe(200);
  return /filename="([^"]+)"/.exec(String(res.headers['content-disposition']))![1];
};

describe('downloads of demo data', () => {
  it('name every file of computed figures synthetic-demo_, on pages and in the API alike', async () => {
    for (const url of [
      '/data.csv?level=icb&metric=logins',
      '/data.csv?level=icb&metric=logins&layout=wide',
      '/areas/icb/QA9/chart.csv?metric=logins',
      '/map.csv?level=icb&metric=logins',
      '/api/v1/series?metric=logins&level=icb&code=QA9&format=csv',
    ]) {
      const plain = await fileOf(onReal, url);
      expect(plain, url).not.toMatch(/synthetic/);
      expect(await fileOf(onDemo, url), url).toBe(`synthetic-demo_${plain}`);
    }
  });

  it('keep the names of files that hold no computed figure: definitions, areas, official statistics', async () => {
    for (const url of [
      '/api/v1/metrics?format=csv',
      '/api/v1/areas?level=icb&format=csv',
      '/api/v1/official?measure=logins&level=icb&format=csv',
    ]) {
      expect(await fileOf(onDemo, url), url).toBe(await fileOf(onReal, url));
    }
  });

  it('mark every API answer of computed figures with X-Demo-Data, and no other', async () => {
    for (const url of [
      '/api/v1/series?metric=logins&level=icb&code=QA9',
      '/api/v1/series/areas?metric=logins&level=icb',
      '/api/v1/summary?level=icb&code=QA9',
      '/api/v1/ranking?metric=logins&level=icb',
    ]) {
      const demoRes = await onDemo.inject(url);
      expect(demoRes.statusCode, url).toBe(200);
      expect(demoRes.headers['x-demo-data'], url).toBe('synthetic');
      const realRes = await onReal.inject(url);
      expect(realRes.statusCode, url).toBe(200);
      expect(realRes.headers['x-demo-data'], url).toBeUndefined();
    }
    for (const url of ['/api/v1/metrics', '/api/v1/areas?level=icb', '/api/v1/openapi.json', '/'])
      expect((await onDemo.inject(url)).headers['x-demo-data'], url).toBeUndefined();
  });

  it('add the prefix once', () => {
    expect(demoDisposition('attachment; filename="a.csv"')).toBe(
      'attachment; filename="synthetic-demo_a.csv"',
    );
    expect(demoDisposition('attachment; filename="synthetic-demo_a.csv"')).toBe(
      'attachment; filename="synthetic-demo_a.csv"',
    );
  });
});
