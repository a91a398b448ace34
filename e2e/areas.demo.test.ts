/**
 * Area pages and search in a browser, over a real demo warehouse: drilling down from England to a practice,
 * breadcrumbs, search by ODS code and postcode, sorting the children table, accessibility (axe) and pages
 * without JavaScript. Also checks children's figures against the raw events.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { areaLabel, ENGLAND_CODE, type AreaLevel } from '../src/domain/areas.ts';
import type { AppDeps } from '../src/http/deps.ts';
import { addDays, addMonths, periodStart } from '../src/domain/periods.ts';
import { getAreaChain } from '../src/query/area-chain.ts';
import type { AreaPage, AreaRef } from '../src/query/types.ts';
import type { Warehouse } from '../src/warehouse/db.ts';
import { formatNumber, formatPeriod, formatValue } from '../src/web/format.ts';
import { formatCoverage } from '../src/web/format.ts';
import { formatInterval } from '../src/web/views/metric-panels.ts';
import { sortChildren } from '../src/web/views/area-children.ts';
import { startHarness, type Harness } from './browser.ts';
import { closeDemoWarehouse, demoDeps, demoWarehouse } from './demo-warehouse.ts';
import {
  defaultRangeFilter,
  expectNoAxeViolations,
  squash,
  tablesOnPage,
  watchProblems,
} from './national-summary.suite.ts';

let harness: Harness;
let deps: AppDeps;
let db: Warehouse;
/** A busy current practice with a postcode, in a PCN of several practices, and the areas above it. */
let practice: { code: string; name: string; postcode: string };
let chain: AreaRef[];

const href = (a: { level: AreaLevel; code: string }) =>
  a.level === 'england' ? '/' : `/areas/${a.level}/${a.code}`;

beforeAll(async () => {
  deps = await demoDeps();
  db = await demoWarehouse();
  const row = await db.one<{ code: string; name: string; postcode: string }>(
    `SELECT a.area_code AS code, a.name, a.postcode
     FROM area a
     JOIN metric_value v ON v.structure = 'current' AND v.metric_id = 'logins' AND v.grain = 'month'
       AND v.area_level = 'practice' AND v.area_code = a.area_code
     WHERE a.area_level = 'practice' AND a.is_current AND a.postcode IS NOT NULL
       AND (SELECT count(*) FROM area s WHERE s.parent_level = 'pcn' AND s.parent_code = a.parent_code) >= 4
     GROUP BY ALL
     ORDER BY sum(v.value) DESC, a.area_code
     LIMIT 1`,
  );
  practice = row!;
  const found = await getAreaChain(db, 'practice', practice.code);
  chain = [...found!.ancestors, found!.area];
  expect(chain.map((a) => a.level)).toEqual(['england', 'region', 'icb', 'sub_icb', 'pcn', 'practice']);
  // Signed in: the walk goes down to practices and weekly figures (visitors: e2e/sign-in.test.ts).
  harness = await startHarness(deps, { signedInAs: { role: 'viewer' } });
});

afterAll(async () => {
  await harness?.close();
  await closeDemoWarehouse();
});

async function breadcrumbs(page: Page): Promise<{ text: string; href: string }[]> {
  const links = page.locator('#breadcrumbs .nhsuk-breadcrumb__list a');
  const out: { text: string; href: string }[] = [];
  for (const link of await links.all()) {
    out.push({
      text: squash((await link.textContent()) ?? ''),
      href: (await link.getAttribute('href')) ?? '',
    });
  }
  return out;
}

async function heading(page: Page): Promise<string> {
  return squash((await page.locator('h1').textContent()) ?? '');
}

/** The rows of the children table as [name, code, logins, users, per 1,000, % registered]. */
async function childRows(page: Page): Promise<string[][]> {
  const rows = page.locator('#children tbody tr');
  const out: string[][] = [];
  for (const row of await rows.all()) {
    const name = squash((await row.locator('th a').textContent()) ?? '');
    const cells = (await row.locator('td').allTextContents()).map(squash);
    out.push([name, ...cells]);
  }
  return out;
}

const numeric = (text: string) => (text === '–' ? null : Number(text.replace(/[,%]/g, '')));

describe('Area pages and search (demo warehouse)', () => {
  it('drills down from England to a GP practice through the children tables, with breadcrumbs', async () => {
    const page = await harness.newPage();
    const problems = watchProblems(page);
    await page.goto('/');
    for (let i = 1; i < chain.length; i++) {
      const area = chain[i]!;
      await Promise.all([
        page.waitForURL((url) => url.pathname === href(area)),
        page.locator(`#children tbody a[href="${href(area)}"]`).click(),
      ]);
      expect(await heading(page)).toContain(area.name);
      expect(await breadcrumbs(page)).toEqual(
        // Sub-ICB locations by place and NHS name (areaLabel, docs/adr/0028).
        chain.slice(0, i).map((a) => ({ text: areaLabel(a), href: href(a) })),
      );
    }
    // The practice's own details.
    const details = squash((await page.locator('#area-details').textContent()) ?? '');
    expect(details).toContain(practice.code);
    expect(details).toContain(practice.postcode);
    expect(details).toMatch(/GP system supplier/);
    expect(await page.locator('#children').count()).toBe(0);
    // Back up through a breadcrumb.
    const icb = chain[2]!;
    await Promise.all([
      page.waitForURL((url) => url.pathname === href(icb)),
      page.locator('#breadcrumbs .nhsuk-breadcrumb__list').getByRole('link', { name: icb.name }).click(),
    ]);
    expect(await heading(page)).toContain(icb.name);
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it('goes straight to a practice from its ODS code (header search) and finds it by its postcode (search page)', async () => {
    const page = await harness.newPage();
    await page.goto('/');
    await page.locator('#search-field').fill(practice.code.toLowerCase());
    // An exact ODS code goes straight to the practice's page.
    await Promise.all([
      page.waitForURL((url) => url.pathname === href({ level: 'practice', code: practice.code })),
      page.locator('#search-field').press('Enter'),
    ]);
    expect(await heading(page)).toContain(practice.name);

    await page.goto('/search');
    const postcode = practice.postcode.replace(/\s+/g, '').toLowerCase();
    await page.getByLabel('Name, ODS code or postcode', { exact: true }).fill(postcode);
    await Promise.all([page.waitForURL(/\/search\?q=/), page.locator('#search-submit').click()]);
    const codes = await page
      .locator('.app-search-result')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-code')));
    expect(codes).toContain(practice.code);
    expect(squash((await page.locator('#search-results-heading').textContent()) ?? '')).toMatch(/found for/);
  });

  it('offers the corrected spelling of a misspelt place, and its results (axe)', async () => {
    const page = await harness.newPage();
    await page.goto('/search');
    await page.getByLabel('Name, ODS code or postcode', { exact: true }).fill('Middlesborough');
    await Promise.all([page.waitForURL(/\/search\?q=/), page.locator('#search-submit').click()]);
    expect(squash((await page.locator('#search-results-heading').textContent()) ?? '')).toBe(
      'No areas found for “Middlesborough”',
    );
    await expectNoAxeViolations(page);
    // Middlesbrough is a local authority of the Tees Valley sub-ICB location (16C), which lists first.
    await Promise.all([
      page.waitForURL(/\/search\?q=Middlesbrough$/),
      page.locator('.app-search-suggestion').getByRole('link', { name: 'Middlesbrough' }).click(),
    ]);
    const first = page.locator('.app-search-result').first();
    expect(await first.getAttribute('data-code')).toBe('16C');
    expect(squash((await page.locator('#search-results-heading').textContent()) ?? '')).toMatch(
      /found for “Middlesbrough”/,
    );
  });

  it('sorts the children table by a column through its heading links', async () => {
    const pcn = chain[4]!;
    const page = await harness.newPage();
    await page.goto(href(pcn));
    const byName = await childRows(page);
    expect(byName.length).toBeGreaterThanOrEqual(4);
    expect(byName.map((r) => r[0])).toEqual(
      [...byName.map((r) => r[0]!)].sort((a, b) =>
        a.localeCompare(b, 'en-GB', { sensitivity: 'base', numeric: true }),
      ),
    );
    const header = page.locator('#children th[data-column="logins"]');
    await Promise.all([page.waitForURL(/sort=logins&dir=desc/), header.locator('a').click()]);
    expect(await page.locator('#children th[data-column="logins"]').getAttribute('aria-sort')).toBe(
      'descending',
    );
    const desc = (await childRows(page)).map((r) => numeric(r[2]!)!);
    expect(desc).toEqual([...desc].sort((a, b) => b - a));
    expect(new Set((await childRows(page)).map((r) => r[1]))).toEqual(new Set(byName.map((r) => r[1])));
    await Promise.all([
      page.waitForURL(/sort=logins&dir=asc/),
      page.locator('#children th[data-column="logins"] a').click(),
    ]);
    const asc = (await childRows(page)).map((r) => numeric(r[2]!)!);
    expect(asc).toEqual([...asc].sort((a, b) => a - b));
    // The view form keeps the sort.
    await page.getByLabel('Week', { exact: true }).check();
    await Promise.all([
      page.waitForURL(/grain=week/),
      page.getByRole('button', { name: 'Update view' }).click(),
    ]);
    expect(new URL(page.url()).searchParams.get('sort')).toBe('logins');
  });

  it('has no WCAG 2.2 AA violations (axe) on area, practice, closed-area and search pages', async () => {
    const closed = await db.one<{ level: AreaLevel; code: string }>(
      "SELECT area_level AS level, area_code AS code FROM area WHERE NOT is_current AND area_level = 'icb' ORDER BY area_code LIMIT 1",
    );
    const page = await harness.newPage();
    // The ICB page with every "Show as a table" open, so that axe checks the tables too.
    await page.goto(href(chain[2]!));
    for (const summary of await page.locator('details.app-metric__table > summary').all())
      await summary.click();
    expect(await page.locator('details:not([open])').count()).toBe(0);
    await expectNoAxeViolations(page);
    for (const path of [
      `${href(chain[5]!)}?grain=week&partial=1`,
      href(closed!),
      `/search?q=${encodeURIComponent(practice.postcode)}`,
      `/search?q=${'x'.repeat(120)}`,
      // The before-and-after form in its error state.
      `${href(chain[2]!)}?since=2026-02-30`,
    ]) {
      const response = await page.goto(path);
      expect(response!.status(), path).toBeLessThan(500);
      await expectNoAxeViolations(page);
    }
  });

  it('ICB lead: did last month’s campaign move anything? Weekly figures either side of a date (axe)', async () => {
    const page = await harness.newPage();
    await page.goto(`${href(chain[2]!)}?grain=week`);
    // The demo's last complete week, less four: four weeks after the date and as many before.
    const last = await db.one<{ d: string }>(
      "SELECT strftime(max(period_start), '%Y-%m-%d') AS d FROM metric_value WHERE grain = 'week' AND metric_id = 'logins'",
    );
    const since = addDays(last!.d, -4 * 7 - 2);
    await page.fill('#since', since);
    await Promise.all([page.waitForURL(/since=/), page.click('.app-before-after-form button')]);
    await expect.poll(() => page.locator('#before-after-table').count()).toBe(1);
    const first = page.locator('#before-after-table tbody tr').first();
    expect(await first.locator('th').innerText()).toMatch(/weeks: /);
    expect(await first.locator('td').nth(0).innerText()).toMatch(/a week$/);
    // Each count set against the rest of England over the same weeks (ADR 0065), with a plain verdict.
    const rest = page.locator('#before-after-rest-table');
    expect(await rest.locator('caption').innerText()).toContain('against the rest of England');
    const verdicts = await rest.locator('tbody td[data-verdict]').allInnerTexts();
    expect(verdicts.length).toBe(await page.locator('#before-after-table tbody tr').count());
    for (const v of verdicts) expect(v).toMatch(/rest of England|Cannot be compared/);
    // The comparison as CSV from the API, for the viewer the page was drawn for: a row per compared count.
    const csvHref = (await page.locator('#before-after-csv').getAttribute('href'))!;
    expect(csvHref).toContain(`grain=week&since=${since}`);
    const download = await page.request.get(csvHref);
    expect(download.status()).toBe(200);
    const lines = (await download.text()).trim().split(/\r?\n/);
    expect(lines[0]).toContain('differenceVerdict');
    expect(lines.length - 1).toBe(verdicts.length);
    // The grain form keeps the date.
    expect(await page.locator('#view-form input[name="since"]').getAttribute('value')).toBe(since);
    await expectNoAxeViolations(page);
  });

  it('reflows at 320 CSS pixels (WCAG 1.4.10): the page never scrolls sideways, wide tables scroll on their own', async () => {
    const page = await harness.newPage();
    await page.setViewportSize({ width: 320, height: 800 });
    const last = await db.one<{ d: string }>(
      "SELECT strftime(max(period_start), '%Y-%m-%d') AS d FROM metric_value WHERE grain = 'month' AND metric_id = 'logins'",
    );
    await page.goto(`${href(chain[2]!)}?since=${addDays(last!.d, -45)}`);
    expect(await page.locator('#before-after-rest-table').count()).toBe(1);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(320);
    // The before-and-after and comparison tables are wider than that, each in a region a keyboard can scroll.
    for (const table of ['#before-after-table', '#before-after-rest-table', 'table[data-compare]']) {
      const region = page.locator(`.nhsuk-scroll__content:has(${table})`).first();
      expect(await region.getAttribute('tabindex'), table).toBe('0');
      expect(await region.getAttribute('role'), table).toBe('region');
    }
    await expectNoAxeViolations(page);
    // The other pages with wide tables or code: the official statistics, About (periods and builds), the API
    // documentation (parameters, answers, examples), and the pages of every kind of table.
    for (const url of [
      '/official',
      '/official/demographics',
      '/about',
      '/api/docs',
      '/dictionary',
      '/data',
      '/map',
      '/rank',
      '/',
    ]) {
      await page.goto(url);
      expect(await page.evaluate<number>('document.documentElement.scrollWidth'), url).toBeLessThanOrEqual(
        320,
      );
    }
    await expectNoAxeViolations(page);
  });

  it('prints the figures, not the controls: every chart’s table opened, no addresses after the site’s own links', async () => {
    const page = await harness.newPage();
    await page.goto(href(chain[1]!));
    const closed = await page.locator('details:not([open])').count();
    expect(closed).toBeGreaterThan(0);
    await page.evaluate("window.dispatchEvent(new Event('beforeprint'))");
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('details:not([open])').count()).toBe(0);
    expect(await page.locator('#view-form').isVisible()).toBe(false);
    expect(await page.locator('.nhsuk-header__search').isVisible()).toBe(false);
    // nhsuk-frontend writes "(Link: …)" after links on paper; not after a link within the site.
    const after = (selector: string) =>
      page.evaluate<string>(
        `getComputedStyle(document.querySelector(${JSON.stringify(selector)}), '::after').content`,
      );
    expect(await after('main a[href^="/dictionary/"]')).toBe('none');
    expect(await after('a[href^="https://www.nationalarchives.gov.uk"]')).toContain('Link: ');
    await page.evaluate("window.dispatchEvent(new Event('afterprint'))");
    expect(await page.locator('details:not([open])').count()).toBe(closed);
    // Without JavaScript the tables stay closed, and print all the same (::details-content).
    const noJs = await harness.newPage({ javaScriptEnabled: false });
    await noJs.goto(href(chain[1]!));
    const table = noJs.locator('details.app-metric__table table').first();
    expect(await table.isVisible()).toBe(false);
    await noJs.emulateMedia({ media: 'print' });
    expect(await table.isVisible()).toBe(true);
    expect(await noJs.locator('details[open]').count()).toBe(0);
  });

  it('practice manager: against its PCN, its ICB and England, with the verdict against the ICB on request', async () => {
    const page = await harness.newPage();
    await page.goto(href(chain[5]!));
    const icb = chain[2]!;
    // Every comparison table names the ICB between the PCN and England.
    const names = await page.locator('table[data-compare] tbody tr th').allInnerTexts();
    expect(names.some((n) => n.includes(areaLabel(icb)))).toBe(true);
    // The "Compare with" choice offers the ICB; choosing it gives every verdict against the ICB (no JavaScript needed).
    await page.check(`input[name="compare"][value="icb"]`);
    await Promise.all([
      page.waitForURL(/compare=icb/),
      page.getByRole('button', { name: 'Update view' }).click(),
    ]);
    const note = await page.locator('.app-compare__note').innerText();
    expect(note).toContain(`${areaLabel(icb)}’s value`);
    const details = await page.locator('.app-metric__verdict').allInnerTexts();
    expect(details.length).toBeGreaterThan(0);
    for (const d of details) expect(d).toContain(areaLabel(icb));
    await expectNoAxeViolations(page);
  });

  it('ICB lead: from the ICB page to its practices, lowest uptake first, and their CSV (rankings, axe)', async () => {
    const page = await harness.newPage();
    const problems = watchProblems(page);
    await page.goto(href(chain[2]!));
    // Click 1: the ranking link on the ICB page.
    await page.getByRole('link', { name: 'Practices in this ICB, lowest uptake first' }).click();
    await page.waitForURL(/\/rank\?/);
    const rows = page.locator('#ranking-table tbody tr');
    expect(await rows.count()).toBeGreaterThan(5);
    const values = (await page.locator('#ranking-table tbody td[data-value]').allTextContents())
      .map(squash)
      .filter((t) => t !== 'No data')
      .map((t) => Number(t.replace(/[%,]/g, '')));
    expect(values.length).toBeGreaterThan(5);
    expect(values).toEqual([...values].sort((a, b) => a - b));
    // The table is in the ICB's practices only, and the note counts those left out.
    const codes = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-code')));
    const inIcb = await db.all<{ code: string }>(
      `SELECT area_code AS code FROM area_ancestry
       WHERE structure = 'current' AND area_level = 'practice' AND ancestor_level = 'icb' AND ancestor_code = $1`,
      [chain[2]!.code],
    );
    const allowed = new Set(inIcb.map((r) => r.code));
    expect(codes.every((c) => allowed.has(c!))).toBe(true);
    await expectNoAxeViolations(page);
    // Click 2: the CSV of the same ranking.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('#ranking-csv').click(),
    ]);
    const text = await new Promise<string>((resolve, reject) => {
      void download.createReadStream().then((stream) => {
        let out = '';
        stream.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
        stream.on('end', () => resolve(out));
        stream.on('error', reject);
      }, reject);
    });
    const lines = text.trim().split(/\r\n/);
    expect(lines[0]).toMatch(
      /^area_code,area_name,area_place_name,area_level,area_ons_code,metric,periodStart,rank,/,
    );
    // Every ranked practice: the table's rows, or on a long ranking the total its pages give.
    const pages = page.locator('#ranking-pages');
    const total = (await pages.count())
      ? Number(/of ([\d,]+) /.exec((await pages.textContent())!)![1]!.replace(/,/g, ''))
      : await rows.count();
    expect(lines).toHaveLength(total + 1);
    // The practice page's context, with its rank in the ICB, passes axe too.
    await page.goto(href(chain[5]!));
    expect(await page.locator('#practice-context').textContent()).toContain('Patients aged 13+');
    await expectNoAxeViolations(page);
    expect(problems).toEqual([]);
  });

  it('works without JavaScript: every figure of an area page is in a table', async () => {
    const sub = chain[3]!;
    const expected = (await deps.queries.areaPage({
      level: sub.level,
      code: sub.code,
      grain: 'month',
      includePartial: false,
    })) as AreaPage;
    const page = await harness.newPage({ javaScriptEnabled: false });
    await page.goto(href(sub));
    expect(await page.locator('body').getAttribute('class')).toBeNull();
    const tables = await tablesOnPage(page);
    const shown = defaultRangeFilter('month', expected.series);
    for (const tile of expected.tiles) {
      const points = expected.series[tile.metricId]!.filter((p) => shown(p.periodStart));
      // The default range is the last 12 months (the demo has two years).
      expect(points.length, tile.metricId).toBeLessThanOrEqual(12);
      const id = `chart-${tile.metricId}`;
      // Period, value and complete flag (area pages add the band of peer areas between the last two).
      expect(
        tables.get(id)?.map((r) => [r[0], r[1], r[r.length - 1]]),
        id,
      ).toEqual(
        points.map((p) => [
          formatPeriod('month', p.periodStart) + (p.complete ? '' : ' (partial)'),
          formatValue(p.value, tile.unit),
          p.complete ? 'Yes' : 'No (partial)',
        ]),
      );
      // The tile's own figure is the latest row of its table; its comparison is a table too.
      if (tile.latest) expect(tables.get(id)!.at(-1)![1]).toBe(formatValue(tile.latest.value, tile.unit));
      if (tile.comparison) {
        const rows = page.locator(`table[data-compare="${tile.metricId}"] tbody tr`);
        const cells: string[][] = [];
        for (const row of await rows.all())
          cells.push((await row.locator('th, td').allTextContents()).map(squash));
        // Coverage is a column only when some figure's is below 100%.
        const partly = tile.comparison.figures.some(
          (f) => f.value !== null && f.coverage !== null && formatCoverage(f.coverage) !== '100%',
        );
        expect(cells, tile.metricId).toEqual(
          tile.comparison.figures.map((f) => [
            areaLabel(f.area),
            f.value === null ? 'Not available' : formatValue(f.value, tile.comparison!.unit),
            formatInterval(f.lowerCi95, f.upperCi95, tile.comparison!.unit) ?? '–',
            ...(partly ? [f.value === null ? '–' : formatCoverage(f.coverage)] : []),
          ]),
        );
      }
    }
    const children = sortChildren(expected.children!.rows, { key: 'name', dir: 'asc' });
    expect(await childRows(page)).toEqual(
      children.map((r) => [
        r.name,
        r.code,
        formatNumber(r.logins),
        formatNumber(r.users),
        r.usersPer1000 === null ? '–' : formatValue(r.usersPer1000, 'per_1000'),
        r.registeredPct === null ? '–' : formatValue(r.registeredPct, 'percent'),
      ]),
    );
    // Sorting works without JavaScript too.
    await Promise.all([
      page.waitForURL(/sort=rate/),
      page.locator('#children th[data-column="rate"] a').click(),
    ]);
    expect(await page.locator('#children th[data-column="rate"]').getAttribute('aria-sort')).toBe(
      'descending',
    );
  });

  it('partner services, organ donation and supplier pages (issue 14.4): reached without JavaScript, in tables, axe-clean', async () => {
    const icb = chain[2]!;
    const page = await harness.newPage({ javaScriptEnabled: false });
    await page.goto(href(icb));
    // From the area page's "More for this area" links, without JavaScript.
    await Promise.all([
      page.waitForURL(/\/partners$/),
      page.locator('#more-for-area a', { hasText: 'Partner services' }).click(),
    ]);
    // Jump-offs by provider from events: the table's total is the events' count over the months shown.
    const months = await page.locator('#partners-events-trend tbody th').allTextContents();
    expect(months.length).toBeGreaterThan(1);
    const providers = await page.locator('#partners-events-providers tbody tr').all();
    expect(providers.length).toBeGreaterThan(1);
    const first = (await providers[0]!.locator('th, td').allTextContents()).map(squash);
    const days = await db.one<{ first: string; last: string }>(
      'SELECT CAST(min(day) AS VARCHAR) AS first, CAST(max(day) AS VARCHAR) AS last FROM data_day',
    );
    // Complete months of the loaded range, today's structure.
    const direct = await db.scalar<number>(
      `SELECT count(*) FROM activity_event e
       JOIN area_ancestry pa ON pa.structure = 'current' AND pa.area_level = 'practice'
        AND pa.area_code = e.practice_code AND pa.ancestor_level = 'icb'
       WHERE e.event_type = 'jump_off' AND e.provider = $1 AND pa.ancestor_code = $2
         AND date_trunc('month', e.event_date) >= CAST($3 AS DATE)
         AND last_day(e.event_date) <= CAST($4 AS DATE)`,
      [first[0]!, icb.code, days!.first, days!.last],
    );
    expect(first[1]).toBe(formatNumber(Number(direct)));
    // Its change: the last 3 complete months against the same months a year earlier, counted from the events.
    const clicks = async (from: string, to: string) =>
      Number(
        await db.scalar<number>(
          `SELECT count(*) FROM activity_event e
           JOIN area_ancestry pa ON pa.structure = 'current' AND pa.area_level = 'practice'
            AND pa.area_code = e.practice_code AND pa.ancestor_level = 'icb'
           WHERE e.event_type = 'jump_off' AND e.provider = $1 AND pa.ancestor_code = $2
             AND e.event_date BETWEEN CAST($3 AS DATE) AND CAST($4 AS DATE)`,
          [first[0]!, icb.code, from, to],
        ),
      );
    const end = addDays(periodStart('month', addDays(days!.last, 1)), -1);
    const start = addMonths(periodStart('month', end), -2);
    const recent = await clicks(start, end);
    const yearEarlier = await clicks(addMonths(start, -12), addDays(addMonths(addDays(end, 1), -12), -1));
    const pct = ((recent - yearEarlier) / yearEarlier) * 100;
    expect(first[3]).toBe(`${pct > 0 ? '+' : '−'}${Math.abs(pct).toFixed(1)}%`);
    // The demo loads no partners feed: no data, not zero.
    expect(squash((await page.locator('#partners-feed-summary').textContent()) ?? '')).toMatch(/no data/);
    for (const path of ['organ-donation', 'suppliers']) {
      await page.goto(`${href(icb)}/${path}?grain=week`);
      expect(await page.locator('table tbody tr').count(), path).toBeGreaterThan(3);
    }
    const js = await harness.newPage();
    for (const path of ['partners', 'organ-donation', 'suppliers']) {
      const response = await js.goto(`${href(icb)}/${path}`);
      expect(response!.status(), path).toBe(200);
      await expectNoAxeViolations(js);
    }
  });

  it('compact practice page by week: at most 300 KB, headline figures above the fold, axe-clean (issue 14.2)', async () => {
    const path = `${href(chain[5]!)}?grain=week`;
    // The HTML as served, before compression.
    const res = await fetch(`${harness.baseUrl}${path}`, { headers: { cookie: harness.cookie ?? '' } });
    expect(res.status).toBe(200);
    const bytes = Buffer.byteLength(await res.text());
    expect(bytes).toBeLessThanOrEqual(300 * 1024);
    // The first headline figure is on screen without scrolling, on a laptop and on a phone.
    for (const viewport of [
      { width: 1280, height: 900 },
      { width: 390, height: 844 },
    ]) {
      const page = await harness.newPage({ viewport });
      await page.goto(path);
      const value = page.locator('.app-tile__value').first();
      expect(squash((await value.textContent()) ?? '')).toMatch(/\d/);
      const box = (await value.boundingBox())!;
      expect(box.y + box.height, `${viewport.width}×${viewport.height}`).toBeLessThanOrEqual(viewport.height);
      // Every tile links to its metric in the dictionary.
      const tiles = await page.locator('.app-tile').count();
      expect(await page.locator('.app-tile a[href^="/dictionary/"]').count()).toBe(tiles);
      if (viewport.width === 1280) {
        // A count's tile names the rate its verdict and rank are on.
        const basis = squash((await page.locator('#tile-logins .app-tile__basis').textContent()) ?? '');
        expect(basis).toMatch(/^\d[\d,]*\.\d per 1,000 patients 13\+$/);
        // The range chosen through the form is kept, and the 4-week average added.
        await page.getByLabel('Last 13 weeks').check();
        await page.getByLabel('Add a 4-week rolling average').check();
        await Promise.all([
          page.waitForURL(/range=13w/),
          page.getByRole('button', { name: 'Update view' }).click(),
        ]);
        const url = new URL(page.url());
        expect(url.searchParams.get('grain')).toBe('week');
        expect(url.searchParams.get('avg')).toBe('4w');
        const rows = (await tablesOnPage(page)).get('chart-logins')!;
        expect(rows).toHaveLength(13);
        await expectNoAxeViolations(page);
      }
    }
  });

  it('answers 404 for an unknown area and 400 for a bad level, on NHS-styled pages', async () => {
    const page = await harness.newPage();
    expect((await page.goto('/areas/practice/ZZZ999'))!.status()).toBe(404);
    expect(await page.locator('h1').textContent()).toMatch(/Page not found/);
    expect((await page.goto('/areas/country/QE1'))!.status()).toBe(400);
    expect((await page.goto(`/areas/england/${ENGLAND_CODE}?grain=week`))!.url()).toMatch(/\/\?grain=week$/);
  });

  it('gives each practice of a PCN logins equal to a direct count of its events', async () => {
    const pcn = chain[4]!;
    const children = await deps.queries.areaChildren({ level: pcn.level, code: pcn.code, grain: 'month' });
    expect(children!.rows.length).toBeGreaterThanOrEqual(4);
    for (const row of children!.rows) {
      const direct = await db.scalar<number>(
        `SELECT count(*) FROM activity_event WHERE event_type = 'login' AND practice_code = $1
           AND strftime(timezone('Europe/London', event_time), '%Y-%m') = $2`,
        [row.code, children!.periodStart!.slice(0, 7)],
      );
      expect(row.logins, row.code).toBe(direct);
    }
    expect(children!.rows.reduce((sum, r) => sum + r.logins, 0)).toBeGreaterThan(0);
  });
});
