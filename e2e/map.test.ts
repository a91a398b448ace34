/**
 * The Map page in a browser, over a real demo warehouse (every ICB and sub-ICB location of England): the SVG
 * draws one link per area, clicking an area opens its page, the table and the CSV agree with each other and
 * with the query layer, no accessibility violations (axe), and with JavaScript off the table still shows
 * every figure.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { roundFigure } from '../src/domain/rounding.ts';
import { parse } from 'csv-parse/sync';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { areaLabel } from '../src/domain/areas.ts';
import type { AppDeps } from '../src/http/deps.ts';
import { loadCatalogue } from '../src/metrics/catalogue.ts';
import { roundTo } from '../src/domain/rounding.ts';
import { BUNDLED_REFERENCE_DIR } from '../src/ingest/reference/bundled.ts';
import { getMapValues, mapPeriods } from '../src/query/map-values.ts';
import { getDataStatus } from '../src/query/status.ts';
import type { Warehouse } from '../src/warehouse/db.ts';
import { formatValue } from '../src/web/format.ts';
import { startHarness, type Harness } from './browser.ts';
import { closeDemoWarehouse, demoDeps, demoWarehouse } from './demo-warehouse.ts';
import { expectNoAxeViolations, squash, watchProblems } from './national-summary.suite.ts';

let harness: Harness;
let deps: AppDeps;
let db: Warehouse;

beforeAll(async () => {
  deps = await demoDeps();
  db = await demoWarehouse();
  harness = await startHarness(deps, { signedInAs: { role: 'viewer' } });
});

afterAll(async () => {
  await harness?.close();
  await closeDemoWarehouse();
});

/** The table's rows as [code, name, value, rank, shade] texts. */
async function tableRows(page: Page): Promise<string[][]> {
  const rows = page.locator('table[data-map-table] tbody tr');
  const out: string[][] = [];
  for (const row of await rows.all()) {
    const code = (await row.getAttribute('data-code')) ?? '';
    const name = squash((await row.locator('th').textContent()) ?? '');
    const cells = (await row.locator('td').allTextContents()).map(squash);
    out.push([code, name, cells[1]!, cells[2]!, cells[3]!]);
  }
  return out;
}

/** The bits of the SVG DOM used below (the project's TypeScript has no DOM library). */
interface SvgPoint {
  x: number;
  y: number;
  matrixTransform(matrix: unknown): SvgPoint;
}
interface SvgPath {
  getBBox(): { x: number; y: number; width: number; height: number };
  getScreenCTM(): unknown;
  isPointInFill(point: SvgPoint): boolean;
  ownerSVGElement: { createSVGPoint(): SvgPoint };
  ownerDocument: { elementFromPoint(x: number, y: number): { closest(selector: string): unknown } | null };
  closest(selector: string): unknown;
}

/** A point inside an area's shape, not covered by another shape, in page coordinates. */
async function pointInside(page: Page, code: string): Promise<{ x: number; y: number }> {
  const path = page.locator(`svg[data-map] a[data-code="${code}"] path`);
  // elementFromPoint only sees the viewport.
  await path.scrollIntoViewIfNeeded();
  const point = await path.evaluate((element) => {
    const el = element as unknown as SvgPath;
    const link = el.closest('a');
    const box = el.getBBox();
    const ctm = el.getScreenCTM();
    for (let i = 1; i < 20; i++) {
      for (let j = 1; j < 20; j++) {
        const p = el.ownerSVGElement.createSVGPoint();
        p.x = box.x + (box.width * i) / 20;
        p.y = box.y + (box.height * j) / 20;
        if (!el.isPointInFill(p)) continue;
        const s = p.matrixTransform(ctm);
        if (el.ownerDocument.elementFromPoint(s.x, s.y)?.closest('a') === link) return { x: s.x, y: s.y };
      }
    }
    return null;
  });
  if (!point) throw new Error(`no clickable point inside ${code}`);
  return point;
}

/** Straight from the bundled August 2026 practice map (today's structure): the areas of a level in a region. */
function areasInRegion(level: 'icb' | 'sub_icb', region: string): string[] {
  const file = path.join(BUNDLED_REFERENCE_DIR, 'gp-reg-pat-prac-map_2026-08.csv.gz');
  const records = parse(zlib.gunzipSync(fs.readFileSync(file)), { columns: true }) as Record<
    string,
    string
  >[];
  const column = level === 'icb' ? 'ICB_CODE' : 'SUB_ICB_LOCATION_CODE';
  return [...new Set(records.filter((r) => r.COMM_REGION_CODE === region).map((r) => r[column]!))].sort();
}

async function mapCodes(page: Page, selector = 'svg[data-map] a'): Promise<string[]> {
  const codes = await page.locator(selector).evaluateAll((as) => as.map((a) => a.getAttribute('data-code')!));
  return codes.sort();
}

describe('Map page (demo warehouse)', () => {
  it('draws every ICB as a link to its page, with a legend, and the table lists the same areas', async () => {
    const page = await harness.newPage();
    const problems = watchProblems(page);
    await page.goto('/map?level=icb');
    const links = page.locator('svg[data-map] a');
    const codes = await links.evaluateAll((as) => as.map((a) => a.getAttribute('data-code')!));
    const rows = await tableRows(page);
    expect(rows.length).toBe(36);
    const onMap = rows.filter((r) => !r[4]!.includes('not on the map')).map((r) => r[0]);
    expect([...codes].sort()).toEqual([...onMap].sort());
    expect(codes.length).toBe(36); // every current ICB has an April 2026 boundary
    // Each area link has an accessible name with its name and value, and a tooltip.
    const first = rows.find((r) => r[2] !== 'No data')!;
    const link = page.locator(`svg[data-map] a[data-code="${first[0]}"]`);
    expect(await link.getAttribute('aria-label')).toBe(
      `${first[1]}: ${first[2]} per 1,000 patients aged 13+`,
    );
    expect(await link.locator('title').textContent()).toBe(
      `${first[1]}: ${first[2]} per 1,000 patients aged 13+`,
    );
    expect(await page.locator('#map-legend li').count()).toBeGreaterThanOrEqual(3);
    expect(await page.locator('#map-summary').textContent()).toMatch(
      /^In \w+ \d{4}, .* the highest users logging in/,
    );
    const box = await page.locator('svg[data-map]').boundingBox();
    expect(box!.width).toBeGreaterThan(300);
    expect(box!.height).toBeGreaterThan(300);
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it('clicking an area opens its page; so does Enter on a focused area', async () => {
    const page = await harness.newPage();
    await page.goto('/map?level=icb&metric=logins');
    const rows = await tableRows(page);
    const target = rows[0]!; // the highest
    const { x, y } = await pointInside(page, target[0]!);
    await Promise.all([
      page.waitForURL((u) => u.pathname === `/areas/icb/${target[0]}`),
      page.mouse.click(x, y),
    ]);
    expect(squash((await page.locator('h1').textContent()) ?? '')).toContain(target[1]);

    await page.goto('/map?level=sub_icb&metric=logins&grain=week');
    const sub = (await tableRows(page)).find((r) => !r[4]!.includes('not on the map'))!;
    await page.locator(`svg[data-map] a[data-code="${sub[0]}"]`).focus();
    await Promise.all([
      page.waitForURL(
        (u) => u.pathname === `/areas/sub_icb/${sub[0]}` && u.searchParams.get('grain') === 'week',
      ),
      page.keyboard.press('Enter'),
    ]);
    expect(squash((await page.locator('h1').textContent()) ?? '')).toContain(sub[1]);
  });

  it('the CSV download holds exactly the table’s figures, and both equal the query layer', async () => {
    const page = await harness.newPage();
    await page.goto('/map?level=sub_icb&metric=unique_logins_per_1000&sort=name&dir=asc');
    const rows = await tableRows(page);
    const href = await page.locator('#map-csv').getAttribute('href');
    const res = await page.request.get(href!);
    expect(res.status()).toBe(200);
    const records = parse(await res.text(), { columns: true }) as Record<string, string>[];
    expect(records.map((r) => r.area_code)).toEqual(rows.map((r) => r[0]));
    records.forEach((r, i) => {
      // The table names sub-ICB locations by place and NHS name (docs/adr/0028); the CSV has both apart.
      expect(r.area_place_name).not.toBe('');
      expect(`${r.area_place_name} — ${r.area_name}`).toBe(rows[i]![1]);
      expect(r.value === '' ? 'No data' : formatValue(Number(r.value), 'per_1000')).toBe(rows[i]![2]);
      expect(r.rank === '' ? '–' : r.rank).toBe(rows[i]![3]);
    });
    // Against the query layer (its figures are checked against raw events in src/query/map-values.test.ts).
    const catalogue = loadCatalogue();
    const metric = catalogue.find((m) => m.id === 'unique_logins_per_1000')!;
    const status = await getDataStatus(db);
    const periods = mapPeriods(metric, catalogue, 'month', status);
    const values = await getMapValues(db, catalogue, status, {
      metric,
      level: 'sub_icb',
      grain: 'month',
      periodStart: periods[periods.length - 1]!,
    });
    const byCode = new Map(values.rows.map((v) => [v.code, v.value]));
    expect(records.length).toBe(values.rows.length);
    for (const r of records) {
      // The CSV is rounded at the edge (docs/adr/0022): a rate per 1,000 to 1 decimal.
      const v = byCode.get(r.area_code!);
      expect(r.value === '' ? null : Number(r.value)).toBe(roundFigure(v ?? null, 'per_1000'));
    }
  });

  it('has no accessibility violations (ICBs and sub-ICB locations, both shadings)', async () => {
    const page = await harness.newPage();
    for (const url of [
      '/map',
      '/map?level=sub_icb&metric=logins&grain=week&classes=equal',
      '/map?level=region',
    ]) {
      await page.goto(url);
      await expectNoAxeViolations(page);
    }
  });

  it('zoomed to a region, the map draws exactly its areas (every one, U2G6B too) and passes axe', async () => {
    const page = await harness.newPage();
    for (const [level, region] of [
      ['icb', 'Y56'],
      ['sub_icb', 'Y59'],
    ] as const) {
      await page.goto(`/map?level=${level}&region=${region}`);
      const expected = areasInRegion(level, region);
      expect(expected.length).toBeGreaterThan(3);
      expect(await mapCodes(page)).toEqual(expected);
      expect((await tableRows(page)).map((r) => r[0]).sort()).toEqual(expected);
      expect(await page.locator('svg[data-map-inset]').count()).toBe(0);
      await expectNoAxeViolations(page);
    }
    // U2G6B (new in April 2026) is drawn, with the shape of the sub-ICB location its practices came from.
    expect(await page.locator('svg[data-map] a[data-code="U2G6B"]').getAttribute('aria-label')).toMatch(
      /^East Berkshire — NHS Thames Valley ICB - U2G6B: .* \(approximate boundary\)$/,
    );
    expect(await page.locator('#map-approximate').textContent()).toContain('D4U1Y');
    // Zoomed in, the areas are big enough to select: each at least 20 px across.
    const box = await page.locator('svg[data-map] a[data-code="U2G6B"] path').boundingBox();
    expect(Math.max(box!.width, box!.height)).toBeGreaterThan(20);
  });

  it('the England map has insets for London and Greater Manchester, out of the tab order, and England’s figure in the key', async () => {
    const page = await harness.newPage();
    await page.goto('/map?level=sub_icb&metric=unique_logins_per_1000');
    expect(await mapCodes(page)).toHaveLength(106); // every sub-ICB location of today is drawn
    expect(await page.locator('.app-map-unmatched').count()).toBe(0); // and no former area is left blank
    const london = await mapCodes(page, 'svg[data-map-inset="map-inset-london"] a');
    for (const code of areasInRegion('sub_icb', 'Y56')) expect(london).toContain(code);
    expect(await mapCodes(page, 'svg[data-map-inset="map-inset-manchester"] a')).toContain('14L');
    expect(
      await page
        .locator('svg[data-map-inset] a')
        .evaluateAll((as) => as.every((a) => a.getAttribute('tabindex') === '-1')),
    ).toBe(true);
    expect(await page.locator('svg[data-map-inset]').first().getAttribute('aria-hidden')).toBe('true');
    // England's rate, from the parts: the sum of the sub-ICB locations' numerators over their denominators.
    const catalogue = loadCatalogue();
    const metric = catalogue.find((m) => m.id === 'unique_logins_per_1000')!;
    const status = await getDataStatus(db);
    const periods = mapPeriods(metric, catalogue, 'month', status);
    const values = await getMapValues(db, catalogue, status, {
      metric,
      level: 'sub_icb',
      grain: 'month',
      periodStart: periods[periods.length - 1]!,
    });
    const num = values.rows.reduce((a, r) => a + (r.numerator ?? 0), 0);
    const den = values.rows.reduce((a, r) => a + (r.denominator ?? 0), 0);
    expect(squash((await page.locator('#map-england').textContent()) ?? '')).toBe(
      `England: ${formatValue(roundTo((num / den) * 1000, 1), 'per_1000')} per 1,000 patients aged 13+`,
    );
    expect(await page.locator('#map-dictionary').getAttribute('href')).toBe(
      '/dictionary/unique_logins_per_1000',
    );
    // The inset's zoom link is a real link to the region's map.
    await Promise.all([
      page.waitForURL((u) => u.searchParams.get('region') === 'Y56'),
      page.locator('#map-inset-london a.nhsuk-link').click(),
    ]);
    expect(await mapCodes(page)).toEqual(areasInRegion('sub_icb', 'Y56'));
  });

  it('without JavaScript the page and its table still show every figure', async () => {
    const page = await harness.newPage({ javaScriptEnabled: false });
    await page.goto('/map?level=sub_icb&metric=logins');
    const rows = await tableRows(page);
    const status = await getDataStatus(db);
    const catalogue = loadCatalogue();
    const metric = catalogue.find((m) => m.id === 'logins')!;
    const periods = mapPeriods(metric, catalogue, 'month', status);
    const values = await getMapValues(db, catalogue, status, {
      metric,
      level: 'sub_icb',
      grain: 'month',
      periodStart: periods[periods.length - 1]!,
    });
    expect(rows.length).toBe(values.rows.length);
    expect(rows.length).toBeGreaterThan(100);
    const byCode = new Map(values.rows.map((v) => [v.code, v]));
    for (const [code, name, valueText] of rows) {
      expect(name).toBe(areaLabel(byCode.get(code!)!));
      expect(valueText).toBe(formatValue(byCode.get(code!)!.value!, 'events'));
    }
    expect(await page.locator('svg[data-map] a').count()).toBeGreaterThan(100);
    // The filter form works without JavaScript: switch to regions.
    await page.selectOption('#map-level', 'region');
    await Promise.all([
      page.waitForURL((u) => u.searchParams.get('level') === 'region'),
      page.click('#map-update'),
    ]);
    expect(await page.locator('svg[data-map] a').count()).toBe(7);
  });

  it('without JavaScript the form zooms to a region, and a link goes back to England', async () => {
    const page = await harness.newPage({ javaScriptEnabled: false });
    await page.goto('/map?level=icb');
    await page.selectOption('#map-region', 'Y62');
    await Promise.all([
      page.waitForURL((u) => u.searchParams.get('region') === 'Y62' && u.searchParams.get('level') === 'icb'),
      page.click('#map-update'),
    ]);
    expect(await mapCodes(page)).toEqual(areasInRegion('icb', 'Y62'));
    expect((await tableRows(page)).map((r) => r[0]).sort()).toEqual(areasInRegion('icb', 'Y62'));
    await Promise.all([page.waitForURL((u) => !u.searchParams.has('region')), page.click('#map-zoom-out')]);
    expect(await page.locator('svg[data-map] a').count()).toBe(36);
  });
});
