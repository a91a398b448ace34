/**
 * Who uses the App (GET /official/demographics and GET /api/v1/official/demographics): "No data" before the FOI
 * figures are loaded; then the latest month by default, any published month by choice, 404 for a month not
 * published, 400 for a malformed one; the API's JSON and CSV hold the published rows. Figures checked against
 * the shipped FOI file, read here.
 */
import { parse } from 'csv-parse/sync';
import fs from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FOI_AGE_FILE,
  SINGLE_AGE_FILE,
  loadBundledFoiDemographics,
} from '../../../ingest/feeds/foi-demographics.ts';
import { BUNDLED_MI_DIR } from '../../../ingest/feeds/bundled-mi.ts';
import { formatNumber } from '../../../web/format.ts';
import { buildOfficialApp } from '../../../../test/support/test-apps.ts';

const BY_AGE: Record<string, string>[] = parse(fs.readFileSync(FOI_AGE_FILE), { columns: true });

let official: Awaited<ReturnType<typeof buildOfficialApp>>;
beforeAll(async () => {
  official = await buildOfficialApp();
}, 60_000);
afterAll(async () => {
  await official?.close();
});

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

describe('who uses the App, by age and deprivation', () => {
  it('says No data until the figures are loaded, then shows the latest month; months not published are 404', async () => {
    const { app, db } = official;
    const before = await app.inject('/official/demographics');
    expect(before.statusCode).toBe(200);
    expect(text(before.body)).toContain(
      'No data: NHS England’s figures of users by age and deprivation are not loaded.',
    );
    expect((await app.inject('/api/v1/official/demographics')).json()).toMatchObject({
      months: [],
      data: [],
    });

    await loadBundledFoiDemographics(db);
    const res = await app.inject('/official/demographics');
    expect(res.statusCode).toBe(200);
    const page = text(res.body);
    expect(page).toContain('By age, May 2025');
    const may6064 = BY_AGE.find((r) => r.MONTH === '2025-05-01' && r.AGE_GROUP === '60 to 64')!;
    // England's patients aged 60 to 64, summed here from the shipped file's regional single years of age.
    const patients = gunzipSync(fs.readFileSync(SINGLE_AGE_FILE))
      .toString('utf8')
      .split('\n')
      .map((l) => l.split(','))
      .filter(
        (c) =>
          c[2] === 'Comm Region' && (c[5] === 'FEMALE' || c[5] === 'MALE') && /^6[0-4]$/.test(c[6] ?? ''),
      )
      .reduce((a, c) => a + Number(c[7]), 0);
    const per1000 = (1000 * Number(may6064.NHS_APP_UNIQUE_USER_LOGINS)) / patients;
    expect(page).toContain(`60 to 64 ${per1000.toFixed(1)} `);
    expect(page).toContain(formatNumber(Number(may6064.NHS_APP_UNIQUE_USER_LOGINS)));
    // Two figures: each with its table (figures beside every chart).
    expect(res.body.match(/class="app-chart__svg app-chart__svg--wide"/g)?.length).toBe(2);
    expect(res.body.match(/class="app-chart__svg app-chart__svg--narrow"/g)?.length).toBe(2);
    expect(res.body).toContain('id="age-table"');
    expect(res.body).toContain('id="decile-table"');

    // Each breakdown adds up to England's figures of the month in the MI publication (its CSV, read here).
    const mi: Record<string, string>[] = parse(
      fs.readFileSync(path.join(BUNDLED_MI_DIR, 'nhs-app-mi_national_monthly_2025-03_to_2025-08.csv')),
      { columns: true },
    );
    const miMay = mi.find((r) => r.MONTH === '2025-05-01')!;
    expect(page).toContain(
      `Checked: the age groups and the deciles each add up to England’s ${formatNumber(Number(miMay.NHS_APP_UNIQUE_USER_LOGINS))} users and ${formatNumber(Number(miMay.NHS_APP_LOGINS))} logins of May 2025 in the NHS App Management Information publication.`,
    );
    const march = await app.inject('/official/demographics?month=2025-03');
    expect(text(march.body)).toContain('By age, March 2025');
    expect((await app.inject('/official/demographics?month=2025-06')).statusCode).toBe(404);
    expect((await app.inject('/official/demographics?month=May')).statusCode).toBe(400);
    expect((await app.inject('/official/demographics?month=2025-05&x=1')).statusCode).toBe(400);
  });

  it('answers the published rows in the API, as JSON and CSV; 404 for a month not published', async () => {
    const { app, db } = official;
    await loadBundledFoiDemographics(db);
    const json = (await app.inject('/api/v1/official/demographics?month=2025-04')).json() as {
      months: string[];
      patientsExtract: string;
      data: { month: string; breakdown: string; group: string; uniqueUsers: number; logins: number }[];
    };
    expect(json.months).toEqual(['2025-03', '2025-04', '2025-05']);
    expect(json.patientsExtract).toBe('2026-08-01');
    const april = BY_AGE.filter((r) => r.MONTH === '2025-04-01');
    expect(
      json.data
        .filter((r) => r.breakdown === 'age')
        .map((r) => [r.group, r.logins, r.uniqueUsers])
        .sort(),
    ).toEqual(
      april.map((r) => [r.AGE_GROUP, Number(r.NHS_APP_LOGINS), Number(r.NHS_APP_UNIQUE_USER_LOGINS)]).sort(),
    );
    const csv = await app.inject('/api/v1/official/demographics?format=csv');
    expect(csv.statusCode).toBe(200);
    const rows: Record<string, string>[] = parse(csv.body, { columns: true });
    expect(Object.keys(rows[0]!)).toEqual([
      'month',
      'breakdown',
      'group',
      'logins',
      'uniqueUsers',
      'populationBand',
      'patients',
      'bandUsersPer1000',
      'shareOfKnown',
    ]);
    expect(rows.filter((r) => r.breakdown === 'age').length).toBe(BY_AGE.length);
    const missing = await app.inject('/api/v1/official/demographics?month=2024-01');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().message).toContain('no figures for 2024-01');
  });
});
