import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBListValue } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AREA_LEVELS, ENGLAND_CODE, type AreaLevel } from '../domain/areas.ts';
import { fixedClock } from '../domain/clock.ts';
import type { Grain, MetricDefinition } from '../domain/metric-definition.ts';
import { ingestEventFile } from '../ingest/events.ts';
import { rebuildAreas } from '../ingest/reference/areas.ts';
import { buildMetrics } from '../metrics/build.ts';
import { loadCatalogue } from '../metrics/catalogue.ts';
import { Warehouse } from '../warehouse/db.ts';
import { migrate } from '../warehouse/migrate.ts';
import { writeSnapshot } from '../figures/snapshot.ts';
import { comparisonMetric } from '../domain/page-rates.ts';
import { getAreaChain } from './area-chain.ts';
import { getAreaChildren, getAreaPage, latestCompletePeriod } from './area-page.ts';
import { areaKeyOf } from './cube-keys.ts';
import { areaByCode, areaChainRows, areasOfSelection, currentMembers } from './area-index.ts';
import { dataTableArea } from './data-table.ts';
import { searchAreas } from './search.ts';
import * as querySql from '../warehouse/sql/query.ts';
import { getAreaSeries, getMetricSeries, getRateSeries } from './series.ts';
import { getDataStatus } from './status.ts';
import type { DataStatus } from './types.ts';

// A small geography in two releases: ICBs QA1 and QA2 merge into QA9 in August; P00004 closes.
type Row = [practice: string, postcode: string, pcn: string, subIcb: string, icb: string, region: string];
const RELEASES: Record<string, Row[]> = {
  '2026-01-01': [
    ['P00001', 'LS1 4AP', 'U00001', '00A', 'QA1', 'Y56'],
    ['P00002', 'LS2 9AE', 'U00001', '00A', 'QA1', 'Y56'],
    ['P00003', 'NW1 1LT', 'U00002', '00B', 'QA2', 'Y56'],
    ['P00004', 'BS1 5AH', 'U00003', '00C', 'QA3', 'Y58'],
  ],
  '2026-08-01': [
    ['P00001', 'LS1 4AP', 'U00001', '00A', 'QA9', 'Y56'],
    ['P00002', 'LS2 9AE', 'U00001', '00A', 'QA9', 'Y56'],
    ['P00003', 'NW1 1LT', 'U00002', '00B', 'QA9', 'Y56'],
    ['P00005', 'BS2 0JA', 'U00003', '00C', 'QA3', 'Y58'],
  ],
};
/** 13+ list sizes; P00003 has none, so its figures are left out of rates. */
const LIST_SIZES_13PLUS: Record<string, number> = { P00001: 1000, P00002: 500, P00004: 300, P00005: 800 };
const PRACTICES = ['P00001', 'P00002', 'P00003', 'P00004', 'P00005', 'ZZZ999', ''];
const TYPES = ['login', 'login', 'login', 'registration', 'prescription_ordered', 'appointment_booked'];

function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'area-page-test-'));
let db: Warehouse;
let catalogue: MetricDefinition[];
let status: DataStatus;

beforeAll(async () => {
  db = await Warehouse.open(':memory:');
  await migrate(db);
  for (const [extract, rows] of Object.entries(RELEASES)) {
    for (const [practice, postcode, pcn, sub, icb, region] of rows) {
      await db.run(
        `INSERT INTO practice_map VALUES ($1::DATE, $2, 'Practice ' || $2, $3, $4, 'PCN ' || $4, $5, NULL,
          'Sub-ICB ' || $5, $6, NULL, 'ICB ' || $6, $7, NULL, 'Region ' || $7, 'EMIS')`,
        [extract, practice, postcode, pcn, sub, icb, region],
      );
    }
  }
  for (const [practice, patients] of Object.entries(LIST_SIZES_13PLUS)) {
    await db.run(
      "INSERT INTO list_size VALUES (DATE '2025-12-01', 'practice', $1, $2 + 200, $2, 'estimated', 'list_size_quinary')",
      [practice, patients],
    );
  }
  await rebuildAreas(db);

  // Events from 1 January to 15 November 2026; the closed practice P00004 only until the end of June.
  const r = rng(7);
  const start = Date.parse('2026-01-01T00:00:00Z');
  const span = Date.parse('2026-11-15T23:00:00Z') - start;
  const lines: string[] = [];
  for (let i = 0; i < 4000; i++) {
    const time = new Date(start + Math.floor(r() * span)).toISOString();
    let practice = PRACTICES[Math.floor(r() * PRACTICES.length)]!;
    if (practice === 'P00004' && time >= '2026-06-30T23:00:00Z') practice = 'P00001'; // London midnight
    if (practice === 'P00005' && time < '2026-08-01') practice = 'P00002';
    const type = TYPES[Math.floor(r() * TYPES.length)]!;
    const user = `u${Math.floor(r() * 300)}`;
    lines.push([`e${i}`, time, type, `s${i}`, user, practice, 'P9', 'ios'].join(','));
  }
  const file = path.join(dir, 'events.csv');
  fs.writeFileSync(
    file,
    ['event_id,event_time,event_type,session_id,user_id,practice_code,identity_level,channel', ...lines].join(
      '\n',
    ),
  );
  const loaded = await ingestEventFile(db, file);
  expect(loaded.rowsRejected).toBe(0);
  catalogue = loadCatalogue();
  await buildMetrics(db, catalogue, fixedClock('2026-11-21T12:00:00Z'));
  status = await getDataStatus(db);
});

afterAll(() => {
  db?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const metric = (id: string) => catalogue.find((m) => m.id === id)!;

/** Logins of one area in one London calendar month, counted straight from the events. */
async function directLogins(level: AreaLevel, code: string, month: string): Promise<number> {
  const practices = await db.all<{ practice_code: string }>(
    `SELECT area_code AS practice_code FROM area_ancestry
     WHERE structure = 'current' AND area_level = 'practice' AND ancestor_level = $1 AND ancestor_code = $2`,
    [level, code],
  );
  let total = 0;
  for (const { practice_code } of practices) {
    total +=
      (await db.scalar<number>(
        `SELECT count(*) FROM activity_event WHERE event_type = 'login' AND practice_code = $1
           AND strftime(timezone('Europe/London', event_time), '%Y-%m') = $2`,
        [practice_code, month.slice(0, 7)],
      )) ?? 0;
  }
  return total;
}

describe('getAreaChain', () => {
  it('gives England down to the area, with the area’s details', async () => {
    const chain = await getAreaChain(db, 'practice', 'P00001');
    expect(chain!.ancestors.map((a) => `${a.level}:${a.code}`)).toEqual([
      `england:${ENGLAND_CODE}`,
      'region:Y56',
      'icb:QA9',
      'sub_icb:00A',
      'pcn:U00001',
    ]);
    expect(chain!.area).toMatchObject({
      level: 'practice',
      code: 'P00001',
      name: 'Practice P00001',
      postcode: 'LS1 4AP',
      supplierName: 'EMIS',
      isCurrent: true,
    });
  });

  it('keeps closed areas under their last parent, and knows nothing of unknown codes', async () => {
    const closed = await getAreaChain(db, 'practice', 'P00004');
    expect(closed!.area.isCurrent).toBe(false);
    expect(closed!.ancestors.map((a) => a.code)).toEqual([ENGLAND_CODE, 'Y58', 'QA3', '00C', 'U00003']);
    expect(await getAreaChain(db, 'practice', 'NOPE1')).toBeNull();
    expect(await getAreaChain(db, 'icb', 'P00001')).toBeNull(); // right code, wrong level
    expect(await getAreaChain(db, 'practice', "' OR 1=1 --")).toBeNull();
  });
});

describe('the area index (issue 15.3)', () => {
  it('walks every area to England exactly as the recursive query does', async () => {
    const areas = await db.all<{ level: AreaLevel; code: string }>(
      'SELECT area_level AS level, area_code AS code FROM area ORDER BY ALL',
    );
    expect(areas.length).toBeGreaterThan(20);
    for (const a of areas) {
      const recursive = await db.all<{ depth: number }>(querySql.areaChain, [a.level, a.code]);
      expect(await areaChainRows(db, a.level, a.code)).toEqual(
        recursive.map(({ depth: _depth, ...row }) => row),
      );
    }
  });

  it('finds an area by its code at any level exactly as the query it replaces', async () => {
    const codes = await db.all<{ code: string }>('SELECT DISTINCT area_code AS code FROM area ORDER BY ALL');
    const asked = [...codes.map((c) => c.code), 'UNKNOWN', 'NOPE1', 'p00001', "' OR 1=1 --", ''];
    expect(asked).toContain('E92000001');
    for (const code of asked) {
      const row = (await db.one<Record<string, unknown>>(querySql.dataTableFindArea, [code])) ?? null;
      const found = await areaByCode(db, code);
      expect(
        found && {
          level: found.level,
          code: found.code,
          name: found.name,
          place_name: found.place_name,
          is_current: found.is_current,
        },
      ).toEqual(row);
    }
  });

  it('lists the areas of every selection exactly as the query it replaces, in its order', async () => {
    const areas = await db.all<{ level: AreaLevel; code: string }>(
      'SELECT area_level AS level, area_code AS code FROM area ORDER BY ALL',
    );
    const withins = [null, ...areas, { level: 'icb' as AreaLevel, code: 'NOPE1' }];
    let nonEmpty = 0;
    for (const level of ['region', 'icb', 'sub_icb', 'pcn', 'practice'] as const) {
      for (const within of withins) {
        const expected = await db.all(querySql.dataTableAreas, [
          level,
          within?.level ?? null,
          within?.code ?? null,
        ]);
        const rows = await areasOfSelection(db, { level, within });
        expect(rows.map(dataTableArea)).toEqual(expected);
        if (expected.length > 1) nonEmpty += 1;
      }
    }
    // Lists of several areas, not only empty ones, were compared.
    expect(nonEmpty).toBeGreaterThan(20);
  });

  it('gives a ranking the members on today’s structure exactly as the query it replaces', async () => {
    const areas = await db.all<{ level: AreaLevel; code: string }>(
      "SELECT area_level AS level, area_code AS code FROM area WHERE area_level <> 'england' ORDER BY ALL",
    );
    const withins = [{ level: 'england' as AreaLevel, code: ENGLAND_CODE }, ...areas];
    // Before the first release, on each release, between them and after the last.
    const periods = ['2025-12-01', '2026-01-01', '2026-05-04', '2026-08-01', '2026-11-01'];
    let compared = 0;
    for (const period of periods) {
      for (const level of AREA_LEVELS) {
        for (const within of withins) {
          const expected = await db.all(querySql.rankingMembers, [
            'current',
            period,
            level,
            within.level,
            within.code,
          ]);
          expect(await currentMembers(db, period, level, within)).toEqual(expected);
          if (expected.length > 1) compared += 1;
        }
      }
    }
    expect(compared).toBeGreaterThan(50);
    // A closed practice is a member that the release in force no longer lists; an opened one, the reverse.
    const inQa3 = (period: string) => currentMembers(db, period, 'practice', { level: 'icb', code: 'QA3' });
    expect((await inQa3('2026-05-04')).map((m) => [m.code, m.in_release])).toEqual([
      ['P00004', true],
      ['P00005', false],
    ]);
    expect((await inQa3('2026-11-01')).map((m) => [m.code, m.in_release])).toEqual([
      ['P00004', false],
      ['P00005', true],
    ]);
  });

  it('is read again when the area model is rebuilt from another release', async () => {
    const own = await Warehouse.open(':memory:');
    try {
      await migrate(own);
      const release = async (extract: string, pcn: string, icbName: string) => {
        await own.run(
          `INSERT INTO practice_map VALUES ($1::DATE, 'P00009', 'Practice P00009', 'LS1 4AP', $2, 'PCN ' || $2,
            '00A', NULL, 'Sub-ICB 00A', 'QA1', NULL, $3, 'Y56', NULL, 'Region Y56', 'EMIS')`,
          [extract, pcn, icbName],
        );
        await own.run(
          "INSERT INTO reference_release VALUES ('practice_map', $1::DATE, NULL, 'map.csv', $2, 1, now()::TIMESTAMP)",
          [extract, `sha-${extract}`],
        );
        await rebuildAreas(own);
      };
      await release('2026-01-01', 'U00001', 'ICB one');
      const before = await getAreaChain(own, 'practice', 'P00009');
      expect(before!.ancestors.map((a) => `${a.code}:${a.name}`)).toEqual([
        `${ENGLAND_CODE}:England`,
        'Y56:Region Y56',
        'QA1:ICB one',
        '00A:Sub-ICB 00A',
        'U00001:PCN U00001',
      ]);
      // The practice moves to another PCN and its ICB is renamed: the same database answers the new chain.
      await release('2026-08-01', 'U00002', 'ICB one renamed');
      const after = await getAreaChain(own, 'practice', 'P00009');
      expect(after!.ancestors.map((a) => `${a.code}:${a.name}`)).toEqual([
        `${ENGLAND_CODE}:England`,
        'Y56:Region Y56',
        'QA1:ICB one renamed',
        '00A:Sub-ICB 00A',
        'U00002:PCN U00002',
      ]);
      expect(await getAreaChain(own, 'pcn', 'U00001')).not.toBeNull(); // kept, closed
      expect((await getAreaChain(own, 'pcn', 'U00001'))!.area.isCurrent).toBe(false);
    } finally {
      own.close();
    }
  });
});

describe('getAreaSeries', () => {
  it('gives exactly what getMetricSeries gives, for every catalogue metric, area, grain and setting', async () => {
    const areas: [AreaLevel, string][] = [
      ['england', ENGLAND_CODE],
      ['region', 'Y56'],
      ['icb', 'QA9'],
      ['icb', 'QA1'],
      ['pcn', 'U00001'],
      ['practice', 'P00003'],
      ['practice', 'P00004'],
    ];
    const metrics = catalogue.filter((m) => m.source === 'events' || m.source === 'list_sizes');
    expect(metrics.length).toBeGreaterThan(20);
    for (const [level, code] of areas) {
      for (const grain of ['month', 'week'] as Grain[]) {
        for (const includePartial of [false, true]) {
          for (const structure of ['current', 'as_recorded'] as const) {
            const usable = metrics.filter((m) => m.grains.includes(grain));
            const req = { level, code, grain, includePartial, structure };
            const batch = await getAreaSeries(db, status, usable, req, catalogue);
            for (const m of usable) {
              const one = await getMetricSeries(db, status, m, req, catalogue);
              expect(batch.get(m.id), `${m.id} ${level} ${code} ${grain} ${structure}`).toEqual(one);
            }
          }
        }
      }
    }
  });
});

describe('getAreaChildren', () => {
  it('gives each child’s logins equal to a direct count of its events, and rates as the series give them', async () => {
    const month = latestCompletePeriod('month', status)!;
    expect(month).toBe('2026-10-01');
    for (const [level, code] of [
      ['england', ENGLAND_CODE],
      ['region', 'Y56'],
      ['icb', 'QA9'],
      ['pcn', 'U00001'],
      ['pcn', 'U00003'],
    ] as [AreaLevel, string][]) {
      const children = await getAreaChildren(db, catalogue, { level, code, grain: 'month' });
      expect(children!.periodStart).toBe(month);
      expect(children!.rows.length).toBeGreaterThan(0);
      for (const row of children!.rows) {
        expect(row.logins, `${row.level} ${row.code} logins`).toBe(
          await directLogins(row.level, row.code, month),
        );
        const req = {
          level: row.level,
          code: row.code,
          grain: 'month' as const,
          structure: 'current' as const,
          includePartial: false,
        };
        const at = async (id: string) =>
          (await getMetricSeries(db, status, metric(id), req, catalogue)).find(
            (p) => p.periodStart === month,
          );
        expect(row.users).toBe((await at('unique_logins'))?.value ?? 0);
        const usersRate = await at('unique_logins_per_1000');
        const registered = await at('registered_pct_13plus');
        if (usersRate) expect(row.usersPer1000).toBeCloseTo(usersRate.value, 9);
        else expect(row.usersPer1000).toBeNull();
        if (registered) expect(row.registeredPct).toBeCloseTo(registered.value, 9);
        else expect(row.registeredPct).toBeNull();
      }
    }
  });

  it('marks closed children, leaves Unknown out, and has no rate for a practice without a list size', async () => {
    const pcn3 = await getAreaChildren(db, catalogue, { level: 'pcn', code: 'U00003', grain: 'month' });
    expect(pcn3!.rows.map((r) => [r.code, r.isCurrent])).toEqual([
      ['P00004', false],
      ['P00005', true],
    ]);
    expect(pcn3!.rows[0]!.logins).toBe(0); // closed in June
    const pcn2 = await getAreaChildren(db, catalogue, { level: 'pcn', code: 'U00002', grain: 'week' });
    expect(pcn2!.rows[0]).toMatchObject({ code: 'P00003', usersPer1000: null, registeredPct: null });
    expect(pcn2!.rows[0]!.logins).toBeGreaterThan(0);
    const regions = await getAreaChildren(db, catalogue, {
      level: 'england',
      code: ENGLAND_CODE,
      grain: 'month',
    });
    expect(regions!.rows.map((r) => r.code)).toEqual(['Y56', 'Y58']);
    expect(
      await getAreaChildren(db, catalogue, { level: 'practice', code: 'P00001', grain: 'month' }),
    ).toBeNull();
    expect(await getAreaChildren(db, catalogue, { level: 'pcn', code: 'NOPE', grain: 'month' })).toBeNull();
  });
});

describe('getAreaPage', () => {
  it('shows the area’s headline figures and compares each with its parent and England on a rate', async () => {
    const page = await getAreaPage(db, catalogue, {
      level: 'pcn',
      code: 'U00001',
      grain: 'month',
      includePartial: false,
    });
    expect(page!.structure).toBe('current');
    expect(page!.lastActivePeriod).toBeNull();
    const logins = page!.tiles.find((t) => t.metricId === 'logins')!;
    expect(logins.latest).toMatchObject({ periodStart: '2026-10-01', complete: true });
    expect(logins.latest!.value).toBe(await directLogins('pcn', 'U00001', '2026-10-01'));
    expect(logins.comparison!.metricId).toBe('logins_per_1000');
    // A PCN is compared with its ICB too (ADR 0064): QA9 on today's structure.
    expect(logins.comparison!.figures.map((f) => [f.role, f.area.code])).toEqual([
      ['area', 'U00001'],
      ['parent', '00A'],
      ['icb', 'QA9'],
      ['england', ENGLAND_CODE],
    ]);
    for (const f of logins.comparison!.figures) {
      const series = await getMetricSeries(
        db,
        status,
        metric('logins_per_1000'),
        {
          level: f.area.level,
          code: f.area.code,
          grain: 'month',
          structure: 'current',
          includePartial: false,
        },
        catalogue,
      );
      const point = series.find((p) => p.periodStart === '2026-10-01')!;
      expect(f.value).toBeCloseTo(point.value, 9);
      expect(f.coverage).toBe(point.coverage);
    }
    // England's coverage leaves out Unknown and the practice without a list size.
    expect(logins.comparison!.figures.find((f) => f.role === 'england')!.coverage).toBeLessThan(1);
    // The verdict against the ICB by the rule written out: the area's 95% interval against its value.
    const own = logins.comparison!.figures[0]!;
    const icbValue = logins.comparison!.figures.find((f) => f.role === 'icb')!.value!;
    const side = own.lowerCi95! > icbValue ? 'higher' : own.upperCi95! < icbValue ? 'lower' : 'similar';
    const byPolarity = { higher: 'better', lower: 'worse', similar: 'similar' } as const;
    expect(logins.comparison!.comparedWithIcb).toBe(
      logins.polarity === 'higher_is_better' ? byPolarity[side] : side,
    );

    const pct = page!.tiles.find((t) => t.metricId === 'registered_pct_13plus')!;
    expect(pct.comparison!.metricId).toBe('registered_pct_13plus');
    expect(pct.comparison!.figures[0]!.value).toBeCloseTo(pct.latest!.value, 9);

    // A count with no rate in the catalogue is compared on one derived from it.
    const prescriptions = page!.tiles.find((t) => t.metricId === 'prescriptions_ordered')!;
    expect(prescriptions.comparison).toMatchObject({
      metricId: 'prescriptions_ordered_per_1000',
      derived: true,
    });
    const derived = comparisonMetric(metric('prescriptions_ordered'), catalogue)!;
    const direct = await getRateSeries(db, status, derived.metric, derived.numerator, {
      level: 'pcn',
      code: 'U00001',
      grain: 'month',
      includePartial: false,
    });
    expect(prescriptions.comparison!.figures[0]!.value).toBeCloseTo(
      direct.find((p) => p.periodStart === '2026-10-01')!.value,
      9,
    );
    expect(page!.children!.rows.map((r) => r.code)).toEqual(['P00001', 'P00002']);

    // England's series of each headline figure, to set a change around a date against the rest of England's
    // (ADR 0065): its logins are every login event of the month, Unknown practices included.
    expect(Object.keys(page!.englandSeries!).sort()).toEqual(page!.tiles.map((t) => t.metricId).sort());
    for (const month of ['2026-09-01', '2026-10-01']) {
      const every = await db.scalar<number>(
        `SELECT count(*) FROM activity_event WHERE event_type = 'login'
           AND strftime(timezone('Europe/London', event_time), '%Y-%m') = $1`,
        [month.slice(0, 7)],
      );
      expect(page!.englandSeries!.logins!.find((p) => p.periodStart === month)!.value).toBe(Number(every));
      expect(every).toBeGreaterThan(await directLogins('icb', 'QA9', month));
    }
    // Without comparisons (the before-and-after answer): the same series and England's, nothing compared.
    const bare = await getAreaPage(db, catalogue, {
      level: 'pcn',
      code: 'U00001',
      grain: 'month',
      includePartial: false,
      comparisons: false,
    });
    expect(bare!.series).toEqual(page!.series);
    expect(bare!.englandSeries).toEqual(page!.englandSeries);
    expect(bare!.tiles.map((t) => t.comparison)).toEqual(page!.tiles.map(() => null));
    expect(bare!.trends).toEqual({});
  });

  it('reads England’s comparison figures once per data version, and they stay England’s', async () => {
    const page = (code: string) =>
      getAreaPage(db, catalogue, { level: 'pcn', code, grain: 'week', includePartial: true });
    const england = (p: Awaited<ReturnType<typeof page>>) =>
      p!.tiles.map((t) => t.comparison?.figures.find((f) => f.role === 'england')?.value ?? null);
    // The cells are read on the cube's keys (ADR 0075): England's is looked up as the reads do.
    const englandKey = await areaKeyOf(db, 'england', ENGLAND_CODE);
    expect(englandKey).not.toBeNull();
    /** The page, and how many of its reads were of England's figures. */
    const counted = async (code: string) => {
      let englandReads = 0;
      const all = db.all.bind(db);
      db.all = ((...args: Parameters<typeof all>) => {
        const params = Array.isArray(args[1]) ? args[1] : [];
        const name = typeof args[0] === 'object' ? args[0].name : '';
        // The area reads on the cube's keys name England by its key, at the area key's place.
        const keyAt = { 'query.areaValues': 2, 'query.areaPatients': 1 }[name];
        // Any other read names it by its code, alone or in a list of areas read together; the lookup of
        // its key is not a read of its figures.
        const mentions = (p: unknown) =>
          p === ENGLAND_CODE || (p instanceof DuckDBListValue && p.items.includes(ENGLAND_CODE));
        if (
          keyAt !== undefined
            ? params[keyAt] === englandKey
            : name !== 'query.areaKey' && params.some(mentions)
        )
          englandReads += 1;
        return all(...args);
      }) as typeof db.all;
      try {
        return { page: await page(code), englandReads };
      } finally {
        db.all = all;
      }
    };
    const first = await counted('U00001');
    // England's rate series (its stored figures and its 13+ patients) are read for the first page only.
    expect(first.englandReads).toBe(2);
    const second = await counted('U00002');
    expect(second.englandReads).toBe(0);
    // Exactly the page read without the kept figures (another connection keeps none yet).
    const other = await db.connect();
    try {
      const fresh = await getAreaPage(other, catalogue, {
        level: 'pcn',
        code: 'U00002',
        grain: 'week',
        includePartial: true,
      });
      expect(second.page).toEqual(fresh);
    } finally {
      other.close();
    }
    expect(england(first.page).some((v) => v !== null)).toBe(true);
    const logins = first.page!.tiles.find((t) => t.metricId === 'logins')!;
    const direct = await getMetricSeries(
      db,
      status,
      metric('logins_per_1000'),
      { level: 'england', code: ENGLAND_CODE, grain: 'week', structure: 'current', includePartial: true },
      catalogue,
    );
    const at = logins.comparison!.periodStart;
    expect(logins.comparison!.figures.find((f) => f.role === 'england')!.value).toBeCloseTo(
      direct.find((p) => p.periodStart === at)!.value,
      9,
    );
  });

  it('shows a closed ICB as recorded at the time, up to its last month with activity, without rates', async () => {
    const page = await getAreaPage(db, catalogue, {
      level: 'icb',
      code: 'QA1',
      grain: 'month',
      includePartial: true,
    });
    expect(page!.area.isCurrent).toBe(false);
    expect(page!.structure).toBe('as_recorded');
    expect(page!.lastActivePeriod).toBe('2026-07-01');
    const logins = page!.tiles.find((t) => t.metricId === 'logins')!;
    expect(logins.latest!.periodStart).toBe('2026-07-01');
    expect(page!.series.logins!.every((p) => p.periodStart <= '2026-07-01')).toBe(true);
    const july = await db.scalar<number>(
      `SELECT count(*) FROM activity_event WHERE event_type = 'login' AND practice_code IN ('P00001', 'P00002')
         AND strftime(timezone('Europe/London', event_time), '%Y-%m') = '2026-07'`,
    );
    expect(logins.latest!.value).toBe(july);
    expect(logins.comparison!.figures[0]).toMatchObject({ role: 'area', value: null });
    expect(logins.comparison!.figures[1]!.value).not.toBeNull(); // the region
    expect(page!.tiles.find((t) => t.metricId === 'registered_pct_13plus')!.latest).toBeNull();
    expect(page!.children!.rows).toEqual([]); // its sub-ICB location moved to QA9
  });

  it('shows a closed practice’s history up to its closure, and nothing for an unknown area', async () => {
    const page = await getAreaPage(db, catalogue, {
      level: 'practice',
      code: 'P00004',
      grain: 'month',
      includePartial: false,
    });
    expect(page!.structure).toBe('current');
    expect(page!.lastActivePeriod).toBe('2026-06-01');
    expect(page!.children).toBeNull();
    const logins = page!.tiles.find((t) => t.metricId === 'logins')!;
    expect(logins.latest!.value).toBe(await directLogins('practice', 'P00004', '2026-06-01'));
    expect(
      await getAreaPage(db, catalogue, { level: 'icb', code: 'ZZZ', grain: 'week', includePartial: false }),
    ).toBeNull();
  });
});

describe('searchAreas', () => {
  const codes = async (query: string) => (await searchAreas(db, { query })).results.map((r) => r.code);

  it('finds areas by ODS code, exactly first, then by the start of the code', async () => {
    expect((await codes('P00001'))[0]).toBe('P00001');
    expect(await codes('p0000')).toEqual(['P00001', 'P00002', 'P00003', 'P00005', 'P00004']);
    expect((await codes(' qa9 '))[0]).toBe('QA9');
  });

  it('finds practices by postcode, whatever the spaces and case', async () => {
    for (const q of ['LS1 4AP', 'ls14ap', ' ls1  4ap ']) expect(await codes(q)).toEqual(['P00001']);
    expect(await codes('LS')).toEqual(['P00001', 'P00002']);
  });

  it('takes an outward code typed alone as that district, not every district it starts', async () => {
    await db.run(
      `INSERT INTO area (area_level, area_code, name, postcode, is_current) VALUES
         ('practice', 'X00010', 'Hunslet Surgery', 'LS10 1AB', true),
         ('practice', 'X00011', 'Westminster Surgery', 'SW1A 2AA', true)`,
    );
    try {
      // LS1 is a district of its own: LS10's practice is not in it.
      for (const q of ['LS1', ' ls1 ']) expect(await codes(q)).toEqual(['P00001']);
      expect(await codes('LS10')).toEqual(['X00010']);
      // No practice's district is SW1 itself, so it matches the districts it starts (SW1A).
      expect(await codes('sw1')).toEqual(['X00011']);
      // A full postcode and a postcode area are matched as before.
      expect(await codes('LS10 1AB')).toEqual(['X00010']);
      expect((await codes('LS')).sort()).toEqual(['P00001', 'P00002', 'X00010']);
    } finally {
      await db.run("DELETE FROM area WHERE area_code IN ('X00010', 'X00011')");
    }
  });

  it('sees places written after its first search, whoever wrote them (the area index’s digest)', async () => {
    expect(await codes('Elsewhere Borough')).toEqual([]);
    await db.run(
      `INSERT INTO sub_icb_place VALUES ('00A', '00A', 'E38000001', 'NHS Somewhere CCG', 'Somewhere',
         'Elsewhere Borough', 'ccg_name')`,
    );
    try {
      expect((await codes('Elsewhere Borough'))[0]).toBe('00A');
      await db.run("UPDATE sub_icb_place SET local_authorities = 'Thereabouts' WHERE sub_icb_code = '00A'");
      expect(await codes('Elsewhere Borough')).toEqual([]);
      expect((await codes('thereabouts'))[0]).toBe('00A');
    } finally {
      await db.run("DELETE FROM sub_icb_place WHERE sub_icb_code = '00A'");
    }
    expect(await codes('thereabouts')).toEqual([]);
  });

  it('lists the practices in or near a postcode that no practice has, nearest district first', async () => {
    const near = await searchAreas(db, { query: 'ls1 9zz' });
    expect(near.near).toBe('LS1');
    // LS1 itself, then LS2 (one district away); BS and NW practices are in other postcode areas.
    expect(near.results.map((r) => r.code)).toEqual(['P00001', 'P00002']);
    expect(near.results[0]).toMatchObject({
      level: 'practice',
      parent: { level: 'pcn', code: 'U00001', name: 'PCN U00001' },
      areaText: 'Sub-ICB 00A, ICB QA9',
    });
    expect((await searchAreas(db, { query: 'LS7' })).results.map((r) => r.code)).toEqual([
      'P00002',
      'P00001',
    ]);
    expect(await codes('ZZ1 1ZZ')).toEqual([]);
    expect((await searchAreas(db, { query: 'not a postcode' })).near).toBeUndefined();
  });

  it('matches names whatever their punctuation and case', async () => {
    await db.run(
      "INSERT INTO area (area_level, area_code, name, is_current) VALUES ('practice', 'X00001', 'St. John''s Surgery', true)",
    );
    try {
      for (const q of ["St. John's", 'st johns', 'ST JOHN’S', 'st. johns surgery'])
        expect(await codes(q)).toEqual(['X00001']);
      // Word by word, in any order, each at the start of a word of the name; not inside one.
      for (const q of ['st john s', 'surgery st johns', 'John St'])
        expect(await codes(q), q).toEqual(['X00001']);
      for (const q of ['st james', 'ohn surgery']) expect(await codes(q), q).toEqual([]);
    } finally {
      await db.run("DELETE FROM area WHERE area_code = 'X00001'");
    }
  });

  it('finds areas by part of the name, open ones first, from the top of the hierarchy down', async () => {
    const found = await searchAreas(db, { query: 'icb q' });
    expect(found.results.map((r) => `${r.level}:${r.code}:${r.isCurrent}`)).toEqual([
      'icb:QA3:true',
      'icb:QA9:true',
      'icb:QA1:false',
      'icb:QA2:false',
    ]);
    expect(found.total).toBe(4);
    expect(found.results[0]!.parent).toEqual({
      level: 'region',
      code: 'Y58',
      name: 'Region Y58',
      placeName: null,
    });
    const regions = await searchAreas(db, { query: 'region' });
    expect(regions.results.map((r) => r.level)).toEqual(['region', 'region']);
  });

  it('returns at most 50, never the Unknown pseudo-area, and treats hostile text as text', async () => {
    await db.run(
      `INSERT INTO area (area_level, area_code, name, is_current)
       SELECT 'practice', 'X' || lpad(CAST(i AS VARCHAR), 5, '0'), 'Test practice ' || i, true FROM range(60) t(i)`,
    );
    try {
      const many = await searchAreas(db, { query: 'test practice' });
      expect(many.total).toBe(60);
      expect(many.results).toHaveLength(50);
    } finally {
      await db.run("DELETE FROM area WHERE area_code LIKE 'X%'");
    }
    expect(await codes('unknown')).toEqual([]);
    for (const q of ["' OR 1=1 --", '%', '_', '\\', '"; DROP TABLE area; --', '\u0000', 'ä'.repeat(100)]) {
      expect((await searchAreas(db, { query: q })).results).toEqual([]);
    }
    expect(await searchAreas(db, { query: '   ' })).toEqual({ query: '', total: 0, results: [] });
    expect((await searchAreas(db, { query: 'a'.repeat(101) })).results).toEqual([]);
  });
});

describe('published figures', () => {
  /** Whether the stored 13+ patients (rowid order) go by grain, area and period. */
  const patientsByArea = async (w: Warehouse) =>
    w.scalar<boolean>(
      `SELECT bool_and(lag_k IS NULL OR k >= lag_k) FROM (
         SELECT k, lag(k) OVER (ORDER BY rowid) AS lag_k FROM (
           SELECT rowid, grain::BIGINT * 1000000000 + area_key * 100000 + (period_start - DATE '2000-01-01') AS k
           FROM area_den_cell))`,
    );

  it('answer every area page as the warehouse does, though they keep the 13+ patients in another order (ADR 0076)', async () => {
    const snap = await writeSnapshot(db, dir, 1);
    const published = await Warehouse.open(snap.file, { readOnly: true });
    try {
      expect(await patientsByArea(db)).toBe(false);
      expect(await patientsByArea(published)).toBe(true);
      const areas: [AreaLevel, string][] = [
        ['region', 'Y56'],
        ['icb', 'QA9'],
        ['icb', 'QA1'], // closed: its figures as recorded
        ['sub_icb', '00A'],
        ['pcn', 'U00001'],
        ['practice', 'P00001'],
        ['practice', 'P00003'], // no list size
        ['practice', 'P00004'], // closed
      ];
      let pages = 0;
      for (const [level, code] of areas)
        for (const grain of ['week', 'month'] as const) {
          // With the partial period: every period the page can show.
          const opts = { level, code, grain, includePartial: true };
          const fromWarehouse = await getAreaPage(db, catalogue, opts);
          expect(fromWarehouse, `${level} ${code}`).not.toBeNull();
          expect(await getAreaPage(published, catalogue, opts), `${level} ${code} ${grain}`).toEqual(
            fromWarehouse,
          );
          pages++;
        }
      expect(pages).toBe(16);
    } finally {
      published.close();
    }
  });
});
