/**
 * GET /api/v1/booking (issue 13) over a handful of journeys whose answers were worked out by hand
 * (test/support/booking-journeys.ts): signed-in only, JSON and CSV (formula-safe), 400 for bad parameters,
 * no rows where nothing is loaded.
 */
import { parse } from 'csv-parse/sync';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WarehouseQueries } from '../../app/warehouse-queries.ts';
import { loadConfig } from '../../config.ts';
import type { Viewer } from '../../domain/access.ts';
import { fixedClock } from '../../domain/clock.ts';
import { loadCatalogue } from '../../metrics/catalogue.ts';
import type { Warehouse } from '../../warehouse/db.ts';
import { buildApp } from '../app.ts';
import { buildAppAs } from '../../../test/support/signed-in.ts';
import { bookingWarehouse } from '../../../test/support/booking-journeys.ts';
import { openApiDocument } from './routes.ts';

const SIGNED_IN: Viewer = { signedIn: true, role: 'viewer', userId: 't1', via: 'session' };
let db: Warehouse;
let anon: FastifyInstance;
let user: FastifyInstance;

beforeAll(async () => {
  db = await bookingWarehouse();
  const catalogue = loadCatalogue();
  const deps = {
    db,
    config: loadConfig({}),
    clock: fixedClock('2026-01-15T12:00:00Z'),
    queries: new WarehouseQueries(db, catalogue),
    catalogue,
  };
  anon = await buildApp(deps);
  user = await buildAppAs({ ...deps }, SIGNED_IN);
}, 60_000);
afterAll(async () => {
  await anon?.close();
  await user?.close();
  db?.close();
});

const DEC = 'from=2025-12-01&to=2025-12-31';
async function data(q: string) {
  const res = await user.inject(`/api/v1/booking?${q}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json().data as {
    group: string | null;
    groupName: string | null;
    count: number;
    paired: number | null;
    ratio: number | null;
  }[];
}

describe('GET /api/v1/booking', () => {
  it('is for signed-in staff only', async () => {
    const res = await anon.inject(`/api/v1/booking?measure=rep-cons-01&${DEC}`);
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
  });

  it('gives December totals as worked out by hand', async () => {
    const res = await user.inject(`/api/v1/booking?measure=rep-cons-01&${DEC}`);
    expect(res.headers['cache-control']).toBe('private, no-cache');
    expect(res.json()).toEqual({
      measure: 'rep-cons-01',
      title: 'Bookings against successful referrals',
      counts: 'appointments booked',
      paired: 'successful referrals',
      ratioLabel: 'booking utilisation',
      from: '2025-12-01',
      to: '2025-12-31',
      groupBy: 'none',
      data: [{ measure: 'rep-cons-01', group: null, groupName: null, count: 2, paired: 4, ratio: 0.5 }],
    });
    const expected: Record<string, [number, number | null]> = {
      'rep-cons-02': [1, null],
      'rep-cons-03': [1, null],
      'rep-cons-04': [1, null],
      'rep-cons-05': [1, null],
      'rep-cons-06': [1, null],
      'rep-cons-07': [0, null],
      'rep-cons-08': [1, null],
      'rep-cons-09': [1, null],
      'rep-cons-10': [2, 2],
      'rep-cons-11': [2, 2],
      'rep-cons-12': [1, null],
      'rep-prov-01': [2, null],
      'rep-prov-02': [2, 4],
      'rep-prov-03': [2, 22],
      'rep-prov-04': [2, 4],
      'rep-prov-05': [1, null],
    };
    for (const [measure, [count, paired]] of Object.entries(expected)) {
      const [row] = await data(`measure=${measure}&${DEC}`);
      expect([row!.count, row!.paired], measure).toEqual([count, paired]);
    }
    // London dates: 30 Nov 23:30 UTC is 30 November.
    expect((await data('measure=rep-prov-01&from=2025-11-30&to=2025-11-30'))[0]!.count).toBe(1);
  });

  it('groups by practice (Unknown for a practice not in the reference), service and provider', async () => {
    expect(await data(`measure=rep-cons-01&${DEC}&groupBy=practice`)).toEqual([
      {
        measure: 'rep-cons-01',
        group: 'A81001',
        groupName: 'Practice A81001',
        count: 1,
        paired: 2,
        ratio: 0.5,
      },
      {
        measure: 'rep-cons-01',
        group: 'B82001',
        groupName: 'Practice B82001',
        count: 1,
        paired: 1,
        ratio: 1,
      },
      { measure: 'rep-cons-01', group: 'Unknown', groupName: null, count: 0, paired: 1, ratio: 0 },
    ]);
    expect(
      (await data(`measure=rep-cons-01&${DEC}&groupBy=service`)).map((r) => [r.group, r.count, r.paired]),
    ).toEqual([
      ['S1', 2, 3],
      ['S2', 0, 1],
    ]);
    expect(
      (await data(`measure=rep-prov-03&${DEC}&groupBy=provider`)).map((r) => [r.group, r.count, r.paired]),
    ).toEqual([
      ['A81001', 2, 15],
      ['Y01234', 0, 7],
    ]);
  });

  it('narrows to the patients registered in an area (by hand: A81001 has K1 booked and K3 not)', async () => {
    const res = await user.inject(`/api/v1/booking?measure=rep-cons-01&${DEC}&area=a81001`);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.area).toEqual({ level: 'practice', code: 'A81001', name: 'Practice A81001' });
    expect(body.data).toEqual([
      { measure: 'rep-cons-01', group: null, groupName: null, count: 1, paired: 2, ratio: 0.5 },
    ]);
    // K4 at B82001 was booked, rebooked on call-back: one rebooking there, none at A81001.
    expect((await data(`measure=rep-cons-08&${DEC}&area=B82001`))[0]!.count).toBe(1);
    expect((await data(`measure=rep-cons-08&${DEC}&area=A81001`))[0]!.count).toBe(0);
    // Slots are a provider's figure: none for an area, where the whole answer has 15 + 5 + 7.
    expect((await data(`measure=rep-prov-03&${DEC}&area=A81001`))[0]!.paired).toBeNull();
    expect(res.headers['content-type']).toMatch(/json/);
    const notThere = await user.inject(`/api/v1/booking?measure=rep-cons-01&${DEC}&area=QZZ`);
    expect(notThere.statusCode).toBe(404);
    expect(notThere.json().message).toMatch(/querystring\/area/);
    const below = await user.inject(`/api/v1/booking?measure=rep-cons-01&${DEC}&area=A81001&groupBy=service`);
    expect(below.statusCode).toBe(400);
    expect(below.json().message).toMatch(/groupBy within a practice must be one of none/);
  });

  it('answers CSV with the columns measure, group, count, paired, ratio, formula-safe', async () => {
    const total = await user.inject(`/api/v1/booking?measure=rep-cons-01&${DEC}&format=csv`);
    expect(total.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(total.body.split(/\r?\n/)[0]).toBe('measure,group,count,paired,ratio');
    expect(parse(total.body, { columns: true })).toEqual([
      { measure: 'rep-cons-01', group: '', count: '2', paired: '4', ratio: '0.5' },
    ]);
    const errors = await user.inject(`/api/v1/booking?measure=rep-cons-06&${DEC}&groupBy=error&format=csv`);
    expect(parse(errors.body, { columns: true })).toEqual([
      { measure: 'rep-cons-06', group: "'=HYPERLINK(evil)", count: '1', paired: '', ratio: '' },
    ]);
  });

  it('has no rows where no booking events are loaded (no data is not 0)', async () => {
    expect(await data('measure=rep-cons-01&from=2024-01-01&to=2024-12-31')).toEqual([]);
  });

  it('answers 400 naming the parameter for bad requests, never 500', async () => {
    const bad: [string, RegExp][] = [
      [`${DEC}`, /measure/],
      [`measure=rep-cons-99&${DEC}`, /measure/],
      ['measure=rep-cons-01&from=2025-02-30&to=2025-03-31', /from must be a date/],
      ['measure=rep-cons-01&from=2025-12-31&to=2025-12-01', /after/],
      ['measure=rep-cons-01&from=20251201&to=2025-12-31', /from/],
      [`measure=rep-prov-03&${DEC}&groupBy=practice`, /groupBy for rep-prov-03/],
      [`measure=rep-cons-01&${DEC}&groupBy=error`, /groupBy/],
      [`measure=rep-cons-01&${DEC}&groupBy=planet`, /groupBy/],
      [`measure=rep-cons-01&${DEC}&extra=1`, /extra|additional/],
      [`measure=rep-cons-01&${DEC}&format=xml`, /format/],
    ];
    for (const [q, message] of bad) {
      const res = await user.inject(`/api/v1/booking?${q}`);
      expect(res.statusCode, q).toBe(400);
      expect(res.json().message, q).toMatch(message);
    }
  });

  it('is in the OpenAPI document, signed-in', () => {
    const doc = openApiDocument() as {
      paths: Record<string, { get: { security?: unknown; responses: Record<string, unknown> } }>;
    };
    const op = doc.paths['/api/v1/booking']!.get;
    expect(op.security).toEqual([{ session: [] }]);
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '400', '401']));
  });
});
