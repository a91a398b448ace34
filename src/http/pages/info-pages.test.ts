/**
 * The data dictionary, About, data table and chart CSV routes over a small real warehouse: content, bad
 * parameters (400), unknown metrics and areas (404), anonymous viewers (open data only, 401 otherwise) and
 * signed-in viewers; the CSVs parsed and compared with the pages and with direct SQL.
 */
import { MAX_SIDE_PERIODS } from '../../domain/before-after.ts';
import { Z_95 } from '../../domain/statistics.ts';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WarehouseQueries } from '../../app/warehouse-queries.ts';
import { loadConfig } from '../../config.ts';
import type { Viewer } from '../../domain/access.ts';
import {
  buildSmallWarehouse,
  FIXTURE_CLOCK,
  type SmallWarehouse,
} from '../../../test/support/small-warehouse.ts';
import { discloseCount } from '../../domain/disclosure.ts';
import { formatPeriod, formatValue } from '../../web/format.ts';
import { buildAppAs } from '../../../test/support/signed-in.ts';

const SIGNED_IN: Viewer = { signedIn: true, role: 'viewer', userId: 't1', via: 'session' };

let w: SmallWarehouse;
let anonymous: FastifyInstance;
let signedIn: FastifyInstance;

async function makeApp(signedInAs?: Viewer, env: Record<string, string> = {}) {
  return buildAppAs(
    {
      db: w.db,
      config: loadConfig(env),
      clock: FIXTURE_CLOCK,
      queries: new WarehouseQueries(w.db, w.catalogue),
      catalogue: w.catalogue,
    },
    signedInAs,
  );
}

beforeAll(async () => {
  w = await buildSmallWarehouse();
  anonymous = await makeApp();
  signedIn = await makeApp(SIGNED_IN);
});

afterAll(async () => {
  await anonymous?.close();
  await signedIn?.close();
  w?.close();
});

function text(html: string): string {
  return html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/\s+/g, ' ');
}

/** Body rows of the table whose opening tag contains `marker`, as cell texts. */
function tableRows(html: string, marker: string): string[][] {
  const start = html.indexOf(marker);
  expect(start, `table ${marker}`).toBeGreaterThan(-1);
  const body = html.slice(html.indexOf('<tbody', start), html.indexOf('</tbody>', start));
  return [...body.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].map((m) =>
    [...m[1]!.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((c) => text(c[1]!).trim()),
  );
}

/** Anonymous viewers asking for restricted figures: pages send them to sign in (303), others get 401. */
function expectSignInRequired(res: { statusCode: number; headers: Record<string, unknown> }, url: string) {
  if (res.statusCode === 303) expect(String(res.headers.location), url).toMatch(/^\/sign-in\?next=/);
  else expect(res.statusCode, url).toBe(401);
}

function csv(body: string): Record<string, string>[] {
  return parse(body, { columns: true, skip_empty_lines: true }) as Record<string, string>[];
}

describe('GET /dictionary', () => {
  it('lists every metric of the catalogue by theme, with a contents list, for everyone', async () => {
    const res = await anonymous.inject('/dictionary');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    for (const m of w.catalogue) expect(res.body).toContain(`href="/dictionary/${m.id}"`);
    expect(res.body).toContain('nhsuk-contents-list');
    expect(res.body).toContain('href="#theme-uptake"');
    expect(res.body).toContain('id="theme-organ_donation"');
    expect(text(res.body)).toContain(`What each of the ${w.catalogue.length} figures`);
  });

  it('says how a change around a date is worked out, with the constants the code uses', async () => {
    const res = await anonymous.inject('/dictionary');
    expect(res.body).toContain('id="before-after-method"');
    const method = text(res.body.slice(res.body.indexOf('id="before-after-method"')));
    expect(method).toContain(
      `up to ${MAX_SIDE_PERIODS.week} weeks or ${MAX_SIDE_PERIODS.month} months a side`,
    );
    expect(method).toContain(`${Z_95} × √(1/A₀ + 1/A₁ + 1/R₀ + 1/R₁)`);
    expect(method).toContain('England less the area');
  });

  it('shows one metric’s definition, calculation, caveats, source, legacy ids and related metrics', async () => {
    const res = await anonymous.inject('/dictionary/logins');
    expect(res.statusCode).toBe(200);
    const page = text(res.body);
    const logins = w.catalogue.find((m) => m.id === 'logins')!;
    expect(page).toContain(logins.name);
    expect(page).toContain(logins.calculation.slice(0, 80));
    for (const c of logins.caveats) expect(page).toContain(c.slice(0, 60));
    expect(page).toContain('M149');
    expect(page).toContain('NHS App Logins'); // its name in the original dashboard
    expect(page).toContain('NHS App activity events');
    expect(page).toContain('Higher is better');
    expect(page).toMatch(/In the official MI publication\s+Yes/);
    expect(page).toMatch(/Open data \(no sign-in\)\s+Yes: part of the NHS App Management Information/);
    expect(res.body).toContain('href="/dictionary/logins_per_1000"');
    expect(page).toContain('Rate per 1,000:');
    expect(res.body).toContain('href="/data?metric=logins&amp;grain=month"');
    // A metric derived from others links back to them.
    const pct = text((await anonymous.inject('/dictionary/registered_pct_13plus')).body);
    expect(pct).toContain('Numerator: NHS App registrations, running total');
    expect(pct).toContain('Denominator:');
    expect(pct).toMatch(/In the official MI publication\s+No/);
    // A percentage of open counts over GP list sizes (both open data) is open too (issue 11).
    expect(pct).toMatch(/Open data \(no sign-in\)\s+Yes: a rate of open figures/);
  });

  it('answers 404 for an unknown metric and 400 for an id that cannot be one', async () => {
    expect((await anonymous.inject('/dictionary/no_such_metric')).statusCode).toBe(404);
    const bad = await anonymous.inject('/dictionary/Logins!');
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('metricId');
  });
});

describe('GET /about', () => {
  it('shows the caveats, the refresh schedule from the configuration, the build history and complete periods', async () => {
    const res = await anonymous.inject('/about');
    expect(res.statusCode).toBe(200);
    const page = text(res.body);
    expect(page).toContain('Every Wednesday at 7:30am, UK time (Europe/London)');
    expect(page).toContain('30 7 * * 3');
    expect(page).toContain('at the GP practice of their last qualifying activity');
    expect(page).toContain('coverage');
    expect(page).toContain('today’s structure');
    expect(page).toContain('Open Government Licence v3.0');
    expect(page).toContain('Change log');
    const builds = Number(await w.db.scalar('SELECT count(*) FROM build_log'));
    expect(builds).toBeGreaterThan(0);
    expect(tableRows(res.body, 'id="builds-table"')).toHaveLength(Math.min(builds, 10));
    // Loaded 1 January to 15 November 2026: months January to October are complete, November is partial.
    const periods = tableRows(res.body, 'id="periods-table"');
    expect(periods[0]).toEqual(['Months', 'January 2026', 'October 2026', '10', 'November 2026']);
    expect(res.body).not.toContain('demo-data-warning');
  });

  it('takes the schedule from REFRESH_SCHEDULE and labels demo data with its scale and seed', async () => {
    const app = await makeApp(undefined, { REFRESH_SCHEDULE: '0 6 * * 1' });
    await w.db.run("INSERT OR REPLACE INTO warehouse_meta VALUES ('demo', $1)", [
      JSON.stringify({ scale: 0.25, seed: 99, generatedAt: '2026-11-21T12:00:00Z' }),
    ]);
    try {
      const page = text((await app.inject('/about')).body);
      expect(page).toContain('Every Monday at 6:00am');
      expect(page).toContain('synthetic demo data');
      expect(page).toContain('scale 0.25');
      expect(page).toContain('random seed 99');
    } finally {
      await w.db.run("DELETE FROM warehouse_meta WHERE key = 'demo'");
      await app.close();
    }
  });
});

describe('GET /data', () => {
  it('shows anonymous viewers monthly open figures for regions, with only open options in the form', async () => {
    const res = await anonymous.inject('/data');
    expect(res.statusCode).toBe(200);
    const rows = tableRows(res.body, 'id="data-table"');
    expect(rows.length).toBeGreaterThan(0);
    expect(new Set(rows.map((r) => r[3]))).toEqual(new Set(['NHS App logins']));
    expect(new Set(rows.map((r) => r[2]))).toEqual(new Set(['Y56', 'Y58', 'UNKNOWN']));
    expect(res.body).toContain('<option value="icb"');
    expect(res.body).not.toContain('<option value="practice"');
    expect(res.body).not.toContain('value="week"');
    // Months only: said in a line, not offered as a choice of one.
    expect(res.body).not.toContain('type="radio" value="month"');
    expect(res.body).toContain('<input type="hidden" name="grain" value="month">');
    expect(res.body).toMatch(
      /id="data-grain-only"><strong>Figures by month\.<\/strong> Weekly figures need sign-in/,
    );
    expect(res.body).not.toContain('value="appointments_booked"');
    expect(res.body).toContain('value="unique_logins"');
    expect(res.body).toContain('id="data-open-note"');
  });

  it('refuses anonymous viewers restricted figures with 401, and shows them to signed-in users', async () => {
    for (const url of [
      '/data?level=practice',
      '/data?grain=week',
      '/data?metric=appointments_booked',
      '/data.csv?level=pcn',
    ]) {
      expectSignInRequired(await anonymous.inject(url), url);
      expect((await signedIn.inject(url)).statusCode, url).toBe(200);
    }
    const signed = await signedIn.inject('/data');
    expect(signed.body).toContain('<option value="practice"');
    expect(signed.body).toContain('value="week"');
    expect(signed.body).toContain('type="radio" value="month"');
    expect(signed.body).not.toContain('id="data-grain-only"');
    expect(signed.body).not.toContain('id="data-open-note"');
  });

  it('answers 400 naming the parameter for bad values and 404 for unknown metrics, areas and pages', async () => {
    const cases: [string, number, string | null][] = [
      ['/data?level=galaxy', 400, 'level'],
      ['/data?from=2026-02-30', 400, 'from'],
      ['/data?from=yesterday', 400, 'from'],
      ['/data?from=2026-06-01&to=2026-01-01', 400, 'from'],
      ['/data?page=0', 400, 'page'],
      ['/data?area=QA9&level=region', 400, 'level'],
      ['/data?metric=no_such_metric', 404, null],
      ['/data?area=ZZZ123', 404, null],
      ['/data?page=999', 404, null],
    ];
    for (const [url, status, name] of cases) {
      const res = await signedIn.inject(url);
      expect(res.statusCode, url).toBe(status);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      if (name) expect(text(res.body), url).toContain(name);
    }
  });

  it('pages through a selection and downloads all of it as a CSV that matches the pages and the warehouse', async () => {
    const query =
      'level=practice&metric=logins&metric=unique_logins_per_1000&grain=week&from=2026-03-01&to=2026-06-30';
    const first = await signedIn.inject(`/data?${query}`);
    expect(first.statusCode).toBe(200);
    const total = Number(/of ([\d,]+)\./.exec(text(first.body))![1]!.replace(/,/g, ''));
    // Practices P00001–P00005 (P00004 closed but kept) and Unknown, two metrics, 19 weeks (23 February,
    // the week of 1 March, to 29 June, the week of 30 June).
    expect(total).toBe(6 * 2 * 19);
    expect(first.body).toContain('id="data-pagination"');
    expect(first.body).toContain(`href="/data?${query.replace(/&/g, '&amp;')}&amp;page=2#data-results"`);
    const pages: string[][] = [];
    for (let page = 1; page <= Math.ceil(total / 50); page++) {
      const res = await signedIn.inject(`/data?${query}&page=${page}`);
      pages.push(...tableRows(res.body, 'id="data-table"'));
    }
    expect(pages).toHaveLength(total);

    const download = await signedIn.inject(`/data.csv?${query}`);
    expect(download.statusCode).toBe(200);
    expect(download.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(download.headers['content-disposition']).toMatch(
      /^attachment; filename="nhs-app-practice-logins-unique_logins_per_1000-week\.csv"$/,
    );
    const rows = csv(download.body);
    expect(rows).toHaveLength(total);
    expect((await signedIn.inject(`/data?${query}&format=csv`)).body).toBe(download.body);
    rows.forEach((r, i) => {
      const cells = pages[i]!;
      expect(cells[0]).toBe(
        formatPeriod('week', r.period_start!) + (r.complete === 'true' ? '' : ' (partial)'),
      );
      expect(cells[2]).toBe(r.area_code);
      const unit = r.metric_id === 'logins' ? 'events' : 'per_1000';
      expect(cells[4]).toBe(r.value === '' ? 'No list size' : formatValue(Number(r.value), unit));
    });
    // Logins per practice and week, straight from the events.
    const direct = await w.db.all<{ week: string; practice: string; n: number }>(
      `SELECT strftime(date_trunc('week', event_date), '%Y-%m-%d') AS week,
              coalesce(practice_code, '') AS practice, count(*)::INTEGER AS n
       FROM activity_event WHERE event_type = 'login' GROUP BY ALL`,
    );
    const expected = new Map(direct.map((d) => [`${d.week}|${d.practice}`, d.n]));
    for (const r of rows.filter((x) => x.metric_id === 'logins' && x.area_code !== 'UNKNOWN')) {
      expect(Number(r.value), `${r.period_start} ${r.area_code}`).toBe(
        expected.get(`${r.period_start}|${r.area_code}`) ?? 0,
      );
    }
    // Rates carry their parts: value = numerator / denominator × 1,000, to 1 decimal (docs/adr/0022).
    for (const r of rows.filter((x) => x.metric_id === 'unique_logins_per_1000' && x.value !== '')) {
      expect(
        Math.abs(Number(r.value) - (Number(r.numerator) / Number(r.denominator)) * 1000),
      ).toBeLessThanOrEqual(0.05 + 1e-9);
      expect(r.value).toMatch(/^\d+(\.\d)?$/);
    }
  });

  it('finds an area by name, ODS code or postcode and links to its figures', async () => {
    const byPostcode = await signedIn.inject('/data?q=ls1%204ap&metric=logins');
    expect(byPostcode.statusCode).toBe(200);
    expect(byPostcode.body).toContain('href="/data?level=practice&amp;area=P00001#data-results"');
    const chosen = await signedIn.inject('/data?level=practice&area=P00001');
    expect(text(chosen.body)).toContain('Practice P00001 (GP practice, P00001)');
    expect(new Set(tableRows(chosen.body, 'id="data-table"').map((r) => r[2]))).toEqual(new Set(['P00001']));
    // Anonymous viewers are offered only areas they can see figures for.
    const anon = await anonymous.inject('/data?q=P0000');
    expect(anon.body).not.toContain('area=P00001');
    expect(text(anon.body)).toContain('sign in');
    // A misspelt name finds nothing, and offers the search spelt as the names spell it, which finds the area.
    const misspelt = await signedIn.inject('/data?q=practise%20p00001&level=practice');
    expect(text(misspelt.body)).toContain('No areas found for “practise p00001”');
    const link = /Did you mean <a class="nhsuk-link" href="([^"]+)">Practice p00001<\/a>\?/.exec(
      misspelt.body,
    );
    expect(link).not.toBeNull();
    const corrected = await signedIn.inject(link![1]!.replace(/&amp;/g, '&'));
    expect(corrected.body).toContain('href="/data?level=practice&amp;area=P00001#data-results"');
  });

  it('is reached from an area page: the areas just below it, or the practice itself (task 8)', async () => {
    for (const [page, rows, text_] of [
      [
        '/areas/region/Y56',
        ['QA9'],
        'Every figure for the ICBs in this region, as a table or CSV (data table)',
      ],
      ['/areas/icb/QA9?grain=week', ['00A', '00B'], 'Every figure for the sub-ICB locations in this ICB'],
      ['/areas/practice/P00001', ['P00001'], 'Every figure for this practice'],
    ] as const) {
      const res = await signedIn.inject(page);
      expect(res.statusCode, page).toBe(200);
      const link = /<a class="nhsuk-link" id="area-data-table" href="([^"]+)">([^<]+)<\/a>/.exec(res.body);
      expect(link?.[2], page).toContain(text_);
      const table = await signedIn.inject(link![1]!.replace(/&amp;/g, '&'));
      expect(table.statusCode, link![1]).toBe(200);
      expect([...new Set(tableRows(table.body, 'id="data-table"').map((r) => r[2]))].sort(), page).toEqual(
        rows,
      );
      // The week stays a week.
      expect(link![1]!.includes('grain=week'), page).toBe(page.includes('grain=week'));
    }
  });

  it('leaves out metrics a level does not have, and says so', async () => {
    const res = await signedIn.inject('/data?level=icb&metric=logins&metric=downloads');
    expect(res.statusCode).toBe(200);
    expect(text(res.body)).toContain('App downloads is left out: its lowest geography is England');
  });
});

describe('GET /areas/:level/:code/chart.csv', () => {
  it('links every chart of an area page to a CSV equal to the chart’s table', async () => {
    const page = await signedIn.inject('/areas/icb/QA9?grain=week');
    expect(page.statusCode).toBe(200);
    const links = [...page.body.matchAll(/href="([^"]*chart\.csv[^"]*)"/g)].map((m) =>
      m[1]!.replace(/&amp;/g, '&'),
    );
    expect(links.length).toBeGreaterThan(3);
    let bandsSeen = false;
    for (const link of links) {
      const metric = new URL(link, 'http://x').searchParams.get('metric')!;
      const res = await signedIn.inject(link);
      expect(res.statusCode, link).toBe(200);
      expect(res.headers['content-disposition']).toContain(`nhs-app-icb-qa9-${metric}-week.csv`);
      const rows = csv(res.body);
      const table = tableRows(page.body, `data-metric="chart-${metric}"`);
      expect(rows.length, metric).toBe(table.length);
      const unit = w.catalogue.find((m) => m.id === metric)!.unit;
      const banded = 'peers_p10' in rows[0]!;
      rows.forEach((r, i) => {
        const cells = table[i]!;
        expect(r.area_code).toBe('QA9');
        expect(cells[0]).toBe(r.period);
        expect(cells[1]).toBe(formatValue(Number(r.value), unit));
        expect(cells[cells.length - 1]).toBe(r.complete === 'true' ? 'Yes' : 'No (partial)');
        if (banded) {
          // Rates first: the band (the two columns before "Complete") is of the rate the chart draws.
          const nums = (t: string) =>
            t === '–' ? [] : t.split(' to ').map((x) => Number(x.replace(/[,%]/g, '')));
          const csvRange = (lo: string, hi: string) => (lo === '' ? [] : [Number(lo), Number(hi)]);
          const [half, eighty] = cells.slice(-3, -1);
          expect(nums(half!)).toEqual(csvRange(r.peers_p25!, r.peers_p75!));
          expect(nums(eighty!)).toEqual(csvRange(r.peers_p10!, r.peers_p90!));
        } else {
          expect(cells.length).toBeGreaterThanOrEqual(3);
        }
      });
      bandsSeen ||= banded;
    }
    // The ICB's charts draw the band of ICBs behind their line.
    expect(bandsSeen).toBe(true);
  });

  it('serves the National summary’s charts from England’s address, to anonymous viewers for open figures', async () => {
    const page = await anonymous.inject('/');
    expect(page.body).toContain('href="/areas/england/E92000001/chart.csv?metric=logins"');
    const res = await anonymous.inject('/areas/england/E92000001/chart.csv?metric=logins');
    expect(res.statusCode).toBe(200);
    const rows = csv(res.body);
    const table = tableRows(page.body, 'data-metric="chart-logins"');
    expect(rows.map((r) => formatValue(Number(r.value), 'events'))).toEqual(table.map((r) => r[1]));
    // Straight from the events: England's logins in October 2026.
    const october = Number(
      await w.db.scalar(
        "SELECT count(*) FROM activity_event WHERE event_type = 'login' AND event_date BETWEEN DATE '2026-10-01' AND DATE '2026-10-31'",
      ),
    );
    expect(Number(rows.find((r) => r.period_start === '2026-10-01')!.value)).toBe(october);
  });

  it('answers 401, 404 and 400 as the pages do', async () => {
    for (const url of [
      '/areas/practice/P00001/chart.csv?metric=logins',
      '/areas/england/E92000001/chart.csv?metric=logins&grain=week',
    ])
      expectSignInRequired(await anonymous.inject(url), url);
    expect((await signedIn.inject('/areas/practice/P00001/chart.csv?metric=logins')).statusCode).toBe(200);
    expect((await signedIn.inject('/areas/icb/QA9/chart.csv?metric=no_such_metric')).statusCode).toBe(404);
    expect((await signedIn.inject('/areas/icb/QA9/chart.csv?metric=downloads')).statusCode).toBe(404);
    expect((await signedIn.inject('/areas/icb/NOPE/chart.csv?metric=logins')).statusCode).toBe(404);
    expect((await signedIn.inject('/areas/england/QA9/chart.csv?metric=logins')).statusCode).toBe(404);
    expect((await signedIn.inject('/areas/icb/QA9/chart.csv')).statusCode).toBe(400);
    expect((await signedIn.inject('/areas/icb/QA9/chart.csv?metric=logins&grain=day')).statusCode).toBe(400);
  });
});

describe('open data under disclosure control (OPEN_DATA_DISCLOSURE=on)', () => {
  it('rounds and suppresses counts below England for visitors, in the data table, its CSV and chart CSVs', async () => {
    const app = await makeApp(undefined, { OPEN_DATA_DISCLOSURE: 'on' });
    try {
      const exact = csv((await signedIn.inject('/data.csv?level=icb')).body);
      const open = csv((await app.inject('/data.csv?level=icb')).body);
      expect(open).toHaveLength(exact.length);
      let suppressed = 0;
      open.forEach((r, i) => {
        const d = discloseCount(Number(exact[i]!.value));
        if (d.suppressed) suppressed++;
        expect(r.value, `${r.period_start} ${r.area_code}`).toBe(d.suppressed ? '*' : String(d.value));
      });
      expect(open.some((r) => Number(r.value) % 5 === 0 && r.value !== '0')).toBe(true);
      const page = tableRows((await app.inject('/data?level=icb')).body, 'id="data-table"');
      expect(page.every((r) => r[4] === '*' || Number(r[4]!.replace(/,/g, '')) % 5 === 0)).toBe(true);
      // Chart CSV of an ICB's page: disclosed values, no band of other ICBs.
      const chart = await app.inject('/areas/icb/QA9/chart.csv?metric=logins');
      expect(chart.statusCode).toBe(200);
      const rows = csv(chart.body);
      expect(Object.keys(rows[0]!)).not.toContain('peers_p10');
      expect(rows.every((r) => r.value === '*' || Number(r.value) % 5 === 0)).toBe(true);
      const area = await app.inject('/areas/icb/QA9');
      expect(area.body).not.toContain('app-chart__band');
      expect(area.body).not.toContain('data-peer=');
      expect(suppressed + open.length).toBeGreaterThan(0);
    } finally {
      await app.close();
    }
  });

  it('never shows visitors a percentile rank, which compares rates', async () => {
    const area = await anonymous.inject('/areas/icb/QA9');
    expect(area.statusCode).toBe(200);
    expect(area.body).not.toContain('data-peer=');
    const signed = await signedIn.inject('/areas/icb/QA9');
    expect(signed.body).toContain('data-peer=');
  });
});

describe('compressed CSV downloads (issue 14.6)', () => {
  it('streams the data table CSV gzipped to a browser that accepts it, byte for byte the plain download', async () => {
    const url = '/data.csv?level=practice&metric=logins&grain=week';
    const plain = await signedIn.inject(url);
    expect(plain.statusCode).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    const zipped = await signedIn.inject({ url, headers: { 'accept-encoding': 'gzip, deflate' } });
    expect(zipped.statusCode).toBe(200);
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(String(zipped.headers.vary)).toMatch(/Accept-Encoding/);
    expect(gunzipSync(zipped.rawPayload).toString('utf8')).toBe(plain.body);
    expect(zipped.rawPayload.length).toBeLessThan(plain.rawPayload.length / 3);
  });
});

describe('area columns and the wide data table CSV (issue 14.6, ADR 0032)', () => {
  const AREA_COLUMNS = ['area_code', 'area_name', 'area_place_name', 'area_level', 'area_ons_code'];

  it('starts every page CSV with the area columns of the area each row is of', async () => {
    const areas = new Map(
      (
        await w.db.all<{ area_level: string; area_code: string; name: string; ons_code: string | null }>(
          'SELECT area_level, area_code, name, ons_code FROM area',
        )
      ).map((a) => [`${a.area_level}|${a.area_code}`, a]),
    );
    const urls = [
      '/data.csv?level=icb&metric=logins&metric=unique_logins_per_1000',
      '/data.csv?level=practice&metric=logins&layout=wide',
      '/data?level=region&metric=logins&format=csv&layout=wide',
      '/areas/icb/QA9/chart.csv?metric=logins',
      '/areas/england/E92000001/chart.csv?metric=logins',
      '/map.csv?level=icb&metric=logins',
    ];
    for (const url of urls) {
      const res = await signedIn.inject(url);
      expect(res.statusCode, `${url}: ${res.body.slice(0, 300)}`).toBe(200);
      expect(res.headers['content-type'], url).toBe('text/csv; charset=utf-8');
      expect(res.body.split('\r\n')[0]!.split(',').slice(0, 5), url).toEqual(AREA_COLUMNS);
      const rows = csv(res.body);
      expect(rows.length, url).toBeGreaterThan(0);
      for (const r of rows) {
        const area = areas.get(`${r.area_level}|${r.area_code}`);
        expect(area, `${url}: ${r.area_level} ${r.area_code}`).toBeDefined();
        expect(r.area_name, url).toBe(area!.name);
        expect(r.area_ons_code, url).toBe(area!.ons_code ?? '');
      }
    }
  });

  it('writes the wide CSV as the long one pivoted: a row per area and metric, a column per period', async () => {
    // A count, a rate (no data for Unknown, which has no list size) and a rolling 12-month metric (fewer
    // periods): cells without a figure must be empty, never 0.
    const query =
      'level=practice&metric=logins&metric=unique_logins_per_1000&metric=registered_pct_13plus&partial=1';
    const page = await signedIn.inject(`/data?${query}`);
    expect(page.statusCode).toBe(200);
    const href = /id="data-csv-wide" href="([^"]+)"/.exec(page.body)![1]!.replace(/&amp;/g, '&');
    expect(href).toBe(`/data.csv?${query}&layout=wide`);
    const longRes = await signedIn.inject(`/data.csv?${query}`);
    const wideRes = await signedIn.inject(href);
    expect(wideRes.statusCode).toBe(200);
    expect(wideRes.headers['content-disposition']).toMatch(/-wide\.csv"$/);
    const long = csv(longRes.body);
    const periods = [...new Set(long.map((r) => r.period_start!))].sort();
    const keys = [...AREA_COLUMNS, 'area_is_current', 'metric_id', 'metric_name', 'unit'];
    expect(wideRes.body.split('\r\n')[0]).toBe([...keys, ...periods].join(','));
    // Pivoted here: rows in the order areas first appear in the long CSV, metrics in the order asked.
    const metrics = ['logins', 'unique_logins_per_1000', 'registered_pct_13plus'];
    const areaOrder = [...new Set(long.map((r) => r.area_code!))];
    const expected = areaOrder.flatMap((code) =>
      metrics.map((id) => {
        const mine = long.filter((r) => r.area_code === code && r.metric_id === id);
        const first = long.find((r) => r.area_code === code && r.metric_id === id)!;
        return {
          ...Object.fromEntries(keys.map((k) => [k, first[k]!])),
          ...Object.fromEntries(periods.map((p) => [p, mine.find((r) => r.period_start === p)?.value ?? ''])),
        };
      }),
    );
    const wide = csv(wideRes.body);
    expect(wide).toEqual(expected);
    // No data is an empty cell: Unknown's rate, and the rolling metric before its first full year.
    const unknownRate = wide.find(
      (r) => r.area_code === 'UNKNOWN' && r.metric_id === 'unique_logins_per_1000',
    )!;
    for (const p of periods) expect(unknownRate[p], p).toBe('');
    expect(wide.some((r) => periods.some((p) => r[p] === ''))).toBe(true);
    // Rates to 1 decimal, counts whole (docs/adr/0022).
    for (const r of wide)
      for (const p of periods)
        if (r[p] !== '')
          expect(r[p], `${r.area_code} ${r.metric_id} ${p}`).toMatch(
            r.unit === 'events' ? /^\d+$/ : /^\d+(\.\d)?$/,
          );
  });

  it('streams the wide CSV gzipped, byte for byte the plain download, and under disclosure control too', async () => {
    const url = '/data.csv?level=practice&metric=logins&grain=week&layout=wide';
    const plain = await signedIn.inject(url);
    expect(plain.statusCode).toBe(200);
    const zipped = await signedIn.inject({ url, headers: { 'accept-encoding': 'gzip' } });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(zipped.rawPayload).toString('utf8')).toBe(plain.body);
    // Visitors under OPEN_DATA_DISCLOSURE: the wide cells are the long CSV's disclosed values.
    const visitor = await makeApp(undefined, { OPEN_DATA_DISCLOSURE: 'on' });
    try {
      const q = '/data.csv?level=icb&metric=logins';
      const long = csv((await visitor.inject(q)).body);
      const wide = csv((await visitor.inject(`${q}&layout=wide`)).body);
      for (const r of long) {
        const row = wide.find((x) => x.area_code === r.area_code && x.metric_id === r.metric_id)!;
        expect(row[r.period_start!], `${r.area_code} ${r.period_start}`).toBe(r.value);
      }
    } finally {
      await visitor.close();
    }
  });
});
