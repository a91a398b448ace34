/**
 * Issue 16: the API accepts ONS codes for areas, as the README says (E54000050 for an ICB, E40000003 for a
 * region), answering exactly as for the ODS code.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WarehouseQueries } from '../../app/warehouse-queries.ts';
import { loadConfig } from '../../config.ts';
import type { Viewer } from '../../domain/access.ts';
import { buildAppAs } from '../../../test/support/signed-in.ts';
import { buildTestWarehouse, TEST_CLOCK, type TestWarehouse } from '../../../test/support/api-warehouse.ts';

const SIGNED_IN: Viewer = { signedIn: true, role: 'viewer', userId: 't1', via: 'session' };

let tw: TestWarehouse;
let app: FastifyInstance;

beforeAll(async () => {
  tw = await buildTestWarehouse();
  await tw.db.run("UPDATE area SET ons_code = 'E54000050' WHERE area_level = 'icb' AND area_code = 'QA9'");
  await tw.db.run("UPDATE area SET ons_code = 'E40000003' WHERE area_level = 'region' AND area_code = 'Y56'");
  app = await buildAppAs(
    {
      db: tw.db,
      config: loadConfig({}),
      clock: TEST_CLOCK,
      queries: new WarehouseQueries(tw.db, tw.catalogue),
      catalogue: tw.catalogue,
    },
    SIGNED_IN,
  );
}, 120_000);

afterAll(async () => {
  await app?.close();
  tw?.close();
});

async function get(url: string): Promise<{ status: number; body: unknown }> {
  const res = await app.inject(url);
  return { status: res.statusCode, body: res.json() };
}

describe('ONS codes resolve to the same area as their ODS codes', () => {
  it.each([
    ['/api/v1/series?metric=logins&level=icb&code=', 'E54000050', 'QA9'],
    ['/api/v1/series?metric=logins&level=region&code=', 'e40000003', 'Y56'],
    ['/api/v1/breakdown?metric=logins&level=region&code=', 'E40000003', 'Y56'],
    ['/api/v1/summary?level=icb&code=', 'E54000050', 'QA9'],
    ['/api/v1/peers?metric=logins&level=icb&code=', 'E54000050', 'QA9'],
    ['/api/v1/areas/icb/', 'E54000050', 'QA9'],
  ])('%s%s answers as for %s', async (base, ons, ods) => {
    const byOds = await get(`${base}${ods}`);
    expect(byOds.status).toBe(200);
    const byOns = await get(`${base}${ons}`);
    expect(byOns).toEqual(byOds);
  });

  it('an unknown ONS code is still a 404 naming it', async () => {
    const res = await get('/api/v1/series?metric=logins&level=icb&code=E54000999');
    expect(res.status).toBe(404);
    expect(JSON.stringify(res.body)).toContain('E54000999');
  });
});
