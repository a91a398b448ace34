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

  it("narrows to an ICB's patients through the form, and down to its sub-ICB locations: axe-clean", async () => {
    const page = await harness.newPage();
    const problems = watchProblems(page);
    await page.goto('/booking?from=2026-10-01&to=2026-10-31');
    const england = squash(await page.locator('#sentence-rep-cons-01').innerText());
    const booked = (s: string) =>
      Number(/there were ([\d,]+) appointments booked/.exec(s)![1]!.replaceAll(',', ''));
    // Every area offered holds practices: not the Unknown rows of the area tables.
    expect(await page.locator('#area option[value="UNKNOWN"]').count()).toBe(0);
    await page.selectOption('#area', 'QWO');
    await Promise.all([
      page.waitForURL((u) => u.searchParams.get('area') === 'QWO'),
      page.locator('#booking-update').click(),
    ]);
    expect(squash(await page.locator('#booking-summary-heading').innerText())).toBe(
      'Consumer measures, October 2026, for patients registered in NHS West Yorkshire Integrated Care Board (QWO)',
    );
    const icb = squash(await page.locator('#sentence-rep-cons-01').innerText());
    expect(booked(icb)).toBeGreaterThan(0);
    expect(booked(icb)).toBeLessThan(booked(england));
    // Task 11's three figures are on the one page: bookings against referrals, no slot, only breaching slots.
    expect(await page.locator('#sentence-rep-cons-02').innerText()).toMatch(
      /no appointment slots were offered/,
    );
    expect(await page.locator('#sentence-rep-cons-12').innerText()).toMatch(
      /outside the disposition time frame/,
    );
    await expectNoAxeViolations(page);

    // The breach analysis for the same patients, through the summary's link (ADR 0070).
    await Promise.all([
      page.waitForURL('**/booking/breach?**'),
      page.getByRole('link', { name: 'Breach analysis by disposition' }).click(),
    ]);
    expect(new URL(page.url()).searchParams.get('area')).toBe('QWO');
    expect(squash(await page.locator('#booking-breach-heading').innerText())).toBe(
      'October 2026, for patients registered in NHS West Yorkshire Integrated Care Board (QWO)',
    );
    expect(await page.locator('#area').inputValue()).toBe('QWO');
    expect(await page.locator('#breach-table tbody tr').count()).toBeGreaterThan(1);
    await expectNoAxeViolations(page);
    await page.goBack();

    await page.locator('#sentence-rep-cons-01 a').click();
    await page.waitForURL('**/booking/measure/rep-cons-01?**');
    expect(await page.locator('#area').inputValue()).toBe('QWO');
    await page.selectOption('#groupBy', 'sub-icb');
    await Promise.all([
      page.waitForURL((u) => u.searchParams.get('groupBy') === 'sub-icb'),
      page.locator('#booking-update').click(),
    ]);
    const counts = await page.locator('#booking-table tbody tr td:nth-child(3)').allInnerTexts();
    expect(counts.length).toBe(5);
    // Sub-ICB locations are named with their place, as on every other page.
    for (const name of await page.locator('#booking-table tbody tr td:nth-child(2)').allInnerTexts())
      expect(name).toMatch(/^[A-Z][a-z].* — NHS West Yorkshire ICB - [0-9A-Z]+$/);
    // Every practice of the ICB lies in one of its sub-ICB locations: they add up to the ICB's figure.
    expect(counts.reduce((a, c) => a + Number(c.replaceAll(',', '')), 0)).toBe(booked(icb));
    await expectNoAxeViolations(page);
    await page.locator('#booking-table tbody tr th a').first().click();
    await page.waitForURL((u) => u.searchParams.get('area') !== 'QWO');
    expect(squash(await page.locator('#booking-measure-heading').innerText())).toMatch(
      /^October 2026, for patients registered in .+ \([0-9A-Z]+\)$/,
    );
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
