/**
 * GET /areas/:level/:code/chart.svg: a chart of a page as a file of its own, drawn exactly as the page draws it
 * for the same viewer and settings, and refused where the page's figures are.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAppPair, testWarehouseDeps, type AppPair } from '../../../../test/support/test-apps.ts';
import { buildTestWarehouse, type TestWarehouse } from '../../../../test/support/api-warehouse.ts';

let tw: TestWarehouse;
let apps: AppPair;

beforeAll(async () => {
  tw = await buildTestWarehouse();
  apps = await buildAppPair(testWarehouseDeps(tw));
}, 120_000);

afterAll(async () => {
  await apps?.close();
  tw?.close();
});

const unescape = (s: string) =>
  s
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"');

/** A chart's wide SVG as the page's HTML holds it, and its SVG download link. */
function chartOnPage(html: string, id: string): { svg: string; href: string } {
  const section = html.slice(html.indexOf(`id="metric-${id}"`));
  const start = section.indexOf('<svg');
  const svg = section.slice(start, section.indexOf('</svg>', start) + '</svg>'.length);
  const link = /<a class="nhsuk-link app-download-link" href="([^"]*chart\.svg[^"]*)"/.exec(section)![1]!;
  return { svg, href: unescape(link) };
}

describe('GET /areas/:level/:code/chart.svg', () => {
  for (const [label, page] of [
    ['an ICB by month, the default view', '/areas/icb/QA9'],
    [
      'an ICB by week over 26 weeks with the 4-week average, against its region',
      '/areas/icb/QA9?grain=week&range=26w&avg=4w&compare=parent',
    ],
    ['a practice by month over 24 months', '/areas/practice/P00001?range=24m'],
    ['England (the National summary)', '/?range=24m'],
  ] as const) {
    it(`gives the chart of the page, as drawn there: ${label}`, async () => {
      const html = await apps.user.inject(page);
      expect(html.statusCode).toBe(200);
      const { svg, href } = chartOnPage(html.body, 'chart-logins');
      expect(href).toMatch(/\/chart\.svg\?/);
      expect(href).toContain('metric=logins');
      const res = await apps.user.inject(href);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('image/svg+xml; charset=utf-8');
      const level = page === '/?range=24m' ? 'england' : page.split('/')[2]!;
      const code = page === '/?range=24m' ? 'e92000001' : page.split('/')[3]!.split('?')[0]!.toLowerCase();
      const grain = page.includes('grain=week') ? 'week' : 'month';
      expect(res.headers['content-disposition']).toBe(
        // Demo figures: every download's name says so (src/http/demo-downloads.ts).
        `attachment; filename="synthetic-demo_nhs-app-${level}-${code}-logins-${grain}.svg"`,
      );
      // The page's chart, byte for byte, inside the file (moved down by its x and y only).
      expect(res.body.replace(/<svg x="0" y="[\d.]+"/, '<svg')).toContain(svg);
      expect(res.body).toContain('Synthetic demo data: not real NHS App figures.');
    });
  }

  it('differs when the page’s settings differ: the range is part of what is drawn', async () => {
    const a = await apps.user.inject('/areas/icb/QA9/chart.svg?metric=logins&range=12m');
    const b = await apps.user.inject('/areas/icb/QA9/chart.svg?metric=logins&range=24m');
    expect(a.statusCode).toBe(200);
    expect(b.statusCode).toBe(200);
    expect(a.body).not.toBe(b.body);
  });

  it('refuses what the page refuses, unknown metrics and areas, and bad settings', async () => {
    // Visitors: weekly figures, practices and metrics outside open data need sign-in.
    for (const url of [
      '/areas/icb/QA9/chart.svg?metric=logins&grain=week',
      '/areas/practice/P00001/chart.svg?metric=logins',
      '/areas/icb/QA9/chart.svg?metric=appointments_booked',
    ]) {
      const res = await apps.anon.inject(url);
      expect([302, 303, 401]).toContain(res.statusCode);
      expect(res.body).not.toContain('<svg');
    }
    expect((await apps.anon.inject('/areas/icb/QA9/chart.svg?metric=logins')).statusCode).toBe(200);
    expect((await apps.user.inject('/areas/icb/QA9/chart.svg?metric=no_such_metric')).statusCode).toBe(404);
    expect((await apps.user.inject('/areas/icb/QZZ/chart.svg?metric=logins')).statusCode).toBe(404);
    expect((await apps.user.inject('/areas/icb/QA9/chart.svg')).statusCode).toBe(400);
    expect((await apps.user.inject('/areas/icb/QA9/chart.svg?metric=logins&range=99y')).statusCode).toBe(400);
  });
});
