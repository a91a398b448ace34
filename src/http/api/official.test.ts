/**
 * GET /api/v1/official and /api/v1/official/editions (issue 12c) over the real shipped August 2025 edition,
 * checked against the published CSV extracts read independently here (regions summed in the test).
 */
import { parse } from 'csv-parse/sync';
import type { FastifyInstance } from 'fastify';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLED_MI_DIR } from '../../ingest/feeds/bundled-mi.ts';
import { buildOfficialApp } from '../../../test/support/test-apps.ts';

const ICB_CSV: Record<string, string>[] = parse(
  fs.readFileSync(path.join(BUNDLED_MI_DIR, 'nhs-app-mi_icb_monthly_2025-03_to_2025-08.csv')),
  { columns: true },
);
const NATIONAL_CSV: Record<string, string>[] = parse(
  fs.readFileSync(path.join(BUNDLED_MI_DIR, 'nhs-app-mi_national_monthly_2025-03_to_2025-08.csv')),
  { columns: true },
);

let official: Awaited<ReturnType<typeof buildOfficialApp>>;
let app: FastifyInstance;
beforeAll(async () => {
  official = await buildOfficialApp();
  ({ app } = official);
}, 60_000);
afterAll(async () => {
  await official?.close();
});

async function get(url: string) {
  const res = await app.inject(url);
  return { status: res.statusCode, body: res.body, json: () => res.json(), headers: res.headers };
}

describe('GET /api/v1/official', () => {
  it('England: the published national figures, monthly, open to everyone', async () => {
    const res = await get('/api/v1/official?measure=logins&level=england');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    const body = res.json();
    expect(body).toMatchObject({
      measure: 'logins',
      label: 'NHS App logins',
      level: 'england',
      edition: 'latest',
    });
    expect(body.data).toEqual(
      NATIONAL_CSV.map((r) => ({
        month: r.MONTH!.slice(0, 7),
        level: 'england',
        code: 'E92000001',
        name: 'England',
        measure: 'logins',
        value: Number(r.NHS_APP_LOGINS),
        edition: '2025-08',
      })),
    );
  });

  it('regions are the sums of their ICB rows, Unknown kept (summed here from the ICB CSV)', async () => {
    const expected = new Map<string, number>();
    for (const r of ICB_CSV) {
      const region = r.REGION_ODS_CODE === 'Unknown' ? 'UNKNOWN' : r.REGION_ODS_CODE!;
      const key = `${r.MONTH!.slice(0, 7)}|${region}`;
      expected.set(key, (expected.get(key) ?? 0) + Number(r.NHS_APP_UNIQUE_USER_LOGINS));
    }
    const body = (await get('/api/v1/official?measure=unique_logins&level=region')).json();
    const got = new Map<string, number>(
      body.data.map((r: { month: string; code: string; value: number }) => [`${r.month}|${r.code}`, r.value]),
    );
    expect(got).toEqual(expected);
    expect(new Set(body.data.map((r: { code: string }) => r.code)).size).toBe(8); // 7 regions + Unknown
    expect(body.data.find((r: { code: string }) => r.code === 'Y56').name).toBe('London');
  });

  it('one ICB over a range, as CSV with the contract columns in order', async () => {
    const res = await get(
      '/api/v1/official?measure=logins&level=icb&code=qe1&from=2025-04&to=2025-05&format=csv',
    );
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    const lines = res.body.trim().split(/\r?\n/);
    expect(lines[0]).toBe('month,level,code,name,measure,value,edition');
    const want = ICB_CSV.filter(
      (r) => r.ICB_ODS_CODE === 'QE1' && (r.MONTH!.startsWith('2025-04') || r.MONTH!.startsWith('2025-05')),
    ).map((r) => `${r.MONTH!.slice(0, 7)},icb,QE1,${r.ICB_NAME},logins,${r.NHS_APP_LOGINS},2025-08`);
    expect(lines.slice(1)).toEqual(want);
  });

  it('a month with no figure is absent, never 0', async () => {
    const body = (await get('/api/v1/official?measure=logins&level=england&from=2024-01&to=2025-02')).json();
    expect(body.data).toEqual([]);
    const reg = (await get('/api/v1/official?measure=registrations&level=england')).json();
    expect(reg.data).toEqual([]); // the 2025 editions do not publish registrations
  });

  it('bad parameters answer 400 naming them, unknown areas and editions 404', async () => {
    expect((await get('/api/v1/official?measure=nope&level=england')).status).toBe(400);
    expect((await get('/api/v1/official?measure=logins&level=practice')).status).toBe(400);
    expect((await get('/api/v1/official?measure=logins')).status).toBe(400);
    expect((await get('/api/v1/official?measure=logins&level=england&from=2025-13')).status).toBe(400);
    expect((await get('/api/v1/official?measure=registrations_all_time&level=icb')).status).toBe(400);
    const from = await get('/api/v1/official?measure=logins&level=england&from=2025-06&to=2025-03');
    expect(from.status).toBe(400);
    expect(from.json().message).toMatch(/from/);
    const icb = await get('/api/v1/official?measure=logins&level=icb&code=ZZZ');
    expect(icb.status).toBe(404);
    expect(icb.json().message).toBe('no official figures for icb ZZZ');
    expect((await get('/api/v1/official?measure=logins&level=england&edition=2024-01')).status).toBe(404);
    expect((await get('/api/v1/official?measure=logins&level=england&edition=2025-08')).status).toBe(200);
  });
});

describe('GET /api/v1/official/editions', () => {
  it('lists the editions loaded with their files', async () => {
    const body = (await get('/api/v1/official/editions')).json();
    expect(body.data).toEqual([
      {
        edition: '2025-08',
        publishedOn: '2025-09-26',
        title: 'March 2025 to August 2025',
        firstMonth: '2025-03',
        lastMonth: '2025-08',
        files: [
          { file: 'nhs-app-mi_august-2025.xlsx', kind: 'workbook' },
          { file: 'nhs-app-mi_icb_monthly_2025-03_to_2025-08.csv', kind: 'icb-csv' },
          { file: 'nhs-app-mi_national_monthly_2025-03_to_2025-08.csv', kind: 'national-csv' },
        ],
      },
    ]);
  });
});

describe('GET /api/v1/official/reconciliation', () => {
  it('gives every official figure with computed null (no data, never 0) when nothing is computed', async () => {
    const res = await get('/api/v1/official/reconciliation?measure=logins&level=icb&code=QE1');
    expect(res.status).toBe(200);
    const body = res.json();
    expect(body.data).toHaveLength(6);
    for (const r of body.data) {
      expect(r).toMatchObject({
        computed: null,
        difference: null,
        pctDifference: null,
        computedStructure: 'as-recorded',
      });
    }
    const csv = await get('/api/v1/official/reconciliation?measure=logins&level=england&format=csv');
    expect(csv.body.split(/\r?\n/)[0]).toBe(
      'month,level,code,name,measure,official,computed,difference,pctDifference,edition,officialStructure,computedStructure',
    );
    expect(
      (await get('/api/v1/official/reconciliation?measure=registrations_all_time&level=england')).status,
    ).toBe(404);
  });
});
