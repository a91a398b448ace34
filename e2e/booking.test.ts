/**
 * The Urgent care booking pages in a browser (issue 13), over the real demo warehouse, whose first start also
 * generates and loads the synthetic booking journeys: a signed-in commissioner picks a month, reads each
 * requirement as a sentence, opens a measure by registered practice with its CSV and trend, and the breach
 * analysis; zero axe violations on each page; the same journey through the GET forms with JavaScript off.
 */
import fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './browser.ts';
import { closeDemoWarehouse, demoDeps } from './demo-warehouse.ts';
import { expectNoAxeViolations, squash, watchProblems } from './national-summary.suite.ts';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness(await demoDeps(), { signedInAs: { role: 'viewer' } });
});
afterAll(async () => {
  await harness?.close();
  await closeDemoWarehouse();
});

describe('Urgent care booking', () => {
  it('summary, a measure by practice with its CSV and trend, and the breach analysis: axe-clean', async () => {
    const page = await harness.newPage();
    const problems = watchProblems(page);
    await page.goto('/');
    expect(await page.locator('header a[href="/booking"]').count()).toBeGreaterThan(0);
    expect((await page.goto('/booking'))?.status()).toBe(200);
    // The demo runs to Sunday 15 November 2026: October is the last complete month.
    expect(squash(await page.locator('#booking-summary-heading').innerText())).toBe(
      'Consumer measures, October 2026',
    );
    expect(await page.locator('#booking-demo-warning').count()).toBe(1);
    const first = squash(await page.locator('#sentence-rep-cons-01').innerText());
    expect(first).toMatch(
      /^Bookings against successful referrals \(rep-cons-01\): In October 2026 there were [\d,]+ appointments booked and [\d,]+ successful referrals: [\d.]+% booking utilisation\.$/,
    );
    await expectNoAxeViolations(page);

    await page.locator('#booking-picks a', { hasText: 'September 2026' }).click();
    await page.waitForURL((u) => u.searchParams.get('from') === '2026-09-01');
    await page.locator('#sentence-rep-cons-01 a').click();
    await page.waitForURL('**/booking/measure/rep-cons-01?**');
    await page.selectOption('#groupBy', 'practice');
    await Promise.all([
      page.waitForURL((u) => u.searchParams.get('groupBy') === 'practice'),
      page.locator('#booking-update').click(),
    ]);
    const sentence = squash(await page.locator('#booking-sentence').innerText());
    const total = Number(/there were ([\d,]+) appointments booked/.exec(sentence)![1]!.replaceAll(',', ''));
    expect(await page.locator('#booking-table tbody tr').count()).toBeGreaterThan(5);
    expect(await page.locator('#booking-trend svg').count()).toBeGreaterThan(0);
    expect(await page.locator('#booking-trend-table tbody tr').count()).toBeGreaterThan(1);
    await expectNoAxeViolations(page);
    const [file] = await Promise.all([page.waitForEvent('download'), page.locator('#booking-csv').click()]);
    const rows: Record<string, string>[] = parse(fs.readFileSync(await file.path(), 'utf8'), {
      columns: true,
    });
    // Every booking has one registered practice (or Unknown): the practices add up to the total.
    expect(rows.reduce((a, r) => a + Number(r.count), 0)).toBe(total);

    await page.goto('/booking/breach?from=2026-10-01&to=2026-10-31');
    expect(await page.locator('#breach-table tbody tr[data-disposition="Dx05"]').count()).toBe(1);
    await expectNoAxeViolations(page);
    await page.goto('/booking?view=provider');
    // The provider view is the same template as the consumer view checked above.
    expect(await page.locator('#booking-summary-table tbody tr').count()).toBe(5);
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it('works without JavaScript: a range and a grouping through the GET forms', async () => {
    const page = await harness.newPage({ javaScriptEnabled: false });
    await page.goto('/booking/measure/rep-prov-05');
    await page.fill('#from', '2026-10-01');
    await page.fill('#to', '2026-10-14');
    await page.selectOption('#groupBy', 'consumer');
    await Promise.all([
      page.waitForURL((u) => u.searchParams.get('to') === '2026-10-14'),
      page.locator('#booking-update').click(),
    ]);
    expect(squash(await page.locator('#booking-sentence').innerText())).toMatch(
      /^From 1 October 2026 to 14 October 2026 there (were|was) [\d,]+ appointments? cancelled \(at any stage\)\.$/,
    );
    expect(await page.locator('#booking-table tbody tr').count()).toBeGreaterThan(0);
    await page.selectOption('#grain', 'week');
    await Promise.all([
      page.waitForURL((u) => u.searchParams.get('grain') === 'week'),
      page.locator('#booking-grain-update').click(),
    ]);
    expect(await page.locator('#booking-trend-table tbody tr').count()).toBeGreaterThan(30);
    await page.goto('/booking?from=2026-10-31&to=2026-10-01');
    expect(await page.locator('h1').innerText()).toMatch(/problem/i);
  });
});
