/**
 * Browser tests of the National summary page, for any PageQueries implementation: the figures expected on
 * the page are read from `deps.queries` itself, so the same suite runs over in-memory test queries and over
 * a real warehouse with demo data. Use it from a *.test.ts file:
 *
 *   describeNationalSummary('national summary (demo warehouse)', async () => ({ deps, teardown }));
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Grain } from '../src/domain/metric-definition.ts';
import type { AppDeps } from '../src/http/deps.ts';
import type { NationalSummary } from '../src/query/types.ts';
import { formatPeriod, formatValue } from '../src/web/format.ts';
import { axeViolations, formatViolations, startHarness, type Harness } from './browser.ts';

export interface SuiteSetup {
  deps: AppDeps;
  teardown?: () => Promise<void> | void;
}

function slug(metricId: string): string {
  return metricId.replace(/[^A-Za-z0-9_-]/g, '-');
}

export const squash = (s: string) => s.replace(/\s+/g, ' ').trim();

/**
 * The periods the pages show by default (the last 12 months, docs/adr/0029), computed here by plain date
 * arithmetic: those ending on or after the first day of the 12th month back from the end of the latest
 * period of any series.
 */
export function defaultRangeFilter(
  grain: Grain,
  series: Record<string, { periodStart: string }[]>,
): (periodStart: string) => boolean {
  const starts = Object.values(series).flatMap((points) => points.map((p) => p.periodStart));
  if (starts.length === 0) return () => true;
  const last = new Date(`${starts.sort().at(-1)!}T00:00:00Z`);
  const endOf = (d: Date) =>
    grain === 'week'
      ? new Date(d.getTime() + 6 * 86_400_000)
      : new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0));
  const end = endOf(last);
  const from = new Date(Date.UTC(end.getUTCFullYear(), end.getUTCMonth() - 11, 1));
  return (periodStart) => endOf(new Date(`${periodStart}T00:00:00Z`)) >= from;
}

/** The rows each metric's table must hold, as [period, value, complete] texts. */
export function expectedTables(summary: NationalSummary): Map<string, string[][]> {
  const tables = new Map<string, string[][]>();
  const shown = defaultRangeFilter(summary.grain, summary.series);
  for (const tile of summary.tiles) {
    const points = (summary.series[tile.metricId] ?? []).filter((p) => shown(p.periodStart));
    tables.set(
      tile.metricId,
      points.map((p) => [
        formatPeriod(summary.grain, p.periodStart) + (p.complete ? '' : ' (partial)'),
        formatValue(p.value, tile.unit),
        p.complete ? 'Yes' : 'No (partial)',
      ]),
    );
  }
  return tables;
}

/** Reads every figures table on the page (text content, so it works with JavaScript off and details closed). */
export async function tablesOnPage(page: Page): Promise<Map<string, string[][]>> {
  const out = new Map<string, string[][]>();
  const tables = page.locator('table[data-metric]');
  const count = await tables.count();
  for (let i = 0; i < count; i++) {
    const table = tables.nth(i);
    const metric = (await table.getAttribute('data-metric')) ?? '';
    const rows = table.locator('tbody tr');
    const n = await rows.count();
    const cells: string[][] = [];
    for (let r = 0; r < n; r++)
      cells.push((await rows.nth(r).locator('th, td').allTextContents()).map(squash));
    out.set(metric, cells);
  }
  return out;
}

async function expectEveryFigureInATable(page: Page, summary: NationalSummary) {
  const onPage = await tablesOnPage(page);
  for (const [metricId, rows] of expectedTables(summary)) {
    expect(onPage.get(`chart-${slug(metricId)}`), `table for ${metricId}`).toEqual(rows);
  }
}

export async function expectNoAxeViolations(page: Page) {
  const violations = await axeViolations(page);
  expect(violations, formatViolations(violations)).toEqual([]);
}

/** Records console errors, page errors (CSP blocks show up here) and failed requests. */
export function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`${res.status()} ${res.url()}`);
  });
  return problems;
}

export function describeNationalSummary(name: string, setup: () => Promise<SuiteSetup>): void {
  describe(name, () => {
    let harness: Harness;
    let deps: AppDeps;
    let teardown: SuiteSetup['teardown'];
    const summary = (grain: Grain, includePartial: boolean) =>
      deps.queries.nationalSummary({ grain, includePartial });

    beforeAll(async () => {
      ({ deps, teardown } = await setup());
      // Signed in: the suite checks weekly figures and every headline metric (e2e/sign-in.test.ts covers
      // what visitors see).
      harness = await startHarness(deps, { signedInAs: { role: 'viewer' } });
    });

    afterAll(async () => {
      await harness?.close();
      await teardown?.();
    });

    it('shows the heading, a tile per headline metric and every figure in a table', async () => {
      const expected = await summary('month', false);
      const page = await harness.newPage();
      const problems = watchProblems(page);
      const response = await page.goto('/');
      expect(response?.status()).toBe(200);
      expect(squash((await page.locator('h1').textContent()) ?? '')).toBe(
        `NHS App use in ${expected.areaName}`,
      );
      await expect
        .poll(() => page.locator('body').getAttribute('class'))
        .toContain('nhsuk-frontend-supported');

      const tiles = page.locator('.app-tile');
      expect(await tiles.count()).toBe(expected.tiles.length);
      for (const tile of expected.tiles) {
        const text = squash((await page.locator(`#tile-${slug(tile.metricId)}`).textContent()) ?? '');
        expect(text).toContain(tile.shortName);
        if (tile.latest) {
          expect(text).toContain(formatValue(tile.latest.value, tile.unit));
          expect(text).toContain(formatPeriod('month', tile.latest.periodStart));
        }
        if (tile.latest && tile.previous && tile.latest.value !== tile.previous.value) {
          expect(text).toMatch(tile.latest.value > tile.previous.value ? /▲ Up / : /▼ Down /);
        }
      }
      expect(await page.locator('.app-chart svg[role="img"]:visible').count()).toBe(expected.tiles.length);
      await expectEveryFigureInATable(page, expected);
      expect(await page.locator('#data-status').textContent()).toMatch(/Data refreshed/);
      if (expected.status.demo) {
        expect(await page.locator('#demo-data-warning').textContent()).toMatch(/synthetic demo data/i);
      }
      expect(problems, problems.join('\n')).toEqual([]);
    });

    it('switches to weekly figures and the partial period through the form', async () => {
      const page = await harness.newPage();
      await page.goto('/');
      await page.getByLabel('Week', { exact: true }).check();
      await Promise.all([
        page.waitForURL(/grain=week/),
        page.getByRole('button', { name: 'Update view' }).click(),
      ]);
      const url = new URL(page.url());
      expect(url.searchParams.get('grain')).toBe('week');
      expect(await page.getByLabel('Week', { exact: true }).isChecked()).toBe(true);
      await expectEveryFigureInATable(page, await summary('week', false));

      await page.getByLabel(/Include the partial period/).check();
      await Promise.all([
        page.waitForURL(/partial=1/),
        page.getByRole('button', { name: 'Update view' }).click(),
      ]);
      expect(new URL(page.url()).searchParams.get('grain')).toBe('week');
      await expectEveryFigureInATable(page, await summary('week', true));
    });

    it('has no WCAG 2.2 AA violations (axe), with tables closed and open', async () => {
      const page = await harness.newPage();
      for (const path of ['/', '/?grain=week&partial=1&since=2026-10-07']) {
        await page.goto(path);
        await expectNoAxeViolations(page);
        // Open every "Show as a table" so axe checks the tables too.
        for (const summaryEl of await page.locator('details.app-metric__table > summary').all())
          await summaryEl.click();
        expect(await page.locator('details:not([open])').count()).toBe(0);
        await expectNoAxeViolations(page);
      }
    });

    it('has accessible error pages', async () => {
      const page = await harness.newPage();
      const notFound = await page.goto('/no-such-page');
      expect(notFound?.status()).toBe(404);
      expect(await page.locator('h1').textContent()).toMatch(/Page not found/);
      await expectNoAxeViolations(page);
      const bad = await page.goto('/?grain=fortnight');
      expect(bad?.status()).toBe(400);
      await expectNoAxeViolations(page);
    });

    it('works without JavaScript: every figure is in a table and the form still works', async () => {
      const page = await harness.newPage({ javaScriptEnabled: false });
      const response = await page.goto('/');
      expect(response?.status()).toBe(200);
      expect(await page.locator('body').getAttribute('class')).toBeNull();
      await expectEveryFigureInATable(page, await summary('month', false));
      await page.getByLabel('Week', { exact: true }).check();
      await Promise.all([
        page.waitForURL(/grain=week/),
        page.getByRole('button', { name: 'Update view' }).click(),
      ]);
      await expectEveryFigureInATable(page, await summary('week', false));
    });
  });
}
