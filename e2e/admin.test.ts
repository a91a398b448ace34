/**
 * The admin pages in a browser, over the real demo warehouse (user task 15: "give a colleague access, take it
 * away, and see who downloaded what"): `/admin` leads to the users page; a CSV downloaded in the browser appears
 * in the audit log, found with its filter; zero axe violations on each page, the filter working without
 * JavaScript.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverPublisher } from '../src/app/publish.ts';
import { RefreshService } from '../src/app/refresh.ts';
import { loadCatalogue } from '../src/metrics/catalogue.ts';
import { startHarness, type Harness } from './browser.ts';
import { closeDemoWarehouse, demoDeps } from './demo-warehouse.ts';
import { expectNoAxeViolations, watchProblems } from './national-summary.suite.ts';

let harness: Harness;
let refresh: RefreshService;
beforeAll(async () => {
  const deps = await demoDeps();
  // The server's refresh service, able to publish a month as `serve` wires it (ADR 0069).
  refresh = new RefreshService({
    db: deps.db,
    inboxDir: deps.config.inboxDir,
    schedule: deps.config.refreshSchedule,
    log: () => {},
    pollMs: 100,
    publish: serverPublisher({
      archiveDir: path.join(deps.config.dataDir, 'open-data'),
      disclosure: false,
      catalogue: loadCatalogue(),
      today: () => '2026-11-21',
    }),
  });
  harness = await startHarness(
    { ...deps, refresh },
    { signedInAs: { role: 'admin', email: 'e2e.admin@nhs.net' } },
  );
  await refresh.start();
});
afterAll(async () => {
  await harness?.close();
  await refresh?.close();
  await closeDemoWarehouse();
});

describe('admin pages', () => {
  it('users and the audit log: a download is found by its filter; axe-clean', async () => {
    const page = await harness.newPage();
    const problems = watchProblems(page);
    await page.goto('/admin');
    expect(new URL(page.url()).pathname).toBe('/admin/users');
    expect(await page.locator('tr[data-user="e2e.admin@nhs.net"]').count()).toBe(1);
    await expectNoAxeViolations(page);

    // Download the data table's CSV as a person would.
    await page.goto('/data?level=icb');
    const [file] = await Promise.all([page.waitForEvent('download'), page.locator('#data-csv').click()]);
    const name = file.suggestedFilename();
    // The demo warehouse's file says it holds synthetic figures (demo-downloads.ts).
    expect(name).toMatch(/^synthetic-demo_nhs-app-.+\.csv$/);

    // The admin's own downloads, from the users page; then the same through the filter with JavaScript off.
    await page.goto('/admin/users');
    await page.locator('tr[data-user="e2e.admin@nhs.net"] a', { hasText: 'Downloads' }).click();
    await page.waitForURL((u) => u.searchParams.get('action') === 'download');
    const row = page.locator('#audit tbody tr').first();
    await expect.poll(async () => row.innerText()).toContain(name);
    expect(await row.innerText()).toContain('/data.csv?level=icb');
    await expectNoAxeViolations(page);

    const noJs = await harness.newPage({ javaScriptEnabled: false });
    await noJs.goto('/admin/audit');
    await noJs.selectOption('#audit-action', 'download');
    await Promise.all([
      noJs.waitForURL((u) => u.searchParams.get('action') === 'download'),
      noJs.locator('#audit-update').click(),
    ]);
    const actions = await noJs.locator('#audit tbody tr td:nth-child(3)').allInnerTexts();
    expect(actions.length).toBeGreaterThan(0);
    expect(new Set(actions)).toEqual(new Set(['download']));
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it('publishes a month from /open-data while serving, without JavaScript; axe-clean', async () => {
    const page = await harness.newPage();
    await page.goto('/open-data');
    expect(await page.locator('#publish-form').count()).toBe(1);
    await expectNoAxeViolations(page);
    const noJs = await harness.newPage({ javaScriptEnabled: false });
    await noJs.goto('/open-data');
    // The demo clock says 21 November 2026: October is the newest month offered, and chosen by default.
    expect(await noJs.locator('#publish-month').inputValue()).toBe('2026-10');
    await Promise.all([
      noJs.waitForURL((u) => u.searchParams.get('requested') === '2026-10'),
      noJs.locator('#publish-button').click(),
    ]);
    // "Check again" until the server has published it (it takes a few seconds on the demo).
    const deadline = Date.now() + 60_000;
    while ((await noJs.locator('#release-2026-10-1').count()) === 0 && Date.now() < deadline) {
      await noJs.waitForTimeout(500);
      await noJs.goto('/open-data?requested=2026-10');
    }
    expect(await noJs.locator('#publish-status').innerText()).toContain(
      'Published October 2026 as release 2026-10-1',
    );
    expect(await noJs.locator('#release-2026-10-1 a').count()).toBe(3);
    await page.goto('/open-data?requested=2026-10');
    await expectNoAxeViolations(page);
  });
});
