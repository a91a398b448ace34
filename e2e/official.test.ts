/**
 * The Official statistics page in a browser (issue 12d, 12e), over the real demo warehouse, which loads the
 * shipped August 2025 MI edition at first start: real published figures for a visitor who is not signed in, a
 * chart with the same figures in a table, the CSV download equal to the published CSV, choosing a geography and
 * an area through the form with JavaScript off, official beside computed figures, and zero axe violations.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLED_MI_DIR } from '../src/ingest/feeds/bundled-mi.ts';
import { formatNumber } from '../src/web/format.ts';
import { startHarness, type Harness } from './browser.ts';
import { closeDemoWarehouse, demoDeps, DEMO_SCALE } from './demo-warehouse.ts';
import { expectNoAxeViolations, squash, watchProblems } from './national-summary.suite.ts';

const NATIONAL: Record<string, string>[] = parse(
  fs.readFileSync(path.join(BUNDLED_MI_DIR, 'nhs-app-mi_national_monthly_2025-03_to_2025-08.csv')),
  { columns: true },
);
const BY_AGE: Record<string, string>[] = parse(
  fs.readFileSync(path.join(BUNDLED_MI_DIR, 'nhs-app-foi_logins_by_ageband_2025-03_to_2025-05.csv')),
  { columns: true },
);
const BY_DECILE: Record<string, string>[] = parse(
  fs.readFileSync(path.join(BUNDLED_MI_DIR, 'nhs-app-foi_logins_by_imd_decile_2025-03_to_2025-05.csv')),
  { columns: true },
);
const ICB: Record<string, string>[] = parse(
  fs.readFileSync(path.join(BUNDLED_MI_DIR, 'nhs-app-mi_icb_monthly_2025-03_to_2025-08.csv')),
  { columns: true },
);

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness(await demoDeps()); // no session: a visitor who is not signed in
});
afterAll(async () => {
  await harness?.close();
  await closeDemoWarehouse();
});

async function rowsOf(page: Page, selector: string): Promise<string[][]> {
  const out: string[][] = [];
  for (const row of await page.locator(`${selector} tbody tr`).all())
    out.push((await row.locator('th, td').allTextContents()).map(squash));
  return out;
}

describe('Official statistics', () => {
  it('shows the real published England figures to a visitor: chart, table, CSV; no axe violations', async () => {
    const page = await harness.newPage();
    const problems = watchProblems(page);
    expect((await page.goto('/official'))?.status()).toBe(200);
    expect(await page.locator('#official-figures svg').count()).toBeGreaterThan(0);
    expect(await rowsOf(page, '#official-table')).toEqual(
      NATIONAL.map((r) => [
        `${new Date(r.MONTH!).toLocaleString('en-GB', { month: 'long', timeZone: 'UTC' })} 2025`,
        formatNumber(Number(r.NHS_APP_LOGINS)),
        'August 2025',
      ]),
    );
    await expectNoAxeViolations(page);
    const [file] = await Promise.all([page.waitForEvent('download'), page.locator('#official-csv').click()]);
    const csv: Record<string, string>[] = parse(fs.readFileSync(await file.path(), 'utf8'), {
      columns: true,
    });
    expect(Object.keys(csv[0]!)).toEqual(['month', 'level', 'code', 'name', 'measure', 'value', 'edition']);
    expect(csv.map((r) => Number(r.value))).toEqual(NATIONAL.map((r) => Number(r.NHS_APP_LOGINS)));
    // The areas-by-month table and one ICB's page, checked by axe too (axe needs JavaScript on).
    await page.goto('/official?measure=unique_logins&level=icb');
    await expectNoAxeViolations(page);
    await page.goto('/official?measure=unique_logins&level=region&code=Y56');
    await expectNoAxeViolations(page);
    expect((await page.goto('/open-data'))?.status()).toBe(200);
    await expectNoAxeViolations(page);
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it('works without JavaScript: choose ICBs, then one ICB, through the form and links', async () => {
    const page = await harness.newPage({ javaScriptEnabled: false });
    await page.goto('/official');
    await page.selectOption('#measure', 'unique_logins');
    await page.selectOption('#level', 'icb');
    await Promise.all([
      page.waitForURL((u) => u.searchParams.get('level') === 'icb'),
      page.locator('#update-official').click(),
    ]);
    expect(new URL(page.url()).searchParams.get('measure')).toBe('unique_logins');
    expect(await page.locator('#official-areas tbody tr').count()).toBe(43);
    const qe1 = ICB.filter((r) => r.ICB_ODS_CODE === 'QE1');
    await Promise.all([
      page.waitForURL((u) => u.searchParams.get('code') === 'QE1'),
      page.locator('#official-areas tr[data-code="QE1"] a').click(),
    ]);
    const rows = await rowsOf(page, '#official-table');
    expect(rows.map((r) => r[1])).toEqual(qe1.map((r) => formatNumber(Number(r.NHS_APP_UNIQUE_USER_LOGINS))));
    expect(squash((await page.locator('h2#official-figures-heading').textContent()) ?? '')).toContain(
      qe1[0]!.ICB_NAME!,
    );
  });

  it('puts the official figures beside those computed from the demo data, with the difference', async () => {
    const page = await harness.newPage();
    await page.goto('/official?measure=logins&level=england');
    expect(squash((await page.locator('#reconciliation').textContent()) ?? '')).toContain(
      'This service is showing synthetic demo data',
    );
    const rows = await rowsOf(page, '#reconciliation-table');
    expect(rows.length).toBe(6);
    const num = (s: string) => Number(s.replace(/[,+]/g, ''));
    for (const r of rows) {
      const [, , official, computed, difference] = r;
      expect(num(difference!)).toBe(num(computed!) - num(official!));
      expect(num(r[6]!)).toBe(Math.round(num(computed!) / DEMO_SCALE));
    }
    // Measured: how far the demo calibration is from the published figure (printed for the record).
    console.log(
      `demo vs official England logins, % difference at full scale: ${rows.map((r) => r[7]).join(', ')}`,
    );
    await expectNoAxeViolations(page);
  });

  it('shows who uses the App by age and deprivation, as NHS England published them, without JavaScript too', async () => {
    const page = await harness.newPage();
    const problems = watchProblems(page);
    await page.goto('/official');
    await Promise.all([
      page.waitForURL((u) => u.pathname === '/official/demographics'),
      page.locator('#official-demographics-link a').click(),
    ]);
    await expectNoAxeViolations(page);
    // The latest month, May 2025: each age group's users as the FOI file gives them, 95 to 99 and 100+ as one.
    const may = BY_AGE.filter((r) => r.MONTH === '2025-05-01');
    const users = (g: string) => Number(may.find((r) => r.AGE_GROUP === g)!.NHS_APP_UNIQUE_USER_LOGINS);
    const ages = await rowsOf(page, '#age-table');
    expect(ages.map((r) => r[0])).toEqual([
      ...may.filter((r) => !['Unknown', '95 to 99', '100+'].includes(r.AGE_GROUP!)).map((r) => r.AGE_GROUP),
      '95 and over',
      'Unknown',
    ]);
    expect(ages.find((r) => r[0] === '15 to 19')![2]).toBe(formatNumber(users('15 to 19')));
    expect(ages.find((r) => r[0] === '95 and over')![2]).toBe(
      formatNumber(users('95 to 99') + users('100+')),
    );
    expect(await page.locator('#by-age svg rect').count()).toBeGreaterThan(17);
    const deciles = await rowsOf(page, '#decile-table');
    expect(deciles.map((r) => r[2])).toEqual(
      // The file lists Unknown first; the page puts it after decile 10.
      BY_DECILE.filter((r) => r.MONTH === '2025-05-01')
        .sort((a, b) => (a.IMD_DECILE === 'Unknown' ? 1 : 0) - (b.IMD_DECILE === 'Unknown' ? 1 : 0))
        .map((r) => formatNumber(Number(r.NHS_APP_UNIQUE_USER_LOGINS))),
    );
    expect(problems, problems.join('\n')).toEqual([]);

    // Without JavaScript: March 2025 through the form, then its CSV, the FOI file's rows of March.
    const noJs = await harness.newPage({ javaScriptEnabled: false });
    await noJs.goto('/official/demographics');
    await noJs.selectOption('#month', '2025-03');
    await Promise.all([
      noJs.waitForURL((u) => u.searchParams.get('month') === '2025-03'),
      noJs.locator('#update-demographics').click(),
    ]);
    expect(squash((await noJs.locator('#by-age-heading').textContent()) ?? '')).toBe('By age, March 2025');
    const [file] = await Promise.all([
      page.waitForEvent('download'),
      (async () => {
        await page.goto('/official/demographics?month=2025-03');
        await page.locator('#demographics-csv').click();
      })(),
    ]);
    const csv: Record<string, string>[] = parse(fs.readFileSync(await file.path(), 'utf8'), {
      columns: true,
    });
    const march = [...BY_AGE, ...BY_DECILE].filter((r) => r.MONTH === '2025-03-01');
    expect(csv.length).toBe(march.length);
    expect(csv.reduce((a, r) => a + Number(r.uniqueUsers), 0)).toBe(
      march.reduce((a, r) => a + Number(r.NHS_APP_UNIQUE_USER_LOGINS), 0),
    );
    expect(file.suggestedFilename()).not.toMatch(/synthetic-demo/);
  });
});
