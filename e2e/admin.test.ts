/**
 * The admin pages in a browser, over the real demo warehouse (user task 15: "give a colleague access, take it
 * away, and see who downloaded what"): `/admin` leads to the users page; a CSV downloaded in the browser appears
 * in the audit log, found with its filter; zero axe violations on each page, the filter working without
 * JavaScript.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './browser.ts';
import { closeDemoWarehouse, demoDeps } from './demo-warehouse.ts';
import { expectNoAxeViolations, watchProblems } from './national-summary.suite.ts';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness(await demoDeps(), {
    signedInAs: { role: 'admin', email: 'e2e.admin@nhs.net' },
  });
});
afterAll(async () => {
  await harness?.close();
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
    expect(name).toMatch(/\.csv$/);

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
});
