/**
 * `metrics explain ID` (issue 9 item 4) against a small real warehouse and the real app: the YAML line it
 * names really holds the id, its routes are routes the app registers, every page it lists renders the metric,
 * every page that really renders it (found by asking the app, not the explain code) is listed, the cells it
 * counts match the raw events, and an unknown id is a usage error (exit code 2) naming close matches.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WarehouseQueries } from '../app/warehouse-queries.ts';
import { loadConfig, REPO_ROOT } from '../config.ts';
import { getCellCounts } from '../query/cell-counts.ts';
import {
  buildSmallWarehouse,
  FIXTURE_CLOCK,
  type SmallWarehouse,
} from '../../test/support/small-warehouse.ts';
import { buildSignedInApp } from '../../test/support/signed-in.ts';
import { UsageError } from './args.ts';
import { explainMetric, type Explanation, type QueryAt } from './metrics-explain.ts';

let w: SmallWarehouse;
let app: FastifyInstance;

beforeAll(async () => {
  w = await buildSmallWarehouse();
  app = await buildSignedInApp(
    {
      db: w.db,
      config: loadConfig({}),
      clock: FIXTURE_CLOCK,
      queries: new WarehouseQueries(w.db, w.catalogue),
      catalogue: w.catalogue,
    },
    { role: 'admin' },
  );
  await app.ready();
}, 120_000);

afterAll(async () => {
  await app?.close();
  w?.close();
});

const explain = (id: string) =>
  explainMetric(id, { catalogue: w.catalogue, readCells: (m, t) => getCellCounts(w.db, m, t) });

const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&#39;');

/** Sample codes of the small warehouse for the CODE placeholders. */
const CODES: Record<string, string> = {
  region: 'Y56',
  icb: 'QA9',
  sub_icb: '00A',
  pcn: 'U00001',
  practice: 'P00001',
};
const sample = (url: string) =>
  url.replace(
    /(region|icb|sub_icb|pcn|practice)(\/|&code=)CODE/,
    (_, l: string, sep: string) => l + sep + CODES[l],
  );

/** Pages asked whether they show a metric, independently of the explain code. */
function probes(id: string): { route: string; url: string; shows: (body: string) => boolean }[] {
  const tile = (b: string) => b.includes(`id="tile-${id}"`);
  const out = [
    { route: 'GET /', url: '/', shows: tile },
    { route: 'GET /areas/:level/:code', url: '/areas/icb/QA9', shows: tile },
    { route: 'GET /areas/:level/:code', url: '/areas/practice/P00001', shows: tile },
  ];
  // A page that takes the metric as a parameter shows it when it answers 200 for it at some level.
  for (const level of ['region', 'icb', 'sub_icb', 'pcn', 'practice'])
    for (const page of ['map', 'rank', 'data'])
      out.push({ route: `GET /${page}`, url: `/${page}?metric=${id}&level=${level}`, shows: () => true });
  return out;
}

/** The file and line a query is said to be at hold its definition. */
function expectDefinedAt(q: QueryAt) {
  const lines = fs.readFileSync(path.join(REPO_ROOT, q.file), 'utf8').split('\n');
  expect(lines[q.line - 1], q.name).toMatch(
    new RegExp(`^export const \\w+ = query(<[^>]*>)?\\('${q.name}'\\)`),
  );
}

async function check(e: Explanation, expectedName: string) {
  // The YAML line really holds the id.
  expect(e.definedAt).not.toBeNull();
  const lines = fs.readFileSync(path.join(REPO_ROOT, e.definedAt!.file), 'utf8').split('\n');
  expect(lines[e.definedAt!.line - 1]).toBe(`id: ${e.id}`);
  expect(e.name).toBe(expectedName);
  // Every query it names is defined at the line it gives.
  for (const q of e.origin.queries) expectDefinedAt(q);
  // Every route it names is registered by the app.
  const registered = new Set(app.registeredRoutes.map((r) => `${r.method} ${r.url}`));
  for (const s of [...e.pages, ...e.api]) expect(registered, s.route).toContain(s.route);
  // Every page it lists answers, and the page's HTML names the metric.
  for (const s of e.pages) {
    const res = await app.inject(sample(s.url));
    expect(res.statusCode, s.url).toBe(200);
    const type = String(res.headers['content-type']);
    const forIt = s.url.includes(`/${e.id}`) || s.url.includes(`metric=${e.id}`);
    // (The official statistics page names the measure by its label in the publication.)
    if (forIt && type.startsWith('text/html')) expect(res.body, s.url).toContain(escapeHtml(expectedName));
    if (forIt && type.startsWith('text/csv')) expect(res.body, s.url).toContain(e.id);
  }
  for (const s of e.api) expect((await app.inject(sample(s.url))).statusCode, s.url).toBe(200);
  // Every page that really shows it is listed.
  const listed = new Set(e.pages.map((p) => p.route));
  for (const p of probes(e.id)) {
    const res = await app.inject(p.url);
    if (res.statusCode === 200 && p.shows(res.body))
      expect(listed, `${p.url} shows ${e.id}`).toContain(p.route);
  }
}

describe('metrics explain', () => {
  it('follows a unique-users metric from its YAML to its cells and pages', async () => {
    const e = await explain('unique_logins');
    await check(e, 'Unique users logging in to the NHS App');
    expect(e.origin.table).toBe('metric_cell');
    expect(e.origin.queries.map((q) => q.name)).toContain('build.factUniquePeriod');
    // Its kind in the metric model: users are counted again at each level, never summed.
    expect(e.kind).toMatchObject({ model: 'unique_users', rollUp: 'recount', missing: 'zero' });
    // A headline: the tile is on the National summary and area pages (checked against the HTML above).
    expect(e.pages.map((p) => p.route)).toEqual(
      expect.arrayContaining(['GET /', 'GET /areas/:level/:code', 'GET /map', 'GET /rank', 'GET /data']),
    );
    expect(e.rules.openData).toMatch(/^open/);
    expect(e.rules.noData).toMatch(/: 0 /);
    // Cells: England has one per month and per week that had a login (London dates), counted from the events.
    const [{ months, weeks }] = (await w.db.all<{ months: number | bigint; weeks: number | bigint }>(
      `SELECT count(DISTINCT date_trunc('month', event_date)) AS months,
              count(DISTINCT date_trunc('week', event_date)) AS weeks
       FROM activity_event WHERE event_type = 'login'`,
    )) as [{ months: number | bigint; weeks: number | bigint }];
    const england = (grain: string) =>
      e.cells!.find((c) => c.structure === 'current' && c.grain === grain && c.level === 'england')?.cells;
    expect(Number(months)).toBeGreaterThan(9);
    expect(england('month')).toBe(Number(months));
    expect(england('week')).toBe(Number(weeks));
  }, 120_000);

  it('follows a stored ratio of a feed: built from its parts, no headline, nothing stored without POMI', async () => {
    const e = await explain('pomi_patients_enabled_pct');
    await check(e, 'Percentage of GP patients registered for GP online services (Patient Online)');
    expect(e.origin.queries.map((q) => q.name)).toEqual(['build.storedRatio']);
    expect(e.rules.denominator).toBe('pomi_list_size');
    expect(e.rules.noData).toMatch(/no data/);
    expect(e.rules.openData).toMatch(/^not open/);
    expect(e.pages.map((p) => p.route)).not.toContain('GET /');
    // The small warehouse loaded no POMI file: none of its cells are stored.
    expect(e.cells).toEqual([]);
  }, 120_000);

  it('explains every catalogue metric: its id line, SQL files that exist, routes the app registers', async () => {
    const registered = new Set(app.registeredRoutes.map((r) => `${r.method} ${r.url}`));
    for (const m of w.catalogue) {
      const e = await explainMetric(m.id, { catalogue: w.catalogue });
      const lines = fs.readFileSync(path.join(REPO_ROOT, e.definedAt!.file), 'utf8').split('\n');
      expect(lines[e.definedAt!.line - 1], m.id).toBe(`id: ${m.id}`);
      for (const q of e.origin.queries) expectDefinedAt(q);
      for (const s of [...e.pages, ...e.api]) expect(registered, `${m.id}: ${s.route}`).toContain(s.route);
      // Everything the catalogue defines is either built or computed when read.
      expect(e.origin.summary, m.id).not.toMatch(/^not built/);
    }
  });

  it('lists the pages its YAML places it on (shown_on): organ donation, suppliers, rankings', async () => {
    // Only the new pages are asked for (the figure routes' rate limit is shared by the tests of this file).
    const answers = async (url: string) => (await app.inject(url)).statusCode;
    const od = await explain('organ_donation_registrations');
    expect(od.pages.find((p) => p.route === 'GET /areas/:level/:code/organ-donation')?.what).toMatch(
      /shown_on organ_donation: 1\)/,
    );
    expect(od.api.map((p) => p.route)).toContain('GET /api/v1/organ-donation');
    expect(od.pages.map((p) => p.route)).not.toContain('GET /areas/:level/:code/suppliers');
    const rate = await explain('unique_logins_per_1000');
    const partnerPages = [...od.pages, ...od.api, ...rate.pages, ...rate.api].filter((x) =>
      /organ-donation|suppliers/.test(x.route),
    );
    expect(partnerPages).toHaveLength(4);
    for (const s of partnerPages) expect(await answers(s.url), s.url).toBe(200);
    const what = (route: string) => rate.pages.filter((p) => p.route === route).map((p) => p.what);
    expect(what('GET /areas/:level/:code/suppliers')).toEqual([
      expect.stringMatching(/shown_on supplier_rate: 1\)/),
    ]);
    expect(what('GET /rank')).toEqual([expect.stringMatching(/shown_on ranking_link: second\)/)]);
    expect(what('GET /map')).toEqual([expect.stringMatching(/shown_on map_default: 1\)/)]);
    expect(what('GET /areas/:level/:code')).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/column "users_per_1000"/),
        expect.stringMatching(/shown_on practice_rank: 2\)/),
      ]),
    );
    // Not a headline: no tile on the National summary.
    expect(rate.api.map((p) => p.route)).not.toContain('GET /api/v1/summary');
  }, 120_000);

  it('lists no map for an England-only metric, which the map refuses', async () => {
    const e = await explain('downloads');
    expect(e.pages.map((p) => p.route)).not.toContain('GET /map');
    expect((await app.inject('/map?metric=downloads&level=region')).statusCode).toBe(400);
  });

  it('refuses an unknown id with close matches, and the command exits 2', async () => {
    await expect(explain('unique_login')).rejects.toThrow(UsageError);
    await expect(explain('unique_login')).rejects.toThrow(/did you mean: unique_logins\b/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'explain-'));
    try {
      const run = promisify(execFile)(
        process.execPath,
        ['bin/nhs-app-analytics.js', 'metrics', 'explain', 'registrationz'],
        { cwd: REPO_ROOT, env: { ...process.env, DATA_DIR: dir } },
      );
      const err = (await run.then(
        () => null,
        (e: unknown) => e,
      )) as { code: number; stderr: string } | null;
      expect(err?.code).toBe(2);
      expect(err?.stderr).toMatch(/no metric "registrationz".*did you mean: registrations\b/);
      // Explaining never creates a warehouse.
      expect(fs.readdirSync(dir)).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
