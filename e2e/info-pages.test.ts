/**
 * The data dictionary, About page, data table and chart CSV downloads in a browser, over a real demo
 * warehouse: content, filtering and paging the data table, downloading CSVs and parsing them, the peer
 * band on area pages, zero axe violations, and every figure still in a table with JavaScript off.
 */
import fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppDeps } from '../src/http/deps.ts';
import { loadCatalogue } from '../src/metrics/catalogue.ts';
import type { Warehouse } from '../src/warehouse/db.ts';
import { formatValue } from '../src/web/format.ts';
import { startApp, startHarness, type Harness, type RunningApp } from './browser.ts';
import { closeDemoWarehouse, demoDeps, demoWarehouse } from './demo-warehouse.ts';
import { expectNoAxeViolations, squash, tablesOnPage, watchProblems } from './national-summary.suite.ts';

const catalogue = loadCatalogue();

let harness: Harness;
let anonymous: RunningApp;
let deps: AppDeps;
let db: Warehouse;
let icb: { code: string; name: string };

beforeAll(async () => {
  deps = await demoDeps();
  db = await demoWarehouse();
  icb = (await db.one<{ code: string; name: string }>(
    `SELECT area_code AS code, name FROM area
     WHERE area_level = 'icb' AND is_current AND area_code <> 'UNKNOWN' ORDER BY name LIMIT 1`,
  ))!;
  harness = await startHarness(deps, { signedInAs: { role: 'viewer' } });
  anonymous = await startApp(deps);
});

afterAll(async () => {
  await harness?.close();
  await anonymous?.app.close();
  await closeDemoWarehouse();
});

async function download(page: Page, selector: string): Promise<Record<string, string>[]> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.locator(selector).click()]);
  const path = await file.path();
  return parse(fs.readFileSync(path, 'utf8'), { columns: true }) as Record<string, string>[];
}

async function rowsOf(page: Page, selector: string): Promise<string[][]> {
  const out: string[][] = [];
  for (const row of await page.locator(`${selector} tbody tr`).all())
    out.push((await row.locator('th, td').allTextContents()).map(squash));
  return out;
}

describe('data dictionary', () => {
  it('lists every metric by theme and explains each one', async () => {
    const page = await harness.newPage();
    const problems = watchProblems(page);
    expect((await page.goto('/dictionary'))?.status()).toBe(200);
    expect(await page.locator('.app-dictionary-list__item').count()).toBe(catalogue.length);
    expect(await page.locator('#dictionary-contents a').count()).toBeGreaterThan(5);
    await expectNoAxeViolations(page);
    await page.locator('a[href="/dictionary/unique_logins"]').click();
    await page.waitForURL('**/dictionary/unique_logins');
    const unique = catalogue.find((m) => m.id === 'unique_logins')!;
    expect(squash((await page.locator('h1').textContent()) ?? '')).toContain(unique.name);
    expect(squash((await page.locator('#metric-calculation').textContent()) ?? '')).toBe(
      squash(unique.calculation),
    );
    expect(await page.locator('#metric-caveats li').count()).toBe(unique.caveats.length);
    await expectNoAxeViolations(page);
    expect(problems, problems.join('\n')).toEqual([]);
  });
});

describe('About', () => {
  it('shows the refresh schedule and history, complete periods, the demo label and sources', async () => {
    const page = await harness.newPage();
    expect((await page.goto('/about'))?.status()).toBe(200);
    expect(squash((await page.locator('#refresh-schedule').textContent()) ?? '')).toContain(
      'Every Wednesday at 7:30am',
    );
    const builds = Number(await db.scalar('SELECT count(*) FROM build_log'));
    expect(await page.locator('#builds-table tbody tr').count()).toBe(Math.min(10, builds));
    expect(await page.locator('#periods-table tbody tr').count()).toBe(2);
    expect(squash((await page.locator('#about-demo').textContent()) ?? '')).toMatch(/scale 0\.0005.*seed 7/);
    expect(await page.locator('#sources').textContent()).toContain('Open Government Licence v3.0');
    await expectNoAxeViolations(page);
  });
});

describe('data table', () => {
  it('filters by level and metrics, pages, and downloads the whole selection as CSV', async () => {
    const page = await harness.newPage();
    const problems = watchProblems(page);
    expect((await page.goto('/data'))?.status()).toBe(200);
    await expectNoAxeViolations(page);
    await page.locator('#data-level').selectOption('pcn');
    await page.locator('#data-metrics summary').click();
    await page.locator('input[name="metric"][value="unique_logins"]').check();
    await page.locator('#data-submit').click();
    await page.waitForURL(/level=pcn/);
    expect(page.url()).toMatch(/metric=logins&metric=unique_logins/);
    const first = await rowsOf(page, '#data-table');
    expect(first).toHaveLength(50);
    expect(new Set(first.map((r) => r[3]))).toEqual(
      new Set(['NHS App logins', catalogue.find((m) => m.id === 'unique_logins')!.name]),
    );
    const caption = squash((await page.locator('#data-caption').textContent()) ?? '');
    const total = Number(/of ([\d,]+)\.$/.exec(caption)![1]!.replace(/,/g, ''));
    expect(total).toBeGreaterThan(1000);

    await page.locator('#data-pagination a[aria-label="Page 2"]').click();
    await page.waitForURL(/page=2/);
    const second = await rowsOf(page, '#data-table');
    expect(second).toHaveLength(50);
    expect(second[0]).not.toEqual(first[0]);
    await expectNoAxeViolations(page);

    const rows = await download(page, '#data-csv');
    expect(rows).toHaveLength(total);
    // The CSV's rows 51–100 are page 2.
    rows.slice(50, 100).forEach((r, i) => {
      expect(second[i]![2]).toBe(r.area_code);
      expect(second[i]![4]).toBe(formatValue(Number(r.value), r.unit!));
    });
    // Unique users of each PCN in one month, against the warehouse directly.
    const month = rows.find((r) => r.metric_id === 'unique_logins' && r.complete === 'true')!.period_start!;
    const direct = await db.all<{ code: string; value: number }>(
      `SELECT area_code AS code, value FROM metric_value
       WHERE structure = 'current' AND metric_id = 'unique_logins' AND grain = 'month' AND area_level = 'pcn'
         AND period_start = $1::DATE`,
      [month],
    );
    const byCode = new Map(direct.map((d) => [d.code, d.value]));
    for (const r of rows.filter((x) => x.metric_id === 'unique_logins' && x.period_start === month))
      expect(Number(r.value), r.area_code).toBe(byCode.get(r.area_code!) ?? 0);
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it('finds an area by name and shows its figures', async () => {
    const page = await harness.newPage();
    await page.goto('/data');
    await page.locator('#data-q').fill(icb.name);
    await page.locator('#data-find-submit').click();
    await page.locator('#data-find-results a').first().click();
    await page.waitForURL(new RegExp(`area=${icb.code}`));
    expect(squash((await page.locator('#data-area').textContent()) ?? '')).toContain(icb.name);
    const rows = await rowsOf(page, '#data-table');
    expect(new Set(rows.map((r) => r[2]))).toEqual(new Set([icb.code]));
    await expectNoAxeViolations(page);
  });

  it('offers anonymous visitors open data only', async () => {
    const context = await harness.browser.newContext({ baseURL: anonymous.baseUrl });
    try {
      const page = await context.newPage();
      expect((await page.goto('/data'))?.status()).toBe(200);
      expect(await page.locator('#data-open-note').count()).toBe(1);
      expect(await page.locator('#data-level option[value="practice"]').count()).toBe(0);
      await expectNoAxeViolations(page);
    } finally {
      await context.close();
    }
  });
});

describe('chart downloads and peers on area pages', () => {
  it('downloads the CSV of a chart, equal to its table, with the band of ICBs behind the line', async () => {
    const page = await harness.newPage();
    const problems = watchProblems(page);
    expect((await page.goto(`/areas/icb/${icb.code}`))?.status()).toBe(200);
    const charts = await page.locator('.app-metric').count();
    expect(await page.locator('a[data-chart-csv]').count()).toBe(charts);
    // The band behind the line, described in the chart's text alternative.
    expect(
      await page.locator('#metric-chart-logins svg.app-chart__svg--wide polygon').count(),
    ).toBeGreaterThan(0);
    expect(await page.locator('#metric-chart-logins svg.app-chart__svg--wide desc').textContent()).toMatch(
      /spread across the \d+ ICBs/,
    );
    expect(squash((await page.locator('[data-peer="logins"]').textContent()) ?? '')).toMatch(
      /^(Higher than \d+% of the other \d+ ICBs|Highest of the \d+ ICBs|Lowest of the \d+ ICBs)/,
    );
    const table = (await tablesOnPage(page)).get('chart-logins')!;
    const rows = await download(page, 'a[data-chart-csv="chart-logins"]');
    expect(rows).toHaveLength(table.length);
    // Rates first: the band (the two columns before "Complete period") is of the rate the chart draws,
    // logins per 1,000 patients aged 13+, its percentiles to 1 decimal in the CSV.
    const head = (await page.locator('table[data-metric="chart-logins"] thead th').allTextContents()).map(
      squash,
    );
    expect(head.slice(-3)).toEqual([
      'Middle half of ICBs (25th to 75th percentile)',
      'Middle 80% of ICBs (10th to 90th percentile)',
      'Complete period',
    ]);
    expect(head).toContain(`${icb.name}, per 1,000`);
    const band = (lo: string, hi: string) =>
      lo === '' ? '–' : `${formatValue(Number(lo), 'per_1000')} to ${formatValue(Number(hi), 'per_1000')}`;
    rows.forEach((r, i) => {
      const cells = table[i]!;
      expect(cells[0]).toBe(r.period);
      expect(cells[1]).toBe(formatValue(Number(r.value), 'events'));
      expect(cells.slice(-3, -1)).toEqual([
        band(r.peers_p25!, r.peers_p75!),
        band(r.peers_p10!, r.peers_p90!),
      ]);
      for (const v of [r.peers_p10, r.peers_p25, r.peers_p75, r.peers_p90]) {
        if (v) expect(v).toMatch(/^\d+(\.\d)?$/);
      }
      expect(r.area_code).toBe(icb.code);
    });
    await expectNoAxeViolations(page);
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it('links the National summary’s charts to their CSVs', async () => {
    const page = await harness.newPage();
    await page.goto('/');
    const rows = await download(page, 'a[data-chart-csv="chart-unique_logins"]');
    const table = (await tablesOnPage(page)).get('chart-unique_logins')!;
    expect(rows.map((r) => formatValue(Number(r.value), 'users'))).toEqual(table.map((r) => r[1]));
  });
});

describe('tables that fit', () => {
  it('show no scroll shadow over their last column on a desktop screen; a wider one scrolls', async () => {
    const page = await harness.newPage({ viewport: { width: 1280, height: 900 } });
    // Each wrapper: whether its table overflows it, and whether nhsuk-frontend marked it scrollable.
    const wrappers = () =>
      page.$$eval('.nhsuk-scroll', (els) =>
        els.map((el) => {
          const content = el.querySelector('.nhsuk-scroll__content')!;
          return {
            overflows: content.scrollWidth > content.clientWidth,
            shadow: el.classList.contains('nhsuk-scroll--scrollable'),
          };
        }),
      );
    for (const url of ['/data', '/official', '/map', '/about', `/areas/icb/${icb.code}`]) {
      await page.goto(url);
      const found = await wrappers();
      expect(found.length, url).toBeGreaterThan(0);
      expect(
        found.filter((w) => w.overflows || w.shadow),
        url,
      ).toEqual([]);
    }
    // The ranking of an ICB's practices has more columns than the page is wide: it still scrolls.
    await page.goto(`/rank?within=icb:${icb.code}&level=practice`);
    expect(await wrappers()).toContainEqual({ overflows: true, shadow: true });
  });
});

describe('without JavaScript', () => {
  it('still shows every figure as a table on the data table, About and area pages', async () => {
    const page = await harness.newPage({ javaScriptEnabled: false });
    await page.goto('/data?level=icb&metric=logins&metric=unique_logins_per_1000');
    expect(await page.locator('#data-table tbody tr').count()).toBe(50);
    expect(await page.locator('#data-table thead th').allTextContents()).toContain('Coverage');
    await page.goto('/about');
    expect(await page.locator('#periods-table tbody tr').count()).toBe(2);
    await page.goto(`/areas/icb/${icb.code}`);
    const charts = await page.locator('.app-metric').count();
    const tables = await tablesOnPage(page);
    expect(tables.size).toBe(charts);
    for (const [id, rows] of tables) expect(rows.length, id).toBeGreaterThan(0);
    // The band's figures are in the table too.
    expect(
      (await page.locator('table[data-metric="chart-logins"] thead th').allTextContents()).map(squash),
    ).toContain('Middle half of ICBs (25th to 75th percentile)');
  });
});

describe('service pages and API documentation', () => {
  it('passes axe on each service page and the API documentation, signed out', async () => {
    const context = await harness.browser.newContext({ baseURL: anonymous.baseUrl });
    try {
      const page = await context.newPage();
      const problems = watchProblems(page);
      for (const url of ['/accessibility', '/privacy', '/cookies', '/contact', '/feedback', '/api/docs']) {
        expect((await page.goto(url))?.status(), url).toBe(200);
        await expectNoAxeViolations(page);
      }
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('runs the API explorer from this site within the Content-Security-Policy', async () => {
    const page = await harness.newPage();
    const problems = watchProblems(page);
    expect((await page.goto('/api/docs/explorer'))?.status()).toBe(200);
    // Swagger UI draws one block per operation once it has read the OpenAPI document.
    await page.locator('#swagger-ui .opblock').first().waitFor({ timeout: 15_000 });
    const operations = await page.locator('#swagger-ui .opblock-summary-path').allTextContents();
    expect(operations.map(squash)).toContain('/api/v1/series');
    expect(problems).toEqual([]);
  });
});
