/**
 * Rankings against an independent brute-force computation over the raw events of a small real warehouse
 * (test/support/api-warehouse.ts: 14 practices, QA1 + QA2 merged into QA9 in August 2026, P00014 closed in
 * June, P00013 without a list size, demo scale 0.5). The expected figures are counted from activity_event
 * and the builder's list sizes (13+ = 200 + 97 i, all ages = 400 + 97 i), never from the cube.
 */
import { parse } from 'csv-parse/sync';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildTestWarehouse,
  TEST_CLOCK,
  TEST_DEMO_SCALE,
  type TestWarehouse,
} from '../../../../test/support/api-warehouse.ts';
import { WarehouseQueries } from '../../../app/warehouse-queries.ts';
import { loadConfig } from '../../../config.ts';
import { getPracticeContext } from '../../../query/practice-context.ts';
import { competitionRanks, exclusionNote, getRanking, RankingError } from '../../../query/ranking.ts';
import { practiceContextView } from '../area/practice-context.ts';
import { buildRankingView } from './view.ts';
import { buildApp } from '../../app.ts';
import { RANKING_CSV_COLUMNS } from '../../api/ranking-routes.ts';
import { openApiDocument } from '../../api/routes.ts';
import { buildAppPair, testWarehouseDeps, type AppPair } from '../../../../test/support/test-apps.ts';

let w: TestWarehouse;
let apps: AppPair;
let anon: FastifyInstance;
let user: FastifyInstance;
beforeAll(async () => {
  w = await buildTestWarehouse();
  apps = await buildAppPair(testWarehouseDeps(w));
  ({ anon, user } = apps);
}, 120_000);
afterAll(async () => {
  await apps?.close();
  w?.close();
});

const index = (code: string) => Number(code.slice(1));
const patients13 = (code: string) => (index(code) === 13 ? null : 200 + index(code) * 97);
const patientsAll = (code: string) => (index(code) === 13 ? null : 400 + index(code) * 97);
/** ICB as recorded in January and today (the August release; P00014 keeps its January ICB). */
const icbJan = (code: string) => (index(code) <= 3 ? 'QA1' : index(code) <= 9 ? 'QA2' : 'QA3');
const icbNow = (code: string) => (index(code) <= 9 ? 'QA9' : 'QA3');

/** Logins per practice code and month, straight from the raw events. */
async function loginsByPracticeMonth(): Promise<Map<string, number>> {
  const rows = await w.db.all<{ practice_code: string; event_date: string }>(
    "SELECT practice_code, CAST(event_date AS VARCHAR) AS event_date FROM activity_event WHERE event_type = 'login' AND practice_code IS NOT NULL",
  );
  const out = new Map<string, number>();
  for (const r of rows) {
    const key = `${r.practice_code}|${r.event_date.slice(0, 7)}-01`;
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
}

function bruteRanks(values: Map<string, number | null>): Map<string, number | null> {
  const list = [...values.values()].filter((v): v is number => v !== null);
  return new Map([...values].map(([k, v]) => [k, v === null ? null : list.filter((x) => x > v).length + 1]));
}

describe('getRanking', () => {
  it('ranks practices in an ICB on a rate per 1,000 exactly as counted from the events', async () => {
    const logins = await loginsByPracticeMonth();
    const ranking = await getRanking(w.db, w.catalogue, {
      metricId: 'logins_per_1000',
      level: 'practice',
      within: { level: 'icb', code: 'QA9' },
      grain: 'month',
      period: '2026-10-15',
      minListSize: 0,
    });
    expect(ranking.periodStart).toBe('2026-10-01');
    expect(ranking.previousPeriodStart).toBe('2026-09-01');
    expect(ranking.note).toBeNull();
    const members = Array.from({ length: 9 }, (_, i) => `P0000${i + 1}`);
    expect(ranking.rows.map((r) => r.code).sort()).toEqual(members);
    const rate = (code: string, month: string) => {
      const p = patients13(code);
      return p === null ? null : ((logins.get(`${code}|${month}`) ?? 0) / (p * TEST_DEMO_SCALE)) * 1000;
    };
    const expected = new Map(members.map((c) => [c, rate(c, '2026-10-01')]));
    const ranks = bruteRanks(expected);
    for (const row of ranking.rows) {
      expect(row.value).toBeCloseTo(expected.get(row.code)!, 9);
      expect(row.count).toBe(logins.get(`${row.code}|2026-10-01`) ?? 0);
      expect(row.patients13plus).toBe(patients13(row.code));
      expect(row.patientsAll).toBe(patientsAll(row.code));
      expect(row.rank).toBe(ranks.get(row.code));
      const prev = rate(row.code, '2026-09-01')!;
      expect(row.previousValue).toBeCloseTo(prev, 9);
      expect(row.change).toBeCloseTo(expected.get(row.code)! - prev, 9);
      // Complete months January to October: 10 points, oldest first.
      expect(row.series.map((s) => s.periodStart)).toEqual(
        Array.from({ length: 10 }, (_, i) => `2026-${String(i + 1).padStart(2, '0')}-01`),
      );
      for (const s of row.series) expect(s.value).toBeCloseTo(rate(row.code, s.periodStart)!, 9);
    }
    // 95% interval by Byar's method on the count, and the verdict against England's rate, worked out here.
    const z = 1.959964;
    const england = members
      .concat(['P00010', 'P00011', 'P00012'])
      .filter((c) => patients13(c) !== null)
      .reduce(
        (acc, c) => ({
          n: acc.n + (logins.get(`${c}|2026-10-01`) ?? 0),
          d: acc.d + patients13(c)! * TEST_DEMO_SCALE,
        }),
        { n: 0, d: 0 },
      );
    const englandRate = (england.n / england.d) * 1000;
    expect(ranking.england.value).toBeCloseTo(englandRate, 9);
    const verdicts = new Set<string>();
    for (const row of ranking.rows) {
      const o = row.count!;
      const d = patients13(row.code)! * TEST_DEMO_SCALE;
      const lower = o === 0 ? 0 : o * (1 - 1 / (9 * o) - z / (3 * Math.sqrt(o))) ** 3;
      const upper = (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * Math.sqrt(o + 1))) ** 3;
      expect(row.lowerCi95).toBeCloseTo((lower / d) * 1000, 9);
      expect(row.upperCi95).toBeCloseTo((upper / d) * 1000, 9);
      const verdict =
        (lower / d) * 1000 > englandRate ? 'better' : (upper / d) * 1000 < englandRate ? 'worse' : 'similar';
      expect(row.comparedWithEngland).toBe(verdict);
      verdicts.add(verdict);
    }
    expect(verdicts.size).toBeGreaterThan(1);
    // Sorted by rank.
    const shownRanks = ranking.rows.map((r) => r.rank!);
    expect(shownRanks).toEqual([...shownRanks].sort((a, b) => a - b));
  });

  it('leaves out closed and small practices by default and counts them in the note', async () => {
    const october = await getRanking(w.db, w.catalogue, {
      metricId: 'logins',
      level: 'practice',
      within: { level: 'england', code: 'E92000001' },
      grain: 'month',
      period: '2026-10-01',
    });
    // All ages 400 + 97 i < 1,000 for i ≤ 6; P00014 is not in the August release; P00013 (no list size) stays.
    expect(october.excluded).toMatchObject({ closed: 1, notYetOpen: 0, smallList: 6, total: 7 });
    expect(october.note).toBe('7 practices left out: 1 closed, 6 with fewer than 1,000 patients');
    expect(october.rows.map((r) => r.code).sort()).toEqual([
      'P00007',
      'P00008',
      'P00009',
      'P00010',
      'P00011',
      'P00012',
      'P00013',
    ]);
    // In March the January release is in force: P00014 was open and is ranked; a threshold of 0 keeps all.
    const march = await getRanking(w.db, w.catalogue, {
      metricId: 'logins',
      level: 'practice',
      within: { level: 'england', code: 'E92000001' },
      grain: 'month',
      period: '2026-03-01',
      minListSize: 0,
    });
    expect(march.excluded.total).toBe(0);
    expect(march.note).toBeNull();
    expect(march.rows).toHaveLength(14);
    const higher = await getRanking(w.db, w.catalogue, {
      metricId: 'logins',
      level: 'practice',
      within: { level: 'england', code: 'E92000001' },
      grain: 'month',
      period: '2026-03-01',
      minListSize: 1200,
    });
    // 400 + 97 i < 1,200 for i ≤ 8.
    expect(higher.note).toBe('8 practices left out: 8 with fewer than 1,200 patients');
  });

  it('ranks ICBs on both structures: today (merged) and as recorded at the time', async () => {
    const logins = await loginsByPracticeMonth();
    const sum = (icbOf: (c: string) => string, month: string) => {
      const out = new Map<string, number>();
      for (const [key, n] of logins) {
        const [code, m] = key.split('|') as [string, string];
        if (m !== month || !/^P\d{5}$/.test(code) || index(code) > 14) continue;
        out.set(icbOf(code), (out.get(icbOf(code)) ?? 0) + n);
      }
      return out;
    };
    const today = await getRanking(w.db, w.catalogue, {
      metricId: 'logins',
      level: 'icb',
      within: { level: 'england', code: 'E92000001' },
      grain: 'month',
      period: '2026-03-01',
    });
    const expectedToday = sum(icbNow, '2026-03-01');
    expect(Object.fromEntries(today.rows.map((r) => [r.code, r.value]))).toEqual(
      Object.fromEntries(expectedToday),
    );
    const recorded = await getRanking(w.db, w.catalogue, {
      metricId: 'logins',
      level: 'icb',
      within: { level: 'region', code: 'Y56' },
      grain: 'month',
      period: '2026-03-01',
      structure: 'as_recorded',
    });
    const expectedJan = sum(icbJan, '2026-03-01');
    expect(recorded.rows.map((r) => r.code).sort()).toEqual(['QA1', 'QA2']);
    for (const r of recorded.rows) expect(r.value).toBe(expectedJan.get(r.code));
    expect(recorded.rows[0]!.rank).toBe(1);
  });

  it('gives no figures, not zeros, for a feed that was never loaded', async () => {
    const ranking = await getRanking(w.db, w.catalogue, {
      metricId: 'snapshot_logins',
      level: 'practice',
      within: { level: 'icb', code: 'QA3' },
      grain: 'month',
      minListSize: 0,
    });
    expect(ranking.hasFigures).toBe(false);
    expect(ranking.rows.length).toBeGreaterThan(0);
    for (const r of ranking.rows) {
      expect(r.comparedWithEngland).toBe('not-compared');
      expect(r.value).toBeNull();
      expect(r.rank).toBeNull();
      expect(r.series.every((s) => s.value === null)).toBe(true);
    }
  });

  it.each([
    [{ level: 'icb' as const, within: { level: 'icb' as const, code: 'QA9' } }, 400, 'level'],
    [{ metricId: 'no_such_metric' }, 404, 'metric'],
    [{ within: { level: 'icb' as const, code: 'ZZZ' } }, 404, 'within'],
    [{ period: '2026-11-01' }, 400, 'period'],
    [{ period: '2025-01-01' }, 400, 'period'],
    [{ structure: 'as_recorded' as const }, 400, 'structure'],
    [{ minListSize: -1 }, 400, 'minListSize'],
  ])('refuses %j with %i naming %s', async (change, status, param) => {
    const req = {
      metricId: 'unique_logins_per_1000',
      level: 'practice' as const,
      within: { level: 'icb' as const, code: 'QA9' },
      grain: 'month' as const,
      ...change,
    };
    const err = await getRanking(w.db, w.catalogue, req).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RankingError);
    expect((err as RankingError).status).toBe(status);
    expect((err as RankingError).param).toBe(param);
  });
});

describe('ranking helpers', () => {
  it('shares ranks between ties and leaves missing values unranked', () => {
    expect(competitionRanks([5, 9, null, 5, 1])).toEqual([2, 1, null, 2, 4]);
  });
  it('words the note', () => {
    expect(exclusionNote('practice', { closed: 3, notYetOpen: 0, smallList: 9 }, 1000)).toBe(
      '12 practices left out: 3 closed, 9 with fewer than 1,000 patients',
    );
    expect(exclusionNote('icb', { closed: 1, notYetOpen: 0, smallList: 0 }, 1000)).toBe(
      '1 ICB left out: 1 closed',
    );
    expect(exclusionNote('practice', { closed: 0, notYetOpen: 0, smallList: 0 }, 1000)).toBeNull();
  });
});

describe('GET /api/v1/ranking', () => {
  const url =
    '/api/v1/ranking?metric=logins_per_1000&level=practice&within=icb:qa9&period=2026-10-15&minListSize=0';

  it('answers the ranking rounded at the edge, and the same rows as CSV with code and name', async () => {
    const res = await user.inject(url);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    const ranking = await getRanking(w.db, w.catalogue, {
      metricId: 'logins_per_1000',
      level: 'practice',
      within: { level: 'icb', code: 'QA9' },
      grain: 'month',
      period: '2026-10-01',
      minListSize: 0,
    });
    expect(body).toMatchObject({
      metric: 'logins_per_1000',
      level: 'practice',
      within: { level: 'icb', code: 'QA9', name: 'ICB QA9' },
      periodStart: '2026-10-01',
      minListSize: 0,
      note: null,
    });
    expect(body.data).toHaveLength(9);
    ranking.rows.forEach((r, i) => {
      const row = body.data[i];
      expect(row.code).toBe(r.code);
      expect(row.rank).toBe(r.rank);
      expect(row.value).toBe(Math.round(r.value! * 10) / 10);
      expect(row.lowerCi95).toBe(Math.round(r.lowerCi95! * 10) / 10);
      expect(Number.isInteger(row.count)).toBe(true);
      expect(row.series).toHaveLength(10);
    });
    const csvRes = await user.inject(`${url}&format=csv`);
    expect(csvRes.statusCode).toBe(200);
    expect(csvRes.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csvRes.headers['content-disposition']).toBe(
      // Demo data (the test warehouse): the file says so in its name (demo-downloads.ts).
      'attachment; filename="synthetic-demo_ranking-logins_per_1000-practice-QA9-month-2026-10-01.csv"',
    );
    const header = csvRes.body.split('\r\n')[0]!.split(',');
    expect(header).toEqual([...RANKING_CSV_COLUMNS]);
    expect(header.slice(0, 5)).toEqual([
      'area_code',
      'area_name',
      'area_place_name',
      'area_level',
      'area_ons_code',
    ]);
    const rows = parse(csvRes.body, { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => [r.rank, r.area_code, r.area_name, r.value])).toEqual(
      body.data.map((r: { rank: number; code: string; name: string; value: number }) => [
        String(r.rank),
        r.code,
        r.name,
        String(r.value),
      ]),
    );
  });

  it('names sub-ICB locations by their place (docs/adr/0028): placeName in the API, the label on the page', async () => {
    const body = (await user.inject('/api/v1/ranking?metric=logins&level=sub_icb&period=2026-10-01')).json();
    const bolton = body.data.find((r: { code: string }) => r.code === '00T');
    expect(bolton).toMatchObject({ name: 'Sub-ICB 00T', placeName: 'Bolton' });
    expect(body.data.find((r: { code: string }) => r.code === '00A').placeName).toBeNull();
    const page = await user.inject('/rank?metric=logins&level=sub_icb&period=2026-10-01');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Bolton — Sub-ICB 00T');
  });

  it('lists the practices left out by default in the note', async () => {
    const body = (await user.inject('/api/v1/ranking?metric=logins&level=practice&period=2026-10-01')).json();
    expect(body.note).toBe('7 practices left out: 1 closed, 6 with fewer than 1,000 patients');
    expect(body.excluded).toEqual({ closed: 1, notYetOpen: 0, smallList: 6, total: 7 });
  });

  it.each([
    ['no metric', '/api/v1/ranking?level=practice', 400, /metric/],
    ['bad within', '/api/v1/ranking?metric=logins&level=practice&within=QA9', 400, /within/],
    ['level not below', '/api/v1/ranking?metric=logins&level=icb&within=icb:QA9', 400, /querystring\/level/],
    [
      'partial period',
      '/api/v1/ranking?metric=logins&level=icb&period=2026-11-01',
      400,
      /querystring\/period/,
    ],
    ['not a date', '/api/v1/ranking?metric=logins&level=icb&period=2026-02-30', 400, /querystring\/period/],
    ['negative size', '/api/v1/ranking?metric=logins&level=icb&minListSize=-1', 400, /minListSize/],
    [
      'rate as recorded',
      '/api/v1/ranking?metric=logins_per_1000&level=icb&structure=as-recorded',
      400,
      /structure/,
    ],
    ['unknown parameter', '/api/v1/ranking?metric=logins&level=icb&sort=x', 400, /./],
    ['unknown metric', '/api/v1/ranking?metric=nope&level=icb', 404, /querystring\/metric/],
    [
      'unknown area',
      '/api/v1/ranking?metric=logins&level=practice&within=icb:ZZZ',
      404,
      /querystring\/within/,
    ],
  ])('%s: %s answers %i', async (_name, bad, status, message) => {
    const res = await user.inject(bad);
    expect(res.statusCode, res.body).toBe(status);
    expect(res.json().message).toMatch(message);
  });

  it('needs sign-in for figures that are not open data', async () => {
    expect((await anon.inject(url)).statusCode).toBe(401);
    const open = await anon.inject('/api/v1/ranking?metric=logins&level=icb&within=region:Y56');
    expect(open.statusCode, open.body).toBe(200);
    expect(open.headers['cache-control']).toBe('public, max-age=300');
    expect((await anon.inject('/api/v1/ranking?metric=logins&level=icb&grain=week')).statusCode).toBe(401);
  });

  it('under disclosure control, gives visitors no ranking of counts and rounds the counts behind a rate', async () => {
    const guarded = await buildApp({
      db: w.db,
      config: loadConfig({ OPEN_DATA_DISCLOSURE: 'on' }),
      clock: TEST_CLOCK,
      queries: new WarehouseQueries(w.db, w.catalogue),
      catalogue: w.catalogue,
    });
    try {
      expect((await guarded.inject('/api/v1/ranking?metric=logins&level=icb')).statusCode).toBe(401);
      const res = await guarded.inject('/api/v1/ranking?metric=registered_pct_13plus&level=icb');
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['cache-control']).not.toMatch(/public/);
      for (const row of res.json().data as { count: number | null }[])
        expect(row.count === null || row.count % 5 === 0).toBe(true);
    } finally {
      await guarded.close();
    }
  });

  it('is described in the OpenAPI document', () => {
    const doc = openApiDocument() as { paths: Record<string, { get: { parameters: { name: string }[] } }> };
    expect(doc.paths['/api/v1/ranking']!.get.parameters.map((p) => p.name)).toEqual(
      expect.arrayContaining(['metric', 'level', 'within', 'period', 'grain', 'minListSize', 'format']),
    );
  });
});

describe('GET /api/v1/areas?parent= any ancestor', () => {
  it('lists the practices of an ICB and the PCNs of a region', async () => {
    const practices = (await anon.inject('/api/v1/areas?level=practice&parent=QA9')).json();
    expect(practices.data.map((a: { code: string }) => a.code).sort()).toEqual(
      Array.from({ length: 9 }, (_, i) => `P0000${i + 1}`),
    );
    const pcns = (await anon.inject('/api/v1/areas?level=pcn&parent=y56')).json();
    expect(pcns.data.map((a: { code: string }) => a.code).sort()).toEqual(['U00001', 'U00002', 'U00003']);
    // Direct parents answer as before; an unknown code, or one at the same level, is still 404.
    const direct = (await anon.inject('/api/v1/areas?level=practice&parent=U00001')).json();
    expect(direct.data.map((a: { code: string }) => a.code)).toEqual(['P00001', 'P00002', 'P00003']);
    expect((await anon.inject('/api/v1/areas?level=practice&parent=ZZZ')).statusCode).toBe(404);
    expect((await anon.inject('/api/v1/areas?level=icb&parent=QA9')).statusCode).toBe(404);
  });
});

describe('GET /rank (the ranking page)', () => {
  const page = '/rank?metric=logins_per_1000&level=practice&within=icb:QA9&period=2026-10-01&minListSize=0';
  const codesIn = (html: string) =>
    [...html.matchAll(/<tr class="nhsuk-table__row" data-code="([^"]+)"/g)].map((m) => m[1]);

  it('shows the ranked table, sortable by links, with its CSV link, without JavaScript', async () => {
    const res = await user.inject(page);
    expect(res.statusCode, res.body).toBe(200);
    const ranking = await getRanking(w.db, w.catalogue, {
      metricId: 'logins_per_1000',
      level: 'practice',
      within: { level: 'icb', code: 'QA9' },
      grain: 'month',
      period: '2026-10-01',
      minListSize: 0,
    });
    expect(codesIn(res.body)).toEqual(ranking.rows.map((r) => r.code));
    expect(res.body).toContain('role="img" aria-label="Trend over 10 months: from ');
    // Demo data (scale 0.5): a rate's table says its counts and patients are not on the same footing.
    expect(res.body).toContain('the counts are of a share (0.5) of England’s App users');
    const counts = await user.inject(page.replace('metric=logins_per_1000', 'metric=logins'));
    expect(counts.statusCode).toBe(200);
    expect(counts.body).not.toContain('id="ranking-demo-scale"');
    // Lowest first: the link the page offers, followed.
    const lowest = /id="ranking-lowest-first" href="([^"]+)"/.exec(res.body)![1]!.replaceAll('&amp;', '&');
    const sorted = await user.inject(lowest);
    expect(sorted.statusCode).toBe(200);
    const byValue = [...ranking.rows].sort(
      (a, b) => a.value! - b.value! || a.name.localeCompare(b.name, 'en-GB'),
    );
    expect(codesIn(sorted.body)).toEqual(byValue.map((r) => r.code));
    expect(sorted.body).toMatch(/aria-sort="ascending" data-column="value"/);
    const csvHref = /id="ranking-csv" href="([^"]+)"/.exec(res.body)![1]!.replaceAll('&amp;', '&');
    const csv = await user.inject(csvHref);
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.body.split('\r\n')).toHaveLength(ranking.rows.length + 2);
  });

  it('defaults to the practices of the area on uptake, with the note on those left out', async () => {
    const res = await user.inject('/rank?within=region:Y56');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.body).toContain('% of patients 13+ registered');
    expect(res.body).toMatch(/id="ranking-level"[\s\S]*?<option value="icb" selected/);
    const practices = await user.inject('/rank?within=region:Y56&level=practice');
    expect(practices.body).toContain('practices left out:');
    expect(practices.body).toContain('with fewer than 1,000 patients');
  });

  it.each([
    ['/rank?within=QA9', 400],
    ['/rank?within=icb:QA9&level=icb', 400],
    ['/rank?within=icb:QA9&minListSize=lots', 400],
    ['/rank?within=icb:QA9&period=2026-11-01', 400],
    ['/rank?within=icb:QA9&sort=colour', 400],
    ['/rank?within=icb:QA9&page=0', 400],
    ['/rank?within=icb:QA9&level=practice&page=2', 400],
    ['/rank?within=icb:QA9&metric=nope', 404],
    ['/rank?within=icb:ZZZ', 404],
  ])('%s answers %i, not 500', async (url, status) => {
    const res = await user.inject(url);
    expect(res.statusCode, res.body).toBe(status);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
  });

  it('pages a long ranking: the rows of each page in order, previous and next links, sorting back to page 1', async () => {
    const ranking = await getRanking(w.db, w.catalogue, {
      metricId: 'logins_per_1000',
      level: 'practice',
      within: { level: 'icb', code: 'QA9' },
      grain: 'month',
      period: '2026-10-01',
      minListSize: 0,
    });
    const state = {
      metricId: 'logins_per_1000',
      level: 'practice' as const,
      within: { level: 'icb' as const, code: 'QA9' },
      grain: 'month' as const,
      period: '2026-10-01',
      minListSize: 0,
      sort: 'rank' as const,
      dir: 'asc' as const,
    };
    const options = { metrics: [], levels: ['practice' as const], grains: ['month' as const], pageSize: 3 };
    const n = ranking.rows.length;
    expect(n).toBeGreaterThan(6);
    const all = buildRankingView(ranking, state, { ...options, pageSize: 1000 }).rows.map((r) => r.code);
    expect(all).toHaveLength(n);
    const second = buildRankingView(ranking, { ...state, page: 2 }, options);
    expect(second.rows.map((r) => r.code)).toEqual(all.slice(3, 6));
    expect(second.pagination!.text).toBe(`Showing 4 to 6 of ${n} practices`);
    expect(second.pagination!.previous!.href).not.toContain('page=');
    expect(second.pagination!.next!.href).toContain('page=3');
    // Every column's sort link starts again at page 1.
    for (const c of second.columns) expect(c.href).not.toContain('page=');
    const last = buildRankingView(ranking, { ...state, page: Math.ceil(n / 3) }, options);
    expect(last.rows.map((r) => r.code)).toEqual(all.slice(3 * (Math.ceil(n / 3) - 1)));
    expect(last.pagination!.next).toBeNull();
    // One page: no pagination at all.
    expect(buildRankingView(ranking, state, { ...options, pageSize: 100 }).pagination).toBeNull();
    // Ties read as league tables write them: the two practices sharing 2nd are "=2", on every page.
    const tied = {
      ...ranking,
      rows: ranking.rows.map((r, i) => ({ ...r, rank: i === 0 ? 1 : i <= 2 ? 2 : i + 1 })),
    };
    const texts = buildRankingView(tied, state, { ...options, pageSize: 1000 }).rows.map((r) => r.rankText);
    expect(texts.slice(0, 4)).toEqual(['1', '=2', '=2', '4']);
    expect(buildRankingView(tied, { ...state, page: 1 }, { ...options, pageSize: 2 }).rows[1]!.rankText).toBe(
      '=2',
    );
  });

  it('sends visitors to sign in for practices, and shows them open rankings', async () => {
    const res = await anon.inject('/rank?within=icb:QA9&level=practice');
    expect([302, 303, 401]).toContain(res.statusCode);
    const open = await anon.inject('/rank?within=region:Y56&level=icb');
    expect(open.statusCode, open.body).toBe(200);
  });
});

describe('practice context', () => {
  it('gives list sizes, supplier, PCN and the rank among the ICB’s practices, as counted from the events', async () => {
    const logins = await loginsByPracticeMonth();
    const ctx = (await getPracticeContext(w.db, w.catalogue, { code: 'P00008', grain: 'month' }))!;
    expect(ctx).toMatchObject({
      periodStart: '2026-10-01',
      patients13plus: 976,
      patientsAll: 1176,
      supplierName: 'EMIS',
      pcn: { code: 'U00003' },
      icb: { code: 'QA9' },
    });
    // Practices of QA9 with 1,000 patients or more (all ages 400 + 97 i): P00007, P00008, P00009.
    const rate = (c: string) =>
      ((logins.get(`${c}|2026-10-01`) ?? 0) / (patients13(c)! * TEST_DEMO_SCALE)) * 1000;
    const peers = ['P00007', 'P00008', 'P00009'].map(rate);
    const loginsRank = ctx.ranks.find((r) => r.metricId === 'logins_per_1000')!;
    expect(loginsRank.value).toBeCloseTo(rate('P00008'), 9);
    expect(loginsRank.of).toBe(3);
    expect(loginsRank.rank).toBe(peers.filter((v) => v > rate('P00008')).length + 1);
    expect(ctx.ranks.map((r) => r.metricId)).toEqual([
      'registered_pct_13plus',
      'unique_logins_per_1000',
      'logins_per_1000',
    ]);
    const view = practiceContextView(ctx)!;
    expect(view.rows).toContainEqual({ key: 'Patients aged 13+, October 2026', value: '976' });
    expect(view.rows).toContainEqual({ key: 'GP system supplier', value: 'EMIS' });
    expect(view.ranks[2]!.text).toMatch(new RegExp(`ranked ${loginsRank.rank} of 3 practices`));
    expect(view.ranks[2]!.href).toBe('/rank?metric=logins_per_1000&level=practice&within=icb%3AQA9');
  });

  it('says why a small practice is not ranked, and still gives its list sizes', async () => {
    const ctx = (await getPracticeContext(w.db, w.catalogue, { code: 'P00003', grain: 'month' }))!;
    expect(ctx.patients13plus).toBe(491);
    expect(ctx.patientsAll).toBe(691);
    expect(ctx.ranks.every((r) => r.excluded === 'small-list' && r.rank === null)).toBe(true);
    expect(practiceContextView(ctx)!.ranks[0]!.text).toBe('Not ranked: fewer than 1,000 patients');
    expect(await getPracticeContext(w.db, w.catalogue, { code: 'NOPE1', grain: 'month' })).toBeNull();
  });
});

describe('area pages link to their rankings', () => {
  const href = (html: string, text: string) => {
    const m = new RegExp(`<a class="nhsuk-link"[^>]*href="([^"]+)"[^>]*>${text}`).exec(html);
    expect(m, text).not.toBeNull();
    return m![1]!.replaceAll('&amp;', '&');
  };

  it('takes an ICB lead from the ICB page to its practices, lowest first, and the CSV in three requests', async () => {
    const icb = await user.inject('/areas/icb/QA9');
    expect(icb.statusCode).toBe(200);
    const rankHref = href(icb.body, 'Practices in this ICB, lowest uptake first');
    expect(rankHref).toBe(
      '/rank?metric=registered_pct_13plus&level=practice&within=icb%3AQA9&sort=value&dir=asc',
    );
    const rank = await user.inject(rankHref);
    expect(rank.statusCode, rank.body).toBe(200);
    expect(rank.body).toContain('lowest first');
    const csv = await user.inject(href(rank.body, 'Download this ranking \\(CSV\\)'));
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-disposition']).toMatch(/ranking-registered_pct_13plus-practice-QA9-month/);
  });

  it('tells a visitor which links need sign-in: each marked one leads to sign-in, each unmarked one opens', async () => {
    const links = (html: string) =>
      [...html.matchAll(/<nav class="app-(?:ranking-links|more-for-area)"[\s\S]*?<\/nav>/g)].flatMap((nav) =>
        [...nav[0].matchAll(/<a class="nhsuk-link"[^>]*href="([^"]+)"[^>]*>([^<]+)<\/a>/g)].map((m) => ({
          href: m[1]!.replaceAll('&amp;', '&'),
          text: m[2]!,
        })),
      );
    let marked = 0;
    let unmarked = 0;
    for (const page of ['/areas/icb/QA9', '/areas/region/Y56']) {
      const res = await anon.inject(page);
      expect(res.statusCode).toBe(200);
      const found = links(res.body).filter((l) => !l.href.startsWith('/sign-in'));
      expect(found.length).toBeGreaterThan(3);
      for (const l of found) {
        const status = (await anon.inject(l.href)).statusCode;
        if (l.text.endsWith(' (needs sign-in)')) {
          marked++;
          expect([302, 303, 401], `${l.text}: ${l.href}`).toContain(status);
        } else {
          unmarked++;
          expect(status, `${l.text}: ${l.href}`).toBe(200);
        }
      }
    }
    // The ICB's practices and partner pages need sign-in; the region's ICBs and their data table do not.
    expect(marked).toBeGreaterThan(0);
    expect(unmarked).toBeGreaterThan(0);
    const signedIn = await user.inject('/areas/icb/QA9');
    expect(signedIn.body).not.toContain('(needs sign-in)');
    expect(links(signedIn.body).length).toBe(links((await anon.inject('/areas/icb/QA9')).body).length - 1);
  });

  it('shows a practice its list sizes, supplier, PCN and rank in its ICB', async () => {
    const res = await user.inject('/areas/practice/P00008');
    expect(res.statusCode).toBe(200);
    const section = /<section class="app-practice-context"[\s\S]*?<\/section>/.exec(res.body)![0];
    expect(section).toContain('976');
    expect(section).toContain('1,176');
    // Supplier and PCN: in the page's details list, once.
    expect(res.body.match(/GP system supplier<\/dt>/g)).toHaveLength(1);
    expect(res.body).toMatch(/GP system supplier<\/dt>\s*<dd class="nhsuk-summary-list__value">\s*EMIS/);
    expect(res.body).toContain('PCN U00003');
    expect(section).toMatch(/ranked \d of 3 practices/);
    expect(href(res.body, 'Practices in ICB QA9, lowest uptake first')).toContain('within=icb%3AQA9');
  });
});
