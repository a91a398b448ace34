/**
 * Partner services, organ donation and GP system supplier pages and API (issue 14 item 4) against a small real
 * warehouse (test/support/partners-warehouse.ts). Expected figures are counted here from the raw events
 * (activity_event) and the feed's rows as written (FEED_ROWS), never read from the cube.
 */
import { parse } from 'csv-parse/sync';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildPartnersWarehouse,
  FEED_ROWS,
  LIST_SIZES_13PLUS,
  PARTNERS_CLOCK,
  PRACTICES,
  type PartnersWarehouse,
} from '../../../../test/support/partners-warehouse.ts';
import { WarehouseQueries } from '../../../app/warehouse-queries.ts';
import { loadConfig } from '../../../config.ts';
import type { Viewer } from '../../../domain/access.ts';
import { buildApp } from '../../app.ts';
import { openApiDocument } from '../../api/routes.ts';
import { buildAppAs } from '../../../../test/support/signed-in.ts';

const SIGNED_IN: Viewer = { signedIn: true, role: 'viewer', userId: 't1', via: 'session' };

let w: PartnersWarehouse;
let anon: FastifyInstance;
let user: FastifyInstance;
interface Ev {
  type: string;
  practice: string | null;
  date: string;
  user: string;
  provider: string | null;
  service: string | null;
}
let events: Ev[];
beforeAll(async () => {
  w = await buildPartnersWarehouse();
  const deps = {
    db: w.db,
    config: loadConfig({}),
    clock: PARTNERS_CLOCK,
    queries: new WarehouseQueries(w.db, w.catalogue),
    catalogue: w.catalogue,
  };
  anon = await buildApp(deps);
  user = await buildAppAs(deps, SIGNED_IN);
  events = (
    await w.db.all<{
      event_type: string;
      practice_code: string | null;
      event_date: string;
      user_id: string;
      provider: string | null;
      service: string | null;
    }>(
      'SELECT CAST(event_type AS VARCHAR) AS event_type, practice_code, CAST(event_date AS VARCHAR) AS event_date, d.user_id, provider, service FROM activity_event e JOIN user_dim d USING (user_key)',
    )
  ).map((r) => ({
    type: r.event_type,
    practice: r.practice_code,
    date: r.event_date,
    user: r.user_id,
    provider: r.provider,
    service: r.service,
  }));
}, 120_000);
afterAll(async () => {
  await anon?.close();
  await user?.close();
  w?.close();
});

const icbOf = (practice: string | null) => PRACTICES.find((p) => p[0] === practice)?.[3] ?? null;
const regionOf = (practice: string | null) => PRACTICES.find((p) => p[0] === practice)?.[4] ?? null;
const supplierOf = (practice: string) => PRACTICES.find((p) => p[0] === practice)![5] || 'Unknown';
const month = (date: string) => `${date.slice(0, 7)}-01`;
/** The Monday of a date's week. */
function monday(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  return d.toISOString().slice(0, 10);
}
const COMPLETE_MONTHS = ['2026-09-01', '2026-10-01'];

describe('GET /api/v1/partners', () => {
  it('gives an ICB’s jump-offs by provider and service from events, as counted from the raw events', async () => {
    const res = await user.inject('/api/v1/partners?level=icb&code=QA1&source=events');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.area).toEqual({ level: 'icb', code: 'QA1', name: 'ICB QA1', isCurrent: true });
    const [s] = body.sources;
    expect(s.source).toBe('events');
    expect(s.periods.map((p: { periodStart: string }) => p.periodStart)).toEqual(COMPLETE_MONTHS);
    const clicks = events.filter((e) => e.type === 'jump_off' && icbOf(e.practice) === 'QA1');
    const count = (m: string, f: (e: Ev) => boolean) =>
      clicks.filter((e) => month(e.date) === m && f(e)).length;
    expect(s.periods.map((p: { total: number }) => p.total)).toEqual(
      COMPLETE_MONTHS.map((m) => count(m, () => true)),
    );
    const total = COMPLETE_MONTHS.reduce((sum, m) => sum + count(m, () => true), 0);
    expect(total).toBeGreaterThan(10);
    expect(s.total).toBe(total);
    const services = new Set(clicks.map((e) => `${e.provider}|${e.service}`));
    expect(s.services).toHaveLength(services.size);
    for (const line of s.services) {
      const f = (e: Ev) => e.provider === line.provider && e.service === line.service;
      const values = COMPLETE_MONTHS.map((m) => count(m, f));
      expect(line.values).toEqual(values);
      expect(line.total).toBe(values[0]! + values[1]!);
      expect(line.share).toBeCloseTo((values[0]! + values[1]!) / total, 4);
    }
    for (const line of s.providers) {
      const values = COMPLETE_MONTHS.map((m) => count(m, (e) => e.provider === line.provider));
      expect(line.values).toEqual(values);
    }
    // Largest first.
    const totals = s.providers.map((l: { total: number }) => l.total);
    expect(totals).toEqual([...totals].sort((a, b) => b - a));
  });

  it('gives the feed’s weeks, Cie variants with the plain service, and weeks the feed does not cover as no data', async () => {
    const res = await user.inject(
      '/api/v1/partners?level=icb&code=QA1&source=feed&grain=week&from=2026-09-28&to=2026-11-08',
    );
    expect(res.statusCode).toBe(200);
    const [s] = res.json().sources;
    expect(s.feedDays).toEqual({ first: '2026-10-05', last: '2026-11-08' });
    const weeks = ['2026-09-28', '2026-10-05', '2026-10-12', '2026-10-19', '2026-10-26', '2026-11-02'];
    expect(s.periods.map((p: { periodStart: string }) => p.periodStart)).toEqual(weeks);
    const inIcb = FEED_ROWS.filter((r) => icbOf(r[1]) === 'QA1');
    const sum = (week: string, f: (r: (typeof FEED_ROWS)[number]) => boolean = () => true) =>
      inIcb.filter((r) => monday(r[0]) === week && f(r)).reduce((t, r) => t + r[4], 0);
    expect(s.periods.map((p: { total: number | null }) => p.total)).toEqual([
      null,
      sum('2026-10-05'),
      null,
      null,
      null,
      sum('2026-11-02'),
    ]);
    const pkb = s.services.find((l: { provider: string }) => l.provider === 'Patients Know Best');
    expect(pkb.service).toBe('messages');
    expect(s.services).toHaveLength(2);
    expect(pkb.values).toEqual([
      null,
      sum('2026-10-05', (r) => r[2] === 'Patients Know Best'),
      null,
      null,
      null,
      sum('2026-11-02', (r) => r[2] === 'Patients Know Best'),
    ]);
  });

  it('answers CSV with one row per period and service, and a blank row for a period with no data', async () => {
    const res = await user.inject(
      '/api/v1/partners?level=icb&code=QA1&source=feed&grain=week&from=2026-09-28&to=2026-10-11&format=csv',
    );
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    const rows = parse(res.body, { columns: true }) as Record<string, string>[];
    expect(rows[0]).toMatchObject({ source: 'feed', periodStart: '2026-09-28', clicks: '', provider: '' });
    const week = rows.filter((r) => r.periodStart === '2026-10-05');
    const accurx = FEED_ROWS.filter((r) => r[1] === 'A00002' && monday(r[0]) === '2026-10-05').reduce(
      (t, r) => t + r[4],
      0,
    );
    expect(week.find((r) => r.provider === 'Accurx Limited')?.clicks).toBe(String(accurx));
  });

  it('refuses bad parameters with a 400 naming them, an unknown area with a 404', async () => {
    for (const [url, param] of [
      ['/api/v1/partners?level=icb&code=QA1&grain=day', 'grain'],
      ['/api/v1/partners?level=icb&code=QA1&source=twitter', 'source'],
      ['/api/v1/partners?level=icb&code=QA1&from=2026-02-30', 'from'],
      ['/api/v1/organ-donation?level=ward&code=QA1', 'level'],
      ['/api/v1/suppliers?level=icb', 'code'],
      ['/api/v1/suppliers?level=icb&code=QA1&from=2026-10-01&to=2026-09-01', 'from'],
      ['/api/v1/organ-donation?level=icb&code=QA1&colour=red', 'colour'],
    ] as const) {
      const res = await user.inject(url);
      expect(res.statusCode, url).toBe(400);
      expect(res.json().message, url).toContain(param);
    }
    const missing = await user.inject('/api/v1/partners?level=icb&code=QZZ');
    expect(missing.statusCode).toBe(404);
  });

  it('gives visitors nothing: these figures need sign-in (401), at every level and grain', async () => {
    for (const url of [
      '/api/v1/partners',
      '/api/v1/partners?level=region&code=Y56&source=feed',
      '/api/v1/organ-donation',
      '/api/v1/organ-donation?level=icb&code=QA1',
      '/api/v1/suppliers',
      '/api/v1/suppliers?level=region&code=Y56',
    ]) {
      const res = await anon.inject(url);
      expect(res.statusCode, url).toBe(401);
      expect(res.body).not.toMatch(/"total"|"value"/);
    }
  });

  it('counts towards the figure routes’ rate limit (pages and API), though declared signed-in', async () => {
    // A user of its own (a new session and user): the limit is per user.
    const limited = await buildAppAs(
      {
        db: w.db,
        config: loadConfig({ FIGURE_RATE_LIMIT_PER_USER: '2' }),
        clock: PARTNERS_CLOCK,
        queries: new WarehouseQueries(w.db, w.catalogue),
        catalogue: w.catalogue,
      },
      SIGNED_IN,
    );
    try {
      expect((await limited.inject('/api/v1/partners?level=icb&code=QA2')).statusCode).toBe(200);
      expect((await limited.inject('/areas/icb/QA2/suppliers')).statusCode).toBe(200);
      expect((await limited.inject('/api/v1/organ-donation?level=icb&code=QA2')).statusCode).toBe(429);
      expect((await limited.inject('/areas/icb/QA2/partners')).statusCode).toBe(429);
    } finally {
      await limited.close();
    }
  });

  it('is described in the OpenAPI document', () => {
    const paths = openApiDocument().paths as Record<string, unknown>;
    for (const p of ['/api/v1/partners', '/api/v1/organ-donation', '/api/v1/suppliers'])
      expect(paths[p]).toBeDefined();
  });
});

describe('GET /api/v1/organ-donation', () => {
  it('gives a region’s four actions per month, as counted from the raw events', async () => {
    const res = await user.inject('/api/v1/organ-donation?level=region&code=Y56');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.periods.map((p: { periodStart: string }) => p.periodStart)).toEqual(COMPLETE_MONTHS);
    const types: Record<string, string> = {
      organ_donation_registrations: 'organ_donation_registered',
      organ_donation_updates: 'organ_donation_updated',
      organ_donation_withdrawals: 'organ_donation_withdrawn',
      organ_donation_lookups: 'organ_donation_lookup',
    };
    expect(body.metrics.map((m: { metric: string }) => m.metric)).toEqual(Object.keys(types));
    let all = 0;
    for (const m of body.metrics) {
      const values = COMPLETE_MONTHS.map(
        (mo) =>
          events.filter(
            (e) => e.type === types[m.metric] && regionOf(e.practice) === 'Y56' && month(e.date) === mo,
          ).length,
      );
      expect(m.values).toEqual(values);
      expect(m.total).toBe(values[0]! + values[1]!);
      all += m.total;
    }
    expect(all).toBeGreaterThan(5);
    const csv = await user.inject('/api/v1/organ-donation?level=region&code=Y56&format=csv');
    const rows = parse(csv.body, { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => r.organ_donation_lookups)).toEqual(
      body.metrics[3].values.map((v: number) => String(v)),
    );
  });
});

describe('GET /api/v1/suppliers', () => {
  it('groups England’s practices by supplier with rates over list sizes and counts, as worked out from the events', async () => {
    const res = await user.inject('/api/v1/suppliers?grain=month');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.suppliers.map((g: { supplier: string }) => g.supplier)).toEqual(['EMIS', 'TPP', 'Unknown']);
    for (const g of body.suppliers) {
      const members = PRACTICES.filter((p) => supplierOf(p[0]) === g.supplier).map((p) => p[0]);
      expect(g.practices).toBe(members.length);
      const withList = members.filter((p) => LIST_SIZES_13PLUS[p] !== undefined);
      const patients = withList.reduce((t, p) => t + LIST_SIZES_13PLUS[p]!, 0);
      const logins = (ps: string[], mo: string) =>
        events.filter((e) => e.type === 'login' && ps.includes(e.practice!) && month(e.date) === mo).length;
      // Users: distinct per practice, summed over the group's practices.
      const users = (ps: string[], mo: string) =>
        ps.reduce(
          (t, p) =>
            t +
            new Set(
              events
                .filter((e) => e.type === 'login' && e.practice === p && month(e.date) === mo)
                .map((e) => e.user),
            ).size,
          0,
        );
      const byMetric = Object.fromEntries(g.figures.map((f: { metric: string }) => [f.metric, f]));
      COMPLETE_MONTHS.forEach((mo, i) => {
        const l = byMetric.logins_per_1000.points[i];
        expect(l.periodStart).toBe(mo);
        expect(l.count).toBe(logins(members, mo));
        expect(l.numerator).toBe(logins(withList, mo));
        expect(l.denominator).toBe(patients);
        // One decimal place, the rounding rule for rates per 1,000.
        expect(l.value).toBe(Math.round((logins(withList, mo) / patients) * 10_000) / 10);
        const u = byMetric.unique_logins_per_1000.points[i];
        expect(u.count).toBe(users(members, mo));
        expect(u.value).toBe(Math.round((users(withList, mo) / patients) * 10_000) / 10);
      });
    }
  });

  it('gives one ICB’s practices only', async () => {
    const body = (await user.inject('/api/v1/suppliers?level=icb&code=QA2&format=json')).json();
    expect(
      body.suppliers.map((g: { supplier: string; practices: number }) => [g.supplier, g.practices]),
    ).toEqual([['Unknown', 1]]);
  });
});

describe('the pages', () => {
  const cellsOf = (html: string, tableId: string) => {
    const table = html.slice(html.indexOf(`id="${tableId}"`));
    const body = table.slice(0, table.indexOf('</table>'));
    return [...body.matchAll(/<tr class="nhsuk-table__row">([\s\S]*?)<\/tr>/g)].map((m) =>
      [...m[1]!.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((c) => c[1]!.trim()),
    );
  };

  /** The breadcrumb links of a page: [text, href]. */
  const crumbsOf = (html: string) => {
    const nav = html.slice(html.indexOf('id="breadcrumbs"'));
    const list = nav.slice(0, nav.indexOf('</nav>'));
    return [...list.matchAll(/<a class="nhsuk-breadcrumb__link" href="([^"]*)">\s*([^<]*?)\s*<\/a>/g)].map(
      (m) => [m[2]!, m[1]!],
    );
  };

  it('leads back the way the area’s own page does: its trail, then the area itself', async () => {
    for (const [level, code] of [
      ['practice', 'A00003'],
      ['icb', 'QA1'],
    ]) {
      const own = await user.inject(`/areas/${level}/${code}`);
      const trail = crumbsOf(own.body);
      expect(trail[0]).toEqual(['England', '/']);
      for (const sub of ['partners', 'organ-donation', 'suppliers']) {
        const res = await user.inject(`/areas/${level}/${code}/${sub}`);
        expect(res.statusCode, sub).toBe(200);
        const crumbs = crumbsOf(res.body);
        expect(crumbs.slice(0, -1), `${level} ${sub}`).toEqual(trail);
        expect(crumbs.at(-1)![1]).toBe(`/areas/${level}/${code}`);
      }
    }
    // England's subpages lead to the National summary.
    expect(crumbsOf((await user.inject('/areas/england/E92000001/partners')).body)).toEqual([
      ['England', '/'],
    ]);
  });

  it('shows an ICB’s jump-offs by provider from events and the feed, with no data for weeks the feed does not cover', async () => {
    const res = await user.inject('/areas/icb/QA1/partners?grain=week&from=2026-09-28&to=2026-11-08');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    const html = res.body;
    expect(html).toContain('From activity events');
    expect(html).toContain('From the NHS integrated partners feed');
    const feedTrend = cellsOf(html, 'partners-feed-trend');
    const byPeriod = Object.fromEntries(feedTrend.slice(1).map((r) => [r[0], r[1]]));
    expect(byPeriod['Week commencing 12 October 2026']).toBe('No data');
    const week = FEED_ROWS.filter((r) => icbOf(r[1]) === 'QA1' && monday(r[0]) === '2026-10-05').reduce(
      (t, r) => t + r[4],
      0,
    );
    expect(byPeriod['Week commencing 5 October 2026']).toBe(String(week));
    // Providers from events, with their share of the total.
    const clicks = events.filter(
      (e) =>
        e.type === 'jump_off' &&
        icbOf(e.practice) === 'QA1' &&
        e.date >= '2026-09-28' &&
        e.date <= '2026-11-08',
    );
    const providers = cellsOf(html, 'partners-events-providers').slice(1);
    expect(providers.length).toBe(new Set(clicks.map((e) => e.provider)).size);
    for (const [name, total, pct, change] of providers) {
      const n = clicks.filter((e) => e.provider === name).length;
      expect(total).toBe(n.toLocaleString('en-GB'));
      expect(pct).toBe(`${((n / clicks.length) * 100).toFixed(1)}%`);
      // Six weeks hold no year-earlier weeks to compare with: no change, rather than one from nothing.
      expect(change).toBe('–');
    }
    expect(cellsOf(html, 'partners-events-providers')[0]![3]).toBe('Last 4 weeks on a year earlier');
    // Services read in sentence case, as the original workbook showed them; each service the events name.
    const services = cellsOf(html, 'partners-events-services').slice(1);
    const named = new Set(clicks.map((e) => `${e.provider}|${e.service}`));
    expect(services.length).toBe(named.size);
    for (const [provider, service] of services) {
      expect(service, provider).toMatch(/^[A-Z][a-z0-9 ]*$/);
      const raw = [...named].find((k) => {
        const [p, s] = k.split('|') as [string, string];
        return p === provider && s.toLowerCase() === service!.replaceAll(' ', '').toLowerCase();
      });
      expect(raw, `${provider} ${service}`).toBeDefined();
    }
    expect(html).not.toContain('a year earlier (');
    expect(html).toContain(
      'href="/api/v1/partners?level=icb&amp;code=QA1&amp;grain=week&amp;from=2026-09-28&amp;to=2026-11-08&amp;source=feed&amp;format=csv"',
    );
    expect(html).toMatch(/<svg[^>]+role="img"/);
  });

  it('shows England’s organ donation and supplier pages with tables matching the events', async () => {
    const od = await user.inject('/areas/england/E92000001/organ-donation');
    expect(od.statusCode).toBe(200);
    const rows = cellsOf(od.body, 'od-totals').slice(1);
    const n = (type: string) =>
      events.filter((e) => e.type === type && COMPLETE_MONTHS.includes(month(e.date))).length;
    expect(rows).toEqual([
      ['Organ donation registrations', String(n('organ_donation_registered'))],
      ['Organ donation updates', String(n('organ_donation_updated'))],
      ['Organ donation withdrawals', String(n('organ_donation_withdrawn'))],
      ['Organ donation look-ups', String(n('organ_donation_lookup'))],
    ]);
    const sup = await user.inject('/areas/england/E92000001/suppliers');
    expect(sup.statusCode).toBe(200);
    const latest = cellsOf(sup.body, 'suppliers-latest').slice(1);
    expect(latest.map((r) => r[0])).toEqual(['EMIS', 'TPP', 'Unknown']);
    const tppLogins = events.filter(
      (e) => e.type === 'login' && e.practice === 'A00002' && month(e.date) === '2026-10-01',
    ).length;
    // Logins per 1,000 for TPP (A00002, 500 patients aged 13+), to one decimal place.
    expect(latest[1]![3]).toBe(((tppLogins / 500) * 1000).toFixed(1));
  });

  it('shows a practice without a list size with counts but no rate (no data, not 0)', async () => {
    const res = await user.inject('/areas/practice/A00003/suppliers');
    expect(res.statusCode).toBe(200);
    const [row] = cellsOf(res.body, 'suppliers-latest').slice(1);
    const logins = events.filter(
      (e) => e.type === 'login' && e.practice === 'A00003' && month(e.date) === '2026-10-01',
    ).length;
    // Supplier, practices, three rates, three counts, patients.
    expect(row!.slice(0, 5)).toEqual(['EMIS', '1', 'No data', 'No data', 'No data']);
    expect(row![6]).toBe(String(logins));
    expect(row![8]).toBe('No data');
  });

  it('answers bad parameters with a 400 naming them, an unknown area with a 404, and sends visitors to sign in', async () => {
    const bad = await user.inject('/areas/icb/QA1/organ-donation?grain=fortnight');
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('grain');
    const badDate = await user.inject('/areas/icb/QA1/suppliers?from=2026-02-31');
    expect(badDate.statusCode).toBe(400);
    expect(badDate.body).toContain('from');
    const reversed = await user.inject('/areas/icb/QA1/partners?from=2026-10-01&to=2026-09-01');
    expect(reversed.statusCode).toBe(400);
    expect((await user.inject('/areas/icb/QZZ/partners')).statusCode).toBe(404);
    for (const url of [
      '/areas/icb/QA1/partners',
      '/areas/region/Y56/organ-donation',
      '/areas/england/E92000001/suppliers',
    ]) {
      const res = await anon.inject(url);
      expect(res.statusCode, url).toBeGreaterThanOrEqual(300);
      expect(res.statusCode, url).toBeLessThan(400);
      expect(res.headers.location, url).toMatch(/^\/sign-in/);
    }
  });

  it('is linked from the area page', async () => {
    const res = await user.inject('/areas/icb/QA1');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('href="/areas/icb/QA1/partners"');
    expect(res.body).toContain('href="/areas/icb/QA1/organ-donation"');
    expect(res.body).toContain('href="/areas/icb/QA1/suppliers"');
  });
});
