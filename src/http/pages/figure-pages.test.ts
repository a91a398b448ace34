import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config.ts';
import type { Viewer } from '../../domain/access.ts';
import { fixedClock } from '../../domain/clock.ts';
import { Warehouse } from '../../warehouse/db.ts';
import { migrate } from '../../warehouse/migrate.ts';
import { CONTENT_SECURITY_POLICY } from '../app.ts';
import { buildAppAs } from '../../../test/support/signed-in.ts';
import type { PageQueries } from '../deps.ts';
import { createTestQueries, TEST_AREAS, TEST_METRICS } from '../../../test/support/in-memory-queries.ts';

let app: FastifyInstance;
let warehouse: Warehouse;

/** A signed-in NHS user (these tests are about the pages; access has its own tests below). */
const SIGNED_IN: Viewer = { signedIn: true, role: 'viewer', userId: 't1', via: 'session' };

async function makeApp(
  queries: PageQueries,
  signedInAs: Viewer | null = SIGNED_IN,
  env: NodeJS.ProcessEnv = {},
) {
  const db = await Warehouse.open(':memory:');
  await migrate(db); // the sign-in tables: signed-in tests carry a real session
  const built = await buildAppAs(
    {
      db,
      config: loadConfig(env),
      clock: fixedClock('2026-11-18T09:00:00Z'),
      queries,
    },
    signedInAs,
  );
  return { app: built, db };
}

beforeAll(async () => {
  ({ app, db: warehouse } = await makeApp(createTestQueries()));
});

afterAll(async () => {
  await app.close();
  warehouse.close();
});

function expectPage(res: LightMyRequestResponse, status = 200) {
  expect(res.statusCode).toBe(status);
  expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
  expect(res.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
  expect(res.body).toContain('nhsuk-header');
  // CSP: no inline scripts or styles.
  expect(res.body).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
  expect(res.body).not.toMatch(/\sstyle=/);
}

/** The text of the children table's name column, in order. */
function childNames(html: string): string[] {
  const table = html.slice(
    html.indexOf('data-children='),
    html.indexOf('</table>', html.indexOf('data-children=')),
  );
  return [...table.matchAll(/<th scope="row"[^>]*>\s*<a class="nhsuk-link" href="[^"]*">([^<]*)<\/a>/g)].map(
    (m) => m[1]!,
  );
}

describe('GET /areas/:level/:code', () => {
  it('shows an ICB with breadcrumbs, details, tiles compared with its region and England, and its children', async () => {
    const res = await app.inject('/areas/icb/QMJ');
    expectPage(res);
    const html = res.body;
    expect(html).toContain('<title>NHS North Central London Integrated Care Board: NHS App use by month');
    expect(html).toMatch(/nhsuk-breadcrumb__link" href="\/">\s*England/);
    expect(html).toMatch(/nhsuk-breadcrumb__link" href="\/areas\/region\/Y56">\s*London/);
    expect(html).toContain('Integrated care board (ICB)');
    expect(html).toContain('E54000028');
    // Logins: England 2,188,000 × 0.16 × 0.3 in October.
    expect(html).toContain('105,024');
    expect(html).toContain('data-compare="logins"');
    expect(html).toContain('Logins to the NHS App per 1,000 patients aged 13+, October 2026');
    expect(html).toMatch(/<a class="nhsuk-link" href="\/areas\/region\/Y56">London<\/a>/);
    expect(html).toContain(
      'Sub-ICB locations in NHS North Central London Integrated Care Board: figures for October 2026',
    );
    expect(html).toContain('href="/areas/sub_icb/93C"');
    // The Areas navigation item is active on area pages.
    expect(html).toMatch(/nhsuk-header__navigation-link" href="\/areas" aria-current="true"/);
  });

  it('shows a practice’s postcode and GP system supplier, and a closed practice’s tag and explanation', async () => {
    const open = await app.inject('/areas/practice/F83004');
    expectPage(open);
    expect(open.body).toContain('NW1 1LT');
    expect(open.body).toContain('GP system supplier');
    expect(open.body).toContain('EMIS');
    expect(open.body).not.toContain('data-children=');
    expect(open.body).not.toContain('closed-notice');
    const closed = await app.inject('/areas/practice/F83012');
    expectPage(closed);
    expect(closed.body).toMatch(/<strong class="nhsuk-tag nhsuk-tag--grey app-area-closed">Closed<\/strong>/);
    expect(closed.body).toContain('id="closed-notice"');
    expect(closed.body).toContain('not in the latest NHS practice map');
    expect(closed.body).toContain('Figures are shown up to July 2026');
  });

  it('marks closed children and sorts the children table through links', async () => {
    const byName = await app.inject('/areas/pcn/U12345');
    expect(childNames(byName.body)).toEqual(['Camden Health Centre (closed)', 'Somers Town Medical Centre']);
    expect(byName.body).toMatch(
      /Camden Health Centre \(closed\)<\/a> <strong class="nhsuk-tag nhsuk-tag--grey app-tag--small">Closed/,
    );
    expect(byName.body).toMatch(/data-sort aria-sort="ascending" data-column="name"/);
    expect(byName.body).toContain('href="/areas/pcn/U12345?sort=logins&amp;dir=desc#children"');
    const desc = await app.inject('/areas/pcn/U12345?sort=name&dir=desc');
    expect(childNames(desc.body)).toEqual(['Somers Town Medical Centre', 'Camden Health Centre (closed)']);
    expect(desc.body).toMatch(/data-sort aria-sort="descending" data-column="name"/);
    // `value` sorts by the main count; the closed practice has none in October.
    const value = await app.inject('/areas/pcn/U12345?sort=value&grain=month');
    expect(childNames(value.body)[0]).toBe('Somers Town Medical Centre');
    expect(value.body).toMatch(/data-sort aria-sort="descending" data-column="logins"/);
    // The view form keeps the sort; links keep the grain.
    const week = await app.inject('/areas/pcn/U12345?grain=week&sort=rate&dir=asc&partial=1');
    expectPage(week);
    expect(week.body).toContain('<input type="hidden" name="sort" value="rate">');
    expect(week.body).toContain('<input type="hidden" name="dir" value="asc">');
    expect(week.body).toContain('href="/areas/practice/F83004?grain=week&amp;partial=1"');
  });

  it('names a sub-ICB location by its place and NHS name: heading, title, breadcrumbs, children, search (docs/adr/0028)', async () => {
    const label = 'North Central London — NHS North Central London ICB - 93C';
    const own = await app.inject('/areas/sub_icb/93C');
    expectPage(own);
    expect(own.body).toMatch(new RegExp(`</span></span>\\s*${label}\\s*</h1>`));
    expect(own.body).toContain(`<title>${label}: NHS App use by month`);
    const icb = await app.inject('/areas/icb/QMJ');
    expect(childNames(icb.body)).toEqual([label]);
    const pcn = await app.inject('/areas/pcn/U12345');
    const start = pcn.body.indexOf('id="breadcrumbs"');
    const crumbs = pcn.body.slice(start, pcn.body.indexOf('</nav>', start));
    expect(crumbs).toMatch(new RegExp(`href="/areas/sub_icb/93C[^"]*"[^>]*>\\s*${label}\\s*</a>`));
    // Search by the place name finds it, shown the same way; areas below it say so.
    const found = await app.inject('/search?q=north%20central');
    expect(found.body).toContain(`href="/areas/sub_icb/93C">${label}</a>`);
    const pcnFound = await app.inject('/search?q=camden%20central');
    expect(pcnFound.body).toContain('href="/areas/pcn/U12345"');
    expect(pcnFound.body).toContain(`Part of ${label}`);
  });

  it('redirects England to the National summary and lower-case codes to upper case', async () => {
    const england = await app.inject('/areas/england/E92000001?grain=week&partial=1');
    expect(england.statusCode).toBe(301);
    expect(england.headers.location).toBe('/?grain=week&partial=1');
    const lower = await app.inject('/areas/icb/qmj?sort=code');
    expect(lower.statusCode).toBe(301);
    expect(lower.headers.location).toBe('/areas/icb/QMJ?sort=code&dir=asc');
  });

  it('answers an NHS-styled 404 for unknown areas', async () => {
    for (const url of [
      '/areas/icb/ZZZ99',
      '/areas/practice/QMJ',
      '/areas/england/E92000002',
      '/areas/pcn/U',
    ]) {
      const res = await app.inject(url);
      expectPage(res, 404);
      expect(res.body).toContain('Page not found');
    }
  });

  const hostile = [
    "' OR 1=1 --",
    '<script>alert(1)</script>',
    '"><img src=x onerror=alert(1)>',
    '../../etc/passwd',
    '%00',
    'A'.repeat(300),
    '\u202e',
  ];
  for (const value of hostile) {
    const v = encodeURIComponent(value);
    for (const url of [
      `/areas/${v}/QMJ`,
      `/areas/icb/${v}`,
      `/areas/icb/QMJ?grain=${v}`,
      `/areas/icb/QMJ?partial=${v}`,
      `/areas/icb/QMJ?sort=${v}`,
      `/areas/icb/QMJ?dir=${v}`,
      `/areas?sort=${v}`,
      `/?dir=${v}`,
    ]) {
      it(`answers 400 or 404, never 500, and never echoes the value, for ${url.slice(0, 80)}`, async () => {
        const res = await app.inject(url);
        expect([400, 404]).toContain(res.statusCode);
        expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
        expect(res.body).toContain('nhsuk-header');
        expect(res.body).not.toMatch(/<script>alert|<img src=x|OR 1=1|AAAAAAAAAA|etc\/passwd/);
      });
    }
  }

  it('names the bad parameter on the 400 page', async () => {
    const level = await app.inject('/areas/country/QMJ');
    expectPage(level, 400);
    expect(level.body).toContain('params/level must be one of: england, region, icb, sub_icb, pcn, practice');
    const sort = await app.inject('/areas/icb/QMJ?sort=size');
    expectPage(sort, 400);
    expect(sort.body).toContain('sort must be one of: name, code, logins, users, rate, registered, value');
  });

  it('keeps the time range and rolling average in the URL, its links and its form, and answers 400 for a bad one', async () => {
    const res = await app.inject('/areas/icb/QMJ?range=13w&grain=week&avg=4w&compare=parent');
    expectPage(res);
    const html = res.body;
    // Links to other areas and the chart's CSV carry the settings (defaults left out).
    expect(html).toContain('href="/areas/region/Y56?grain=week&amp;range=13w&amp;avg=4w&amp;compare=parent"');
    expect(html).toContain(
      'href="/areas/sub_icb/93C?grain=week&amp;range=13w&amp;avg=4w&amp;compare=parent"',
    );
    expect(html).toContain('chart.csv?metric=logins&amp;grain=week&amp;range=13w"');
    // The view form shows them checked.
    expect(html).toMatch(/name="range" type="radio" value="13w" checked/);
    expect(html.match(/name="range" type="radio" value="[^"]*" checked/g)).toHaveLength(1);
    expect(html).toMatch(/name="avg" type="checkbox" value="4w" checked/);
    expect(html).toMatch(/name="compare" type="radio" value="parent" checked/);
    expect(html).toContain('4-week rolling average');
    expect(html).toContain('Trends over the last 13 weeks');
    for (const bad of ['range=5w', 'range=ALL', 'range=12m&range=24m', 'avg=3w']) {
      const r = await app.inject(`/areas/icb/QMJ?${bad}`);
      expectPage(r, 400);
      expect(r.body).toMatch(
        /(range must be one of: 8w, 13w, 26w, 12m, 24m, all|avg must be one of: 4w|range must be given once)/,
      );
    }
    const national = await app.inject('/?range=1y');
    expectPage(national, 400);
  });

  it('gives the chart CSV for the range only', async () => {
    // Monthly, May to October 2026: 13 weeks ending 31 October overlap August, September and October.
    const csv = await app.inject('/areas/icb/QMJ/chart.csv?metric=logins&range=13w');
    expect(csv.statusCode).toBe(200);
    const lines = csv.body.trim().split('\r\n');
    expect(lines.slice(1).map((l) => l.split(',')[5])).toEqual(['2026-08-01', '2026-09-01', '2026-10-01']);
    const all = await app.inject('/areas/icb/QMJ/chart.csv?metric=logins&range=all');
    expect(all.body.trim().split('\r\n')).toHaveLength(7);
    expect((await app.inject('/areas/icb/QMJ/chart.csv?metric=logins&range=9w')).statusCode).toBe(400);
  });

  it('compares the headline counts before and after a date, from the figures the charts give', async () => {
    const res = await app.inject('/areas/icb/QMJ?since=2026-08-10');
    expectPage(res);
    const html = res.body;
    expect(html).toContain('id="before-after-table"');
    expect(html).toContain('value="2026-08-10"');
    // August holds the date, so it is left out: September and October against July and June.
    expect(html).toContain('(August 2026 is left out: it is partly before and partly after)');
    const lines = (await app.inject('/areas/icb/QMJ/chart.csv?metric=logins&range=all')).body
      .trim()
      .split('\r\n');
    const header = lines[0]!.split(',');
    const byMonth = new Map(
      lines.slice(1).map((l) => {
        const cells = l.split(',');
        return [cells[header.indexOf('period_start')]!, Number(cells[header.indexOf('value')])];
      }),
    );
    const before = byMonth.get('2026-06-01')! + byMonth.get('2026-07-01')!;
    const after = byMonth.get('2026-09-01')! + byMonth.get('2026-10-01')!;
    const row = html.slice(html.indexOf('id="before-after-table"'));
    const cells = [...row.slice(0, row.indexOf('</table>')).matchAll(/<td[^>]*>([^<]*)<\/td>/g)].map(
      (m) => m[1]!,
    );
    // The first row is Logins: its averages a month, its change, and the verdict by the rule written out.
    expect(cells[0]).toBe(`${Math.round(before / 2).toLocaleString('en-GB')} a month`);
    expect(cells[1]).toBe(`${Math.round(after / 2).toLocaleString('en-GB')} a month`);
    const pct = ((after - before) / before) * 100;
    expect(cells[2]).toMatch(
      new RegExp(`^${pct > 0 ? '\\+' : '−'}${Math.abs(pct).toFixed(1)}% \\(95% interval`),
    );
    const half = 1.959964 * Math.sqrt(1 / after + 1 / before);
    const lo = Math.exp(Math.log(after / before) - half);
    const hi = Math.exp(Math.log(after / before) + half);
    expect(cells[3]).toBe(
      lo > 1
        ? 'Up, more than chance would explain'
        : hi < 1
          ? 'Down, more than chance would explain'
          : 'No clear change',
    );
    // Against the rest of England over the same months (ADR 0065): England's chart CSV less the ICB's.
    const englandLines = (await app.inject('/areas/england/E92000001/chart.csv?metric=logins&range=all')).body
      .trim()
      .split('\r\n');
    const englandMonth = new Map(
      englandLines.slice(1).map((l) => {
        const c = l.split(',');
        return [c[header.indexOf('period_start')]!, Number(c[header.indexOf('value')])];
      }),
    );
    const restBefore = englandMonth.get('2026-06-01')! + englandMonth.get('2026-07-01')! - before;
    const restAfter = englandMonth.get('2026-09-01')! + englandMonth.get('2026-10-01')! - after;
    const rest = html.slice(html.indexOf('id="before-after-rest-table"'));
    expect(rest).toContain('against the rest of England (England less');
    expect(html).toContain('href="/dictionary#before-after-method"');
    const restCells = [...rest.slice(0, rest.indexOf('</table>')).matchAll(/<td[^>]*>([^<]*)<\/td>/g)].map(
      (m) => m[1]!,
    );
    const restPct = ((restAfter - restBefore) / restBefore) * 100;
    expect(restCells[1]).toBe(`${restPct > 0 ? '+' : '−'}${Math.abs(restPct).toFixed(1)}%`);
    const ratio = after / before / (restAfter / restBefore);
    const restHalf = 1.959964 * Math.sqrt(1 / after + 1 / before + 1 / restAfter + 1 / restBefore);
    const [rLo, rHi] = [ratio * Math.exp(-restHalf), ratio * Math.exp(restHalf)];
    // The difference and its interval, each to the 0.1% shown.
    const shown = [...restCells[2]!.matchAll(/([+−]?)(\d+\.\d)%/g)].map(
      (m) => (m[1] === '−' ? -1 : 1) * Number(m[2]),
    );
    expect(restCells[2]).toMatch(/^[+−]?\d+\.\d% \(95% interval [+−]?\d+\.\d% to [+−]?\d+\.\d%\)$/);
    [ratio, rLo, rHi].forEach((x, i) => expect(Math.abs(shown[i]! - (x - 1) * 100)).toBeLessThan(0.0501));
    expect(restCells[3]).toBe(
      rLo > 1
        ? 'Above the rest of England’s change, more than chance would explain'
        : rHi < 1
          ? 'Below the rest of England’s change, more than chance would explain'
          : 'No clear difference from the rest of England',
    );
    // Links and forms carry the date over; a date that does not exist is said next to its field.
    expect(html).toContain('href="/areas/icb/QMJ?since=2026-08-10&amp;sort=logins&amp;dir=desc#children"');
    expect(html).toContain('href="/areas/sub_icb/93C?since=2026-08-10"');
    const viewForm = html.slice(
      html.indexOf('id="view-form"'),
      html.indexOf('</form>', html.indexOf('id="view-form"')),
    );
    expect(viewForm).toContain('<input type="hidden" name="since" value="2026-08-10">');
    const bad = await app.inject('/areas/icb/QMJ?since=2026-02-30');
    expectPage(bad);
    expect(bad.body).toContain('Enter a real date');
    expect(bad.body).not.toContain('id="before-after-table"');
    expect((await app.inject('/areas/icb/QMJ?since=yesterday')).statusCode).toBe(400);
    // Outside the data: said plainly, no table; the calendar's ends too.
    for (const date of ['2030-01-01', '0001-01-01', '9999-12-31']) {
      const outside = await app.inject(`/areas/icb/QMJ?since=${date}`);
      expect(outside.statusCode, date).toBe(200);
      expect(outside.body).toContain('id="before-after-empty"');
    }
    // Without a date, the form only.
    const plain = await app.inject('/areas/icb/QMJ');
    expect(plain.body).toContain('id="before-after"');
    expect(plain.body).not.toContain('id="before-after-table"');
  });

  it('compares England’s headline counts before and after a date on the National summary too', async () => {
    const res = await app.inject('/?since=2026-08-10');
    expectPage(res);
    expect(res.body).toContain('id="before-after-table"');
    expect(res.body).toContain('action="/#before-after"');
    const lines = (await app.inject('/areas/england/E92000001/chart.csv?metric=logins&range=all')).body
      .trim()
      .split('\r\n');
    const header = lines[0]!.split(',');
    const value = (month: string) =>
      Number(
        lines.find((l) => l.split(',')[header.indexOf('period_start')] === month)!.split(',')[
          header.indexOf('value')
        ],
      );
    const before = value('2026-06-01') + value('2026-07-01');
    const table = res.body.slice(res.body.indexOf('id="before-after-table"'));
    const first = table.match(/<td[^>]*>([^<]*)<\/td>/)![1];
    expect(first).toBe(`${Math.round(before / 2).toLocaleString('en-GB')} a month`);
    // England is not set against itself.
    expect(res.body).not.toContain('id="before-after-rest-table"');
    // The view form keeps the date.
    const viewForm = res.body.slice(res.body.indexOf('id="view-form"'));
    expect(viewForm.slice(0, viewForm.indexOf('</form>'))).toContain('name="since" value="2026-08-10"');
    expect((await app.inject('/')).body).not.toContain('id="before-after-table"');
  });

  it('answers 500 without details when the queries fail', async () => {
    const failing = createTestQueries();
    failing.areaPage = async () => {
      throw new Error('secret connection string');
    };
    const { app: a, db } = await makeApp(failing);
    const res = await a.inject('/areas/icb/QMJ');
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('secret');
    await a.close();
    db.close();
  });

  it('escapes area names from the data', async () => {
    const evil = '<script>alert("x")</script>';
    const areas = TEST_AREAS.map((a) => (a.code === 'QMJ' || a.code === '93C' ? { ...a, name: evil } : a));
    const { app: a, db } = await makeApp(createTestQueries({ areas }));
    for (const url of ['/areas/icb/QMJ', '/areas/sub_icb/93C', '/areas/pcn/U12345', '/search?q=script']) {
      const res = await a.inject(url);
      expect(res.statusCode).toBe(200);
      expect(res.body).not.toContain(evil);
      expect(res.body).toContain('&lt;script&gt;');
    }
    await a.close();
    db.close();
  });
});

describe('GET /areas', () => {
  it('lists England’s regions with their figures, and a search form', async () => {
    const res = await app.inject('/areas?sort=logins');
    expectPage(res);
    expect(res.body).toContain('<form method="get" action="/search" class="app-search-form"');
    expect(childNames(res.body)).toEqual(['London', 'East of England']);
    expect(res.body).toMatch(/nhsuk-header__navigation-link" href="\/areas" aria-current="page"/);
  });
});

describe('GET /', () => {
  it('shows England’s regions table with drill-down links, and the header search', async () => {
    const res = await app.inject('/');
    expectPage(res);
    expect(res.body).toContain('href="/areas/region/Y56"');
    expect(res.body).toContain('action="/search"');
    expect(res.body).toContain('>Areas</a>');
    // Who uses the App by age and deprivation is one link away.
    expect(res.body).toContain('<a class="nhsuk-link" href="/official/demographics">');
  });
});

describe('GET /search', () => {
  it('finds areas by ODS code, name and postcode', async () => {
    // An exact code goes straight to the area's page.
    const exact = await app.inject('/search?q=f83004');
    expect(exact.statusCode).toBe(303);
    expect(exact.headers.location).toBe('/areas/practice/F83004');
    const code = await app.inject('/search?q=f8300');
    expectPage(code);
    expect(code.body).toContain('1 area found for “f8300”');
    expect(code.body).toContain('href="/areas/practice/F83004"');
    expect(code.body).toContain('GP practice · F83004 · NW1 1LT');
    expect(code.body).toContain('Part of Camden Central PCN');
    const postcode = await app.inject('/search?q=nw11lt');
    expect(postcode.body).toContain('href="/areas/practice/F83004"');
    const name = await app.inject(`/search?q=${encodeURIComponent('  north  ')}`);
    expect(name.body).toContain('areas found for “north”');
    // Open areas from the top of the hierarchy down, then by name.
    const found = await app.inject('/search?q=n');
    const order = [...found.body.matchAll(/data-level="([^"]+)" data-code="([^"]+)"/g)].map((m) => m[1]);
    expect(order.indexOf('practice')).toBeGreaterThan(order.lastIndexOf('region'));
    const icbs = await app.inject('/search?q=Q');
    expect([...icbs.body.matchAll(/data-code="([^"]+)"/g)].map((m) => m[1])).toEqual(['QUE', 'QMJ', 'QRV']);
    const closed = await app.inject('/search?q=camden');
    expect(closed.body).toMatch(
      /Camden Health Centre \(closed\)<\/a> <strong class="nhsuk-tag nhsuk-tag--grey app-tag--small">Closed/,
    );
  });

  it('says when nothing matches', async () => {
    const res = await app.inject('/search?q=zzzz');
    expectPage(res);
    expect(res.body).toContain('No areas found for “zzzz”');
  });

  it('shows the form without an error when nothing was asked, and a helpful message for an empty search', async () => {
    const bare = await app.inject('/search');
    expectPage(bare);
    expect(bare.body).not.toContain('There is a problem');
    for (const q of ['', '%20%20%20']) {
      const empty = await app.inject(`/search?q=${q}`);
      expectPage(empty);
      expect(empty.body).toContain('There is a problem');
      expect(empty.body).toContain('Enter a name, ODS code or postcode to search for');
      expect(empty.body).toContain('<title>Error: Search for an area');
    }
  });

  it('answers 400 with a helpful message for a search over 100 characters', async () => {
    const res = await app.inject(`/search?q=${'b'.repeat(101)}`);
    expectPage(res, 400);
    expect(res.body).toContain('Search for 100 characters or fewer');
    expect(res.body).not.toContain('b'.repeat(101));
    const ok = await app.inject(`/search?q=${'b'.repeat(100)}`);
    expectPage(ok);
  });

  for (const value of [
    '<script>alert(1)</script>',
    "' OR 1=1 --",
    '"><img src=x onerror=alert(1)>',
    '\u0000\u0007',
    '%',
    'x'.repeat(5000),
  ]) {
    it(`never fails or echoes unescaped: ${JSON.stringify(value.slice(0, 30))}`, async () => {
      const res = await app.inject(`/search?q=${encodeURIComponent(value)}`);
      expect([200, 400]).toContain(res.statusCode);
      expect(res.body).toContain('nhsuk-header');
      expect(res.body).not.toMatch(/<script>alert|<img src=x|x{200}/);
    });
  }

  it('answers 400 for a repeated search', async () => {
    const res = await app.inject('/search?q=a&q=b');
    expectPage(res, 400);
  });
});

describe('visitors who are not signed in (open data only)', () => {
  let anon: FastifyInstance;
  let anonDb: Warehouse;
  beforeAll(async () => {
    ({ app: anon, db: anonDb } = await makeApp(createTestQueries(), null));
  });
  afterAll(async () => {
    await anon.close();
    anonDb.close();
  });

  it('shows an ICB’s open metrics by month, compared with England on open rates, without its sub-ICB locations', async () => {
    const res = await anon.inject('/areas/icb/QMJ');
    expectPage(res);
    const html = res.body;
    // logins and registrations are MI-publication metrics: open at ICB level by month.
    expect(html).toContain('id="tile-logins"');
    expect(html).toContain('id="tile-registrations"');
    // Not in the MI publication, or not in the catalogue: restricted.
    expect(html).not.toContain('id="tile-appointments_cancelled"');
    expect(html).not.toContain('id="tile-pct_registered"');
    expect(html).not.toContain('Appointments cancelled');
    // Logins per 1,000 patients aged 13+ is open data (an MI-publication count over list sizes: issue 11), so
    // the logins tile has its verdict against England and the rate it is on, as the API's summary gives them.
    const logins = html.slice(
      html.indexOf('id="tile-logins"'),
      html.indexOf('</li>', html.indexOf('id="tile-logins"')),
    );
    expect(logins).toMatch(/class="app-tile__basis">[\d,.]+ per 1,000 patients 13\+</);
    expect(logins).toMatch(/data-verdict="(better|similar|worse)"/);
    expect(html).toContain('data-compare=');
    // Sub-ICB locations are not open.
    expect(html).not.toContain('data-children=');
    expect(html).not.toContain('/areas/sub_icb/93C');
    expect(html).toContain('id="access-notice"');
    expect(html).toContain('href="/sign-in?next=%2Fareas%2Ficb%2FQMJ"');
    // The header offers sign-in, not an account.
    expect(html).toMatch(/nhsuk-header__account-link" href="\/sign-in"/);
    expect(html).not.toContain('/sign-out');
  });

  it('shows the same open figures as a signed-in user sees', async () => {
    const signedIn = await app.inject('/areas/icb/QMJ');
    const anonymous = await anon.inject('/areas/icb/QMJ');
    const tile = (html: string, id: string) =>
      /<p class="app-tile__value">([^<]*)/.exec(html.slice(html.indexOf(`id="tile-${id}"`)))![1];
    expect(tile(anonymous.body, 'logins')).toBe(tile(signedIn.body, 'logins'));
    expect(signedIn.body).toContain('id="tile-appointments_cancelled"');
  });

  it('lists a region’s ICBs with counts and open rates (users per 1,000, % registered: issue 11)', async () => {
    const res = await anon.inject('/areas/region/Y56');
    expectPage(res);
    expect(childNames(res.body)).toEqual(
      expect.arrayContaining([
        'NHS North Central London Integrated Care Board',
        'NHS North West London Integrated Care Board',
      ]),
    );
    const table = res.body.slice(
      res.body.indexOf('data-children='),
      res.body.indexOf('</table>', res.body.indexOf('data-children=')),
    );
    expect(table).toContain('data-column="logins"');
    expect(table).toContain('data-column="users"');
    expect(table).toContain('data-column="rate"');
    expect(table).toContain('data-column="registered"');
    const signedIn = await app.inject('/areas/region/Y56');
    expect(signedIn.body).toContain('data-column="rate"');
  });

  it('sorts the visitor’s table by an open rate, in the order of the rates shown', async () => {
    for (const dir of ['desc', 'asc'] as const) {
      const res = await anon.inject(`/areas?sort=rate&dir=${dir}`);
      expectPage(res);
      expect(res.body).toMatch(new RegExp(`aria-sort="${dir}ending" data-column="rate"`));
      const names = childNames(res.body);
      expect(names).toHaveLength(2);
      // The order the staff's rates give (the visitor's are the same without disclosure control).
      const staff = await app.inject(`/areas?sort=rate&dir=${dir}`);
      expect(names).toEqual(childNames(staff.body));
    }
    expect(childNames((await anon.inject('/areas?sort=rate&dir=desc')).body)).toEqual(
      childNames((await anon.inject('/areas?sort=rate&dir=asc')).body).reverse(),
    );
  });

  for (const url of [
    '/?grain=week',
    '/areas?grain=week',
    '/areas/icb/QMJ?grain=week',
    '/areas/region/Y56?grain=week&partial=1',
    '/areas/sub_icb/93C',
    '/areas/pcn/U12345',
    '/areas/practice/F83004',
    '/areas/practice/f83004',
    '/areas/practice/NOSUCH1',
  ]) {
    it(`sends the visitor to sign in (and back) for ${url}`, async () => {
      const res = await anon.inject(url);
      expect(res.statusCode).toBe(303);
      expect(res.headers.location).toBe(`/sign-in?next=${encodeURIComponent(url)}`);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).not.toMatch(/\d{2},\d{3}/);
    });
  }

  it('applies disclosure control to counts below England when OPEN_DATA_DISCLOSURE=on', async () => {
    const { app: sdc, db } = await makeApp(createTestQueries(), null, { OPEN_DATA_DISCLOSURE: 'on' });
    const { app: exact, db: db2 } = await makeApp(createTestQueries(), SIGNED_IN, {
      OPEN_DATA_DISCLOSURE: 'on',
    });
    const value = (html: string, id: string) =>
      Number(
        /<p class="app-tile__value">([^<]*)/
          .exec(html.slice(html.indexOf(`id="tile-${id}"`)))![1]!
          .replace(/,/g, ''),
      );
    const anonymous = (await sdc.inject('/areas/icb/QMJ')).body;
    const signedIn = (await exact.inject('/areas/icb/QMJ')).body;
    const truth = value(signedIn, 'logins');
    // England 2,188,000 × 0.16 (London) × 0.3 (QMJ) = 105,024 logins in October 2026.
    expect(truth).toBe(105_024);
    expect(value(anonymous, 'logins')).toBe(105_025);
    expect(anonymous).not.toContain('105,024');
    // England (the National summary) is never rounded.
    expect((await sdc.inject('/')).body).toContain('2,188,000');
    await sdc.close();
    await exact.close();
    db.close();
    db2.close();
  });

  it('shows counts from 1 to 7 as "*" in open data, under disclosure control', async () => {
    const tiny = [
      {
        ...TEST_METRICS[0]!,
        // × 0.048 at QMJ: 4.8 → 5 in October (suppressed), 9.6 → 10 in September.
        month: [200, 200, 200, 200, 200, 100, 50],
      },
    ];
    const { app: sdc, db } = await makeApp(createTestQueries({ metrics: tiny }), null, {
      OPEN_DATA_DISCLOSURE: 'on',
    });
    const html = (await sdc.inject('/areas/icb/QMJ')).body;
    const tile = html.slice(html.indexOf('id="tile-logins"'));
    expect(/<p class="app-tile__value">([^<]*)/.exec(tile)![1]).toBe('*');
    const start = html.indexOf('data-metric="chart-logins"');
    const text = html
      .slice(start, html.indexOf('</table>', start))
      .replace(/<[^>]*>/g, ' ')
      .replace(/\s+/g, ' ');
    expect(text).toContain('October 2026 * Yes');
    expect(text).toContain('September 2026 10 Yes');
    expect(text).not.toMatch(/ 5 Yes/);
    await sdc.close();
    db.close();
  });
});
