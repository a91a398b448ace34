/**
 * The shipped reference files, loaded once into an in-memory warehouse: practice maps (Jan and Aug 2026),
 * list sizes (single age, quinary, practice totals) and the area model built from them.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseCsv } from 'csv-parse/sync';
import { AREA_LEVELS, ENGLAND_CODE, UNKNOWN_CODE } from '../../domain/areas.ts';
import { closedAreas } from '../../query/closed-areas.ts';
import { listValue } from '@duckdb/node-api';
import { MAX_SEARCH_RESULTS, searchAreas, searchTerms } from '../../query/search.ts';
import * as querySql from '../../warehouse/sql/query.ts';
import { Warehouse } from '../../warehouse/db.ts';
import { migrate } from '../../warehouse/migrate.ts';
import { BUNDLED_REFERENCE_DIR, loadBundledReference, type BundledLoadResult } from './bundled.ts';
import { importReferenceFile } from './import.ts';
import { parsePracticeMap, type PracticeMapRow } from './practice-map.ts';

const AUG = '2026-08-01';
const JAN = '2026-01-01';
const ref = (name: string) => path.join(BUNDLED_REFERENCE_DIR, name);

let db: Warehouse;
let first: BundledLoadResult;
let second: BundledLoadResult;
let augRows: PracticeMapRow[];

beforeAll(async () => {
  db = await Warehouse.open(':memory:');
  await migrate(db);
  first = await loadBundledReference(db);
  second = await loadBundledReference(db);
  console.log(`loadBundledReference: first call ${first.ms} ms, second call ${second.ms} ms`);
  augRows = (await parsePracticeMap(ref('gp-reg-pat-prac-map_2026-08.csv.gz'))).rows;
});

afterAll(() => db?.close());

const distinct = (column: string, date: string) =>
  db.scalar<number>(
    `SELECT count(DISTINCT ${column}) FROM practice_map WHERE extract_date = CAST($1 AS DATE)`,
    [date],
  );

describe('loadBundledReference', () => {
  it('loads every shipped NHS file the first time, and nothing the second time', () => {
    expect(first.imported.map((s) => s.kind).sort()).toEqual([
      'list_size_all',
      'list_size_quinary',
      'list_size_single_age',
      'practice_map',
      'practice_map',
    ]);
    expect(first.rebuiltAreas).toBe(true);
    expect(second.imported).toEqual([]);
    expect(second.alreadyLoaded).toHaveLength(5);
    expect(second.rebuiltAreas).toBe(false);
    expect(second.ms).toBeLessThan(3000);
  });

  it('records one release per kind and extract date', async () => {
    const releases = await db.all('SELECT kind, extract_date, row_count FROM reference_release ORDER BY ALL');
    expect(releases).toEqual([
      { kind: 'list_size_all', extract_date: '2025-03-01', row_count: 6242 },
      { kind: 'list_size_all', extract_date: '2025-04-01', row_count: 6239 },
      { kind: 'list_size_all', extract_date: '2025-05-01', row_count: 6231 },
      { kind: 'list_size_all', extract_date: '2025-11-01', row_count: 6200 },
      { kind: 'list_size_all', extract_date: '2025-12-01', row_count: 6196 },
      { kind: 'list_size_quinary', extract_date: '2025-12-01', row_count: 6196 + 1298 + 106 + 42 + 7 + 1 },
      { kind: 'list_size_single_age', extract_date: AUG, row_count: 1299 + 106 + 36 + 7 + 1 },
      { kind: 'practice_map', extract_date: JAN, row_count: 6171 },
      { kind: 'practice_map', extract_date: AUG, row_count: 6129 },
    ]);
  });

  it('loading a loaded file again is a no-op (also uncompressed, and for a multi-extract file)', async () => {
    const before = await db.scalar<number>('SELECT count(*) FROM practice_map');
    const again = await importReferenceFile(db, ref('gp-reg-pat-prac-map_2026-08.csv.gz'));
    expect(again).toMatchObject({ skipped: true, rows: 6129, extractDate: AUG, rowsRead: 0 });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ref-plain-'));
    try {
      const plain = path.join(dir, 'gp-reg-pat-prac-map_2026-08.csv');
      fs.writeFileSync(plain, zlib.gunzipSync(fs.readFileSync(ref('gp-reg-pat-prac-map_2026-08.csv.gz'))));
      expect((await importReferenceFile(db, plain)).skipped).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const all = await importReferenceFile(db, ref('gp-reg-pat-prac-all_2025-03_to_2025-12_5months.csv.gz'));
    expect(all.skipped).toBe(true);
    expect(all.extractDates).toHaveLength(5);
    expect(await db.scalar<number>('SELECT count(*) FROM practice_map')).toBe(before);
  });
});

describe('practice maps', () => {
  it('Aug 2026: 6,129 practices, 1,298 PCNs plus unallocated groups, 106 sub-ICBs, 36 ICBs, 7 regions', async () => {
    expect(await distinct('practice_code', AUG)).toBe(6129);
    // The file's PCN codes, read by DuckDB independently of our importer: 1,298 real PCNs plus `U`, which
    // we split into one unallocated group per sub-ICB location holding such practices.
    const raw = await db.one<{ pcns: number; unallocatedSubIcbs: number }>(
      `SELECT count(DISTINCT PCN_CODE) FILTER (WHERE PCN_CODE <> 'U')::INTEGER AS pcns,
              count(DISTINCT SUB_ICB_LOCATION_CODE) FILTER (WHERE PCN_CODE = 'U')::INTEGER AS unallocatedSubIcbs
       FROM read_csv($1, all_varchar = true)`,
      [ref('gp-reg-pat-prac-map_2026-08.csv.gz')],
    );
    expect(raw!.pcns).toBe(1298);
    expect(raw!.unallocatedSubIcbs).toBeGreaterThan(5);
    expect(await distinct('pcn_code', AUG)).toBe(1298 + raw!.unallocatedSubIcbs);
    expect(await distinct('sub_icb_code', AUG)).toBe(106);
    expect(await distinct('icb_code', AUG)).toBe(36);
    expect(await distinct('region_code', AUG)).toBe(7);
    const suppliers = await db.all(
      'SELECT supplier_name, count(*) AS n FROM practice_map WHERE extract_date = $1 GROUP BY 1 ORDER BY 1',
      [AUG],
    );
    expect(suppliers).toEqual([
      { supplier_name: 'EMIS', n: 3581 },
      { supplier_name: 'Medicus', n: 8 },
      { supplier_name: 'TPP', n: 2540 },
    ]);
  });

  it('unallocated practices are grouped per sub-ICB location, each group under its own sub-ICB location', async () => {
    const groups = await db.all<{ code: string; parent: string; practices: number; subIcbs: number }>(
      `SELECT a.area_code AS code, a.parent_code AS parent, count(*)::INTEGER AS practices,
              count(DISTINCT p.sub_icb_code)::INTEGER AS subIcbs
       FROM area a JOIN practice_map p ON p.pcn_code = a.area_code AND p.extract_date = $1
       WHERE a.area_level = 'pcn' AND a.area_code LIKE 'U%' AND NOT regexp_full_match(a.area_code, 'U[0-9]{5}')
       GROUP BY ALL`,
      [AUG],
    );
    expect(groups.length).toBeGreaterThan(5);
    for (const g of groups) {
      expect(g.subIcbs, g.code).toBe(1);
      expect(g.code, g.code).toBe(`U${g.parent}`);
    }
    expect(groups.reduce((n, g) => n + g.practices, 0)).toBe(
      await db.scalar<number>(
        `SELECT count(*)::INTEGER FROM read_csv($1, all_varchar = true) WHERE PCN_CODE = 'U'`,
        [ref('gp-reg-pat-prac-map_2026-08.csv.gz')],
      ),
    );
  });

  it('Jan 2026: 6,171 practices in 42 ICBs', async () => {
    expect(await distinct('practice_code', JAN)).toBe(6171);
    expect(await distinct('icb_code', JAN)).toBe(42);
  });
});

describe('area (today’s structure)', () => {
  it('current areas at each level are exactly those of the latest release', async () => {
    const counts = await db.all<{ area_level: string; n: number }>(
      'SELECT area_level, count(*) AS n FROM area WHERE is_current AND area_code <> $1 GROUP BY 1',
      [UNKNOWN_CODE],
    );
    const unallocatedGroups = await db.scalar<number>(
      `SELECT count(DISTINCT SUB_ICB_LOCATION_CODE)::INTEGER FROM read_csv($1, all_varchar = true) WHERE PCN_CODE = 'U'`,
      [ref('gp-reg-pat-prac-map_2026-08.csv.gz')],
    );
    expect(Object.fromEntries(counts.map((r) => [r.area_level, r.n]))).toEqual({
      england: 1,
      region: 7,
      icb: 36,
      sub_icb: 106,
      pcn: 1298 + unallocatedGroups!,
      practice: 6129,
    });
    const latest = await db.scalar<number>(
      `SELECT count(*) FROM area a JOIN practice_map p ON p.practice_code = a.area_code AND p.extract_date = $1
       WHERE a.area_level = 'practice' AND a.is_current AND a.name = p.practice_name
         AND a.postcode = p.practice_postcode AND a.supplier_name = p.supplier_name AND a.parent_code = p.pcn_code`,
      [AUG],
    );
    expect(latest).toBe(6129);
  });

  it('closed practices (in Jan, not Aug) are kept, not current, under their last PCN', async () => {
    const closed = await db.all<{ area_code: string; parent_code: string; parent_current: boolean }>(
      `SELECT a.area_code, a.parent_code, p.is_current AS parent_current, a.first_extract, a.last_extract
       FROM area a JOIN area p ON p.area_level = a.parent_level AND p.area_code = a.parent_code
       WHERE a.area_level = 'practice' AND NOT a.is_current ORDER BY 1`,
    );
    const janOnly = await db.all<{ practice_code: string; pcn_code: string }>(
      `SELECT practice_code, pcn_code FROM practice_map WHERE extract_date = $1
       AND practice_code NOT IN (SELECT practice_code FROM practice_map WHERE extract_date = $2) ORDER BY 1`,
      [JAN, AUG],
    );
    expect(janOnly).toHaveLength(42);
    expect(closed.map((c) => [c.area_code, c.parent_code])).toEqual(
      janOnly.map((j) => [j.practice_code, j.pcn_code]),
    );
    // Their PCNs are current, except an unallocated group of a sub-ICB location with no unallocated practice left.
    const unallocatedGroup = (code: string) => /^U(?!\d{5}$)/.test(code);
    expect(closed.filter((c) => !c.parent_current && !unallocatedGroup(c.parent_code))).toEqual([]);
    expect(closed.filter((c) => c.parent_current).length).toBeGreaterThan(30);
    expect(closed[0]).toMatchObject({ first_extract: JAN, last_extract: JAN });
  });

  it('the 42-ICB structure’s merged ICBs are kept as closed ICBs under their region', async () => {
    const closedIcbs = await db.all<{ parent_level: string; parent_current: boolean }>(
      `SELECT a.parent_level, p.is_current AS parent_current FROM area a
       JOIN area p ON p.area_level = a.parent_level AND p.area_code = a.parent_code
       WHERE a.area_level = 'icb' AND NOT a.is_current`,
    );
    expect(closedIcbs.length).toBeGreaterThan(0);
    expect(closedIcbs.every((r) => r.parent_level === 'region' && r.parent_current)).toBe(true);
    const all = await db.scalar<number>(
      "SELECT count(*) FROM area WHERE area_level = 'icb' AND area_code <> 'UNKNOWN'",
    );
    expect(all).toBe(36 + closedIcbs.length);
  });

  it('every area has a parent chain up to England (closed ones too)', async () => {
    const areas = await db.all<{
      area_level: string;
      area_code: string;
      parent_level: string;
      parent_code: string;
    }>('SELECT area_level, area_code, parent_level, parent_code FROM area');
    const byKey = new Map(areas.map((a) => [`${a.area_level}/${a.area_code}`, a]));
    const broken: string[] = [];
    for (const a of areas) {
      let node = a;
      let steps = 0;
      while (node.area_level !== 'england' && steps < 10) {
        const parent = byKey.get(`${node.parent_level}/${node.parent_code}`);
        const levelUp =
          AREA_LEVELS.indexOf(node.parent_level as never) ===
          AREA_LEVELS.indexOf(node.area_level as never) - 1;
        if (!parent || !levelUp) break;
        node = parent;
        steps += 1;
      }
      if (node.area_code !== ENGLAND_CODE || steps !== AREA_LEVELS.indexOf(a.area_level as never)) {
        broken.push(`${a.area_level} ${a.area_code}`);
      }
    }
    expect(broken).toEqual([]);
    expect(areas.length).toBeGreaterThan(7600);
  });

  it('has England at the root and an Unknown chain under it', async () => {
    const rows = await db.all(
      `SELECT area_level, name, parent_level, parent_code, is_current FROM area
       WHERE area_code IN ($1, $2) ORDER BY list_position(['england','region','icb','sub_icb','pcn','practice'], area_level)`,
      [ENGLAND_CODE, UNKNOWN_CODE],
    );
    expect(rows).toEqual([
      { area_level: 'england', name: 'England', parent_level: null, parent_code: null, is_current: true },
      {
        area_level: 'region',
        name: 'Unknown',
        parent_level: 'england',
        parent_code: ENGLAND_CODE,
        is_current: true,
      },
      {
        area_level: 'icb',
        name: 'Unknown',
        parent_level: 'region',
        parent_code: UNKNOWN_CODE,
        is_current: true,
      },
      {
        area_level: 'sub_icb',
        name: 'Unknown',
        parent_level: 'icb',
        parent_code: UNKNOWN_CODE,
        is_current: true,
      },
      {
        area_level: 'pcn',
        name: 'Unknown',
        parent_level: 'sub_icb',
        parent_code: UNKNOWN_CODE,
        is_current: true,
      },
      {
        area_level: 'practice',
        name: 'Unknown',
        parent_level: 'pcn',
        parent_code: UNKNOWN_CODE,
        is_current: true,
      },
    ]);
  });

  it('area_version holds each release as recorded', async () => {
    const icbs = await db.all(
      "SELECT extract_date, count(*) AS n FROM area_version WHERE area_level = 'icb' AND area_code <> 'UNKNOWN' GROUP BY 1 ORDER BY 1",
    );
    expect(icbs).toEqual([
      { extract_date: JAN, n: 42 },
      { extract_date: AUG, n: 36 },
    ]);
  });
});

describe('sub-ICB place names (docs/adr/0028)', () => {
  // Read here with csv-parse directly, not through the product's reader.
  const places = parseCsv(fs.readFileSync(ref('sub-icb-place-names.csv')), { columns: true }) as Record<
    string,
    string
  >[];
  const ons = parseCsv(zlib.gunzipSync(fs.readFileSync(ref('SICBL24_ICB24_NHSER24_lookup_2024.csv.gz'))), {
    columns: true,
    bom: true,
  }) as Record<string, string>[];
  const byCode = new Map(places.map((p) => [p.sub_icb_code!, p]));

  it('every sub-ICB location of both shipped practice maps has a place name, the file’s', async () => {
    const rows = await db.all<{ code: string; place_name: string | null }>(
      "SELECT area_code AS code, place_name FROM area WHERE area_level = 'sub_icb' AND area_code <> 'UNKNOWN'",
    );
    expect(rows).toHaveLength(107); // 106 in August 2026, and D4U1Y (Frimley), closed since January
    for (const r of rows) {
      expect(r.place_name, r.code).not.toBeNull();
      expect(r.place_name).toBe(byCode.get(r.code)?.place_name);
    }
    expect(places).toHaveLength(107);
    const practiceMapCodes = new Set(augRows.map((r) => r.subIcbCode));
    expect(practiceMapCodes.size).toBe(106);
    for (const code of practiceMapCodes) expect(byCode.has(code), code).toBe(true);
  });

  it('has the ONS lookup’s 106 codes (plus U2G6B, new in April 2026), each CCG’s ONS code the same but where boundaries moved', () => {
    expect(ons).toHaveLength(106);
    expect([...byCode.keys()].sort()).toEqual([...ons.map((o) => o.SICBL24CDH!), 'U2G6B'].sort());
    // A sub-ICB location whose boundary changed after April 2021 got a new ONS code: these eight, by 2024.
    const moved = ons
      .filter((o) => byCode.get(o.SICBL24CDH!)!.ccg_ons_code !== o.SICBL24CD)
      .map((o) => o.SICBL24CDH);
    expect(moved.sort()).toEqual(['01Y', '06H', '15E', '15M', '70F', '78H', '92A', 'D2P2L']);
    for (const p of places) expect(p.ccg_ons_code).toMatch(/^E38\d{6}$/);
  });

  it('derives the place from the former CCG’s name, but for the documented exceptions', () => {
    for (const p of places) {
      if (p.basis === 'ccg_name') expect(`NHS ${p.place_name} CCG`).toBe(p.ccg_name);
      else expect(p.note, p.sub_icb_code).not.toBe('');
    }
    expect(places.filter((p) => p.basis !== 'ccg_name').map((p) => p.sub_icb_code)).toEqual([
      '01Y',
      '11N',
      'D2P2L',
      'U2G6B',
    ]);
    expect(byCode.get('15F')).toMatchObject({ ccg_name: 'NHS Leeds CCG', place_name: 'Leeds' });
    expect(byCode.get('00T')).toMatchObject({ ccg_name: 'NHS Bolton CCG', place_name: 'Bolton' });
    expect(byCode.get('15C')!.place_name).toBe('Bristol, North Somerset and South Gloucestershire');
  });

  it('search finds a sub-ICB location by its place, former CCG or local authority, and the ICB and region holding it', async () => {
    const first = async (q: string) => {
      const found = await searchAreas(db, { query: q });
      return found.results.slice(0, 3).map((r) => `${r.level}:${r.code}`);
    };
    expect(await first('Leeds')).toEqual(['sub_icb:15F', 'icb:QWO', 'region:Y63']);
    expect(await first('bradford')).toEqual(['sub_icb:36J', 'icb:QWO', 'region:Y63']);
    expect(await first('BOLTON')).toEqual(['sub_icb:00T', 'icb:QOP', 'region:Y62']);
    const leeds = await searchAreas(db, { query: 'leeds' });
    expect(leeds.results[0]).toMatchObject({ name: 'NHS West Yorkshire ICB - 15F', placeName: 'Leeds' });
    expect(leeds.results[1]).toMatchObject({ contains: ['Leeds'] });
    // Practices and PCNs with Leeds in their name still come after.
    const named = await db.scalar<number>(
      "SELECT count(*) FROM area WHERE area_level IN ('pcn', 'practice') AND lower(name) LIKE '%leeds%'",
    );
    expect(named).toBeGreaterThan(0);
    expect(leeds.total).toBe(3 + named!);
    expect(leeds.results.slice(3).every((r) => r.level === 'pcn' || r.level === 'practice')).toBe(true);
    // Punctuation and case do not matter, in place names as in names.
    expect((await first('st. helens'))[0]).toBe('sub_icb:01X');
    expect((await first('Heywood Middleton'))[0]).toBe('sub_icb:01D');
    // "&" and "and" are the same word, whichever the name uses.
    expect((await first('Bradford District & Craven'))[0]).toBe('sub_icb:36J');
    for (const q of ['Wortley and Middleton', 'wortley & middleton', 'BRAMLEY, WORTLEY & MIDDLETON PCN'])
      expect(await first(q), q).toEqual(['pcn:U98623']);
    // The former CCG's whole name and a local authority the CCG covered.
    expect((await first('NHS Bolton CCG'))[0]).toBe('sub_icb:00T');
    expect((await first('craven'))[0]).toBe('sub_icb:36J');
    expect((await first('Harrogate'))[0]).toBe('sub_icb:42D');
    // Frimley (D4U1Y) closed in April 2026; most of its practices went to U2G6B, named East Berkshire.
    const closed = await closedAreas(db, 'sub_icb');
    expect(closed.get('D4U1Y')?.successor).toEqual({
      code: 'U2G6B',
      name: 'NHS Thames Valley ICB - U2G6B',
      placeName: 'East Berkshire',
    });
    // Word by word, in any order, across a sub-ICB location's name and places; words saying what kind of
    // area is wanted are not needed in the name.
    expect(await first('West Yorkshire Leeds')).toEqual(['sub_icb:15F']);
    expect(await first('Craven Bradford')).toEqual(['sub_icb:36J', 'icb:QWO', 'region:Y63']);
    expect((await first('London region'))[0]).toBe('region:Y56');
    expect((await first('Leeds GP'))[0]).toBe('sub_icb:15F');
    const doctors = await searchAreas(db, { query: 'Dr Hussain' });
    const hussains = await db.all<{ code: string }>(
      `SELECT area_code AS code FROM area WHERE area_level = 'practice'
         AND regexp_matches(name, '(^|[^A-Z])DR') AND regexp_matches(name, '(^|[^A-Z])HUSSAIN')`,
    );
    expect(hussains.length).toBeGreaterThan(0);
    expect(doctors.results.map((r) => r.code).sort()).toEqual(hussains.map((r) => r.code).sort());
    // A search that finds nothing suggests the same search with its misspelt words corrected, when that finds
    // areas; none for a word nothing is near, a postcode or a search that found something.
    const suggested = async (q: string) => (await searchAreas(db, { query: q })).didYouMean;
    expect(await suggested('Middlesborough')).toBe('Middlesbrough');
    expect(await suggested('sheffeild')).toBe('Sheffield');
    expect(await suggested('Lincs')).toBe('Lincolnshire');
    expect(await suggested('NW London')).toBe('North West London');
    expect(await suggested('Bradfrod District')).toBe('Bradford District');
    for (const q of ['Middlesbrough', 'Sheffield', 'Lincolnshire', 'Bradford District'])
      expect((await searchAreas(db, { query: q })).total, q).toBeGreaterThan(0);
    expect(await suggested('xyzzy')).toBeUndefined();
    // Each word is a place, but no name or sub-ICB location holds both: nothing to suggest.
    expect(await suggested('Sheffeild Bolten')).toBeUndefined();
    expect((await searchAreas(db, { query: 'Sheffield Bolton' })).total).toBe(0);
    expect(await suggested('Leeds')).toBeUndefined();
    expect(await suggested('ZZ9 9ZZ')).toBeUndefined();
    // Codes still go straight to the area.
    const byCode15F = await searchAreas(db, { query: '15f' });
    expect(byCode15F.results[0]).toMatchObject({ code: '15F', exactCode: true });
  });
});

describe('search held in memory (docs/adr/0066)', () => {
  it('finds exactly what the query it replaces finds, in its order, on the shipped reference data', async () => {
    const names = await db.all<{ name: string; postcode: string | null; code: string; ons: string | null }>(
      "SELECT name, postcode, area_code AS code, ons_code AS ons FROM area WHERE area_code <> 'UNKNOWN' ORDER BY ALL",
    );
    const places = await db.all<{ p: string }>(
      `SELECT place_name AS p FROM sub_icb_place
       UNION SELECT ccg_name FROM sub_icb_place
       UNION SELECT unnest(string_split(local_authorities, '; ')) FROM sub_icb_place ORDER BY ALL`,
    );
    const asked = new Set<string>([
      'north',
      'leeds',
      'dr hussain',
      'west yorkshire leeds',
      'london region',
      'leeds gp',
      'the surgery',
      'st. helens',
      "king's lynn",
      'Bradford District & Craven',
      'kent medway',
      'craven bradford',
      'nhs',
      'icb',
      'a',
      '1',
      '--',
      '&',
      'Q',
      'B8',
      'Y6',
      'E54',
      'ls1',
      'LS',
      'm1',
      'sw1',
      'bl3 6rn',
      'zz9 9zz',
    ]);
    // Every 211th area's name, its first word, its first two words, its code's start, its postcode (whole,
    // outward, lower case without spaces) and ONS code; every fifth place, former CCG and local authority.
    // (Each search runs the reference SQL, 25-60 ms a time: 354 searches keep the test near 20 s.)
    names.forEach((n, i) => {
      if (i % 211 !== 0) return;
      const words = n.name.split(/\s+/);
      asked.add(n.name).add(words[0]!).add(words.slice(0, 2).join(' ')).add(n.code.slice(0, 3));
      if (n.postcode)
        asked.add(n.postcode).add(n.postcode.split(' ')[0]!).add(n.postcode.replace(' ', '').toLowerCase());
      if (n.ons) asked.add(n.ons);
    });
    places.forEach(({ p }, i) => {
      if (p && i % 5 === 0) asked.add(p);
    });
    expect(asked.size).toBeGreaterThan(330);
    let found = 0;
    for (const q of asked) {
      const t = searchTerms(q, MAX_SEARCH_RESULTS);
      const rows = await db.all<Record<string, unknown>>(querySql.searchAreas, [
        t.key,
        t.compact,
        t.limit,
        t.outward,
        t.words ? listValue([...t.words]) : null,
      ]);
      const result = await searchAreas(db, { query: q });
      if (rows.length === 0) {
        // Nothing found; a postcode's practices nearby are listed instead (not the query's).
        expect(result.near === undefined ? result.results : [], q).toEqual([]);
        continue;
      }
      found += 1;
      expect(result.total, q).toBe(Number(rows[0]!.total));
      expect(
        result.results.map((r) => [
          r.level,
          r.code,
          r.parent?.code ?? null,
          r.parent?.name ?? null,
          r.parent?.placeName ?? null,
          r.contains?.join('; ') ?? null,
          r.exactCode,
        ]),
        q,
      ).toEqual(
        rows.map((r) => [
          r.level,
          r.code,
          r.parent_code ?? null,
          r.parent_code ? (r.parent_name ?? r.parent_code) : null,
          r.parent_code ? (r.parent_place_name ?? null) : null,
          r.contains ?? null,
          r.match_rank === 0,
        ]),
      );
    }
    expect(found).toBeGreaterThan(320);
  }, 300_000);
});

describe('practices in area_ancestry', () => {
  it('current: every current practice matches its Aug 2026 row', async () => {
    const rows = await db.all<{ practice_code: string; ancestor_level: string; ancestor_code: string }>(
      `SELECT area_code AS practice_code, ancestor_level, ancestor_code FROM area_ancestry
       WHERE structure = 'current' AND valid_from = DATE '0001-01-01' AND area_level = 'practice'
         AND ancestor_level IN ('pcn', 'sub_icb', 'icb', 'region')`,
    );
    const byCode = new Map<string, Record<string, string>>();
    for (const r of rows) {
      const chain = byCode.get(r.practice_code) ?? { practice_code: r.practice_code };
      chain[`${r.ancestor_level}_code`] = r.ancestor_code;
      byCode.set(r.practice_code, chain);
    }
    expect(augRows).toHaveLength(6129);
    for (const r of augRows) {
      expect(byCode.get(r.practiceCode)).toEqual({
        practice_code: r.practiceCode,
        pcn_code: r.pcnCode,
        sub_icb_code: r.subIcbCode,
        icb_code: r.icbCode,
        region_code: r.regionCode,
      });
    }
    // Plus the 42 closed practices and UNKNOWN: one chain per practice, four levels each.
    expect(byCode.size).toBe(6129 + 42 + 1);
    expect(rows).toHaveLength(4 * (6129 + 42 + 1));
    expect(byCode.get(UNKNOWN_CODE)).toEqual({
      practice_code: UNKNOWN_CODE,
      pcn_code: UNKNOWN_CODE,
      sub_icb_code: UNKNOWN_CODE,
      icb_code: UNKNOWN_CODE,
      region_code: UNKNOWN_CODE,
    });
  });

  it('current: closed practices are placed on today’s ICBs through their sub-ICB location', async () => {
    const placed = await db.one<{ n: number; stale: number }>(
      `SELECT count(*) AS n, count(*) FILTER (WHERE NOT a.is_current) AS stale
       FROM area_ancestry pa
       JOIN area a ON a.area_level = pa.ancestor_level AND a.area_code = pa.ancestor_code
       WHERE pa.structure = 'current' AND pa.area_level = 'practice' AND pa.area_code <> 'UNKNOWN'
         AND pa.ancestor_level IN ('sub_icb', 'icb')`,
    );
    expect(Number(placed!.n)).toBe(2 * (6129 + 42));
    expect(Number(placed!.stale)).toBe(0);
  });

  it('as_recorded: one chain per practice per release; a practice that moved ICB differs between releases', async () => {
    const perRelease = await db.all(
      `SELECT valid_from, count(*) AS n FROM area_ancestry
       WHERE structure = 'as_recorded' AND area_level = 'practice' AND ancestor_level = 'icb' GROUP BY 1 ORDER BY 1`,
    );
    expect(perRelease).toEqual([
      { valid_from: JAN, n: 6171 + 1 },
      { valid_from: AUG, n: 6129 + 1 },
    ]);
    const moved = await db.all<{ practice_code: string; jan_icb: string; aug_icb: string }>(
      `SELECT j.area_code AS practice_code, j.ancestor_code AS jan_icb, a.ancestor_code AS aug_icb
       FROM area_ancestry j JOIN area_ancestry a
         ON a.structure = 'as_recorded' AND a.valid_from = $2 AND a.area_level = 'practice'
        AND a.area_code = j.area_code AND a.ancestor_level = 'icb'
       WHERE j.structure = 'as_recorded' AND j.valid_from = $1 AND j.area_level = 'practice'
         AND j.ancestor_level = 'icb' AND j.ancestor_code <> a.ancestor_code ORDER BY 1`,
      [JAN, AUG],
    );
    expect(moved).toHaveLength(1608);
    const one = moved[0]!;
    expect(one.jan_icb).not.toBe(one.aug_icb);
    const current = await db.scalar(
      `SELECT ancestor_code FROM area_ancestry
       WHERE structure = $1 AND area_level = 'practice' AND area_code = $2 AND ancestor_level = 'icb'`,
      ['current', one.practice_code],
    );
    expect(current).toBe(one.aug_icb);
  });
});

describe('area_ancestry (the closure)', () => {
  // Levels from the bottom up; an area's ancestors are the levels above it, one each, in this order.
  const UP = ['practice', 'pcn', 'sub_icb', 'icb', 'region', 'england'];
  type Chain = {
    structure: string;
    valid_from: string;
    area_level: string;
    area_code: string;
    chain: string[];
  };
  const chains = () =>
    db.all<Chain>(
      `SELECT structure, CAST(valid_from AS VARCHAR) AS valid_from, area_level, area_code,
              list(ancestor_level || ':' || ancestor_code || ':' || depth ORDER BY depth) AS chain
       FROM area_ancestry GROUP BY ALL`,
    );

  it('every area has itself at depth 0, then exactly one ancestor per level above it, up to England', async () => {
    const all = await chains();
    const releases = new Set(all.filter((c) => c.structure === 'as_recorded').map((c) => c.valid_from));
    expect([...releases].sort()).toEqual([JAN, AUG]);
    for (const c of all) {
      const levels = UP.slice(UP.indexOf(c.area_level));
      expect(c.chain.map((x) => x.split(':')[0])).toEqual(levels);
      expect(c.chain.map((x) => Number(x.split(':')[2]))).toEqual(levels.map((_, i) => i));
      expect(c.chain[0]).toBe(`${c.area_level}:${c.area_code}:0`);
      expect(c.chain.at(-1)).toBe(`england:${ENGLAND_CODE}:${levels.length - 1}`);
    }
    // Every area of today's structure (current and closed, Unknown included) has its rows.
    const areas = await db.scalar<number>('SELECT count(*) FROM area');
    expect(all.filter((c) => c.structure === 'current')).toHaveLength(areas!);
  });

  it('a practice’s ancestors are its own row of the practice map (as recorded) and of its last release (today)', async () => {
    const all = await chains();
    const byKey = new Map(
      all.map((c) => [`${c.structure}|${c.valid_from}|${c.area_level}|${c.area_code}`, c.chain]),
    );
    const expected = (r: PracticeMapRow, icb: string, region: string) => [
      `practice:${r.practiceCode}:0`,
      `pcn:${r.pcnCode}:1`,
      `sub_icb:${r.subIcbCode}:2`,
      `icb:${icb}:3`,
      `region:${region}:4`,
      `england:${ENGLAND_CODE}:5`,
    ];
    for (const r of augRows) {
      expect(byKey.get(`as_recorded|${AUG}|practice|${r.practiceCode}`)).toEqual(
        expected(r, r.icbCode, r.regionCode),
      );
      expect(byKey.get(`current|0001-01-01|practice|${r.practiceCode}`)).toEqual(
        expected(r, r.icbCode, r.regionCode),
      );
    }
    expect(byKey.get(`current|0001-01-01|practice|${UNKNOWN_CODE}`)).toEqual(
      UP.map((level, i) => `${level}:${level === 'england' ? ENGLAND_CODE : UNKNOWN_CODE}:${i}`),
    );
  });

  it('a PCN’s, sub-ICB location’s, ICB’s and region’s ancestors are its parents in area (today) and area_version (as recorded)', async () => {
    const all = await chains();
    const walk = (parents: Map<string, string | null>, key: string): string[] => {
      const out: string[] = [];
      for (let k: string | null = key, depth = 0; k !== null; k = parents.get(k) ?? null, depth++) {
        out.push(`${k}:${depth}`);
      }
      return out;
    };
    const current = new Map(
      (
        await db.all<{ k: string; p: string | null }>(
          "SELECT area_level || ':' || area_code AS k, parent_level || ':' || parent_code AS p FROM area",
        )
      ).map((r) => [r.k, r.p]),
    );
    const recorded = new Map(
      (
        await db.all<{ k: string; p: string | null }>(
          `SELECT CAST(extract_date AS VARCHAR) || '|' || area_level || ':' || area_code AS k,
                CAST(extract_date AS VARCHAR) || '|' || parent_level || ':' || parent_code AS p
         FROM area_version`,
        )
      ).map((r) => [r.k, r.p]),
    );
    let checked = 0;
    for (const c of all.filter((x) => x.area_level !== 'practice')) {
      const chain =
        c.structure === 'current'
          ? walk(current, `${c.area_level}:${c.area_code}`)
          : walk(recorded, `${c.valid_from}|${c.area_level}:${c.area_code}`).map((x) =>
              x.slice(c.valid_from.length + 1),
            );
      expect(c.chain).toEqual(chain);
      checked++;
    }
    expect(checked).toBeGreaterThan(2 * 1298);
    // A PCN: its sub-ICB location, ICB, region and England.
    const pcn = all.find(
      (c) => c.structure === 'current' && c.area_level === 'pcn' && c.area_code !== UNKNOWN_CODE,
    )!;
    expect(pcn.chain.map((x) => x.split(':')[0])).toEqual(['pcn', 'sub_icb', 'icb', 'region', 'england']);
  });

  it('“is this area within that one” is one lookup at any level', async () => {
    // The practices within an ICB through the closure are those whose practice-map row names the ICB.
    const icb = augRows[0]!.icbCode;
    const within = await db.all<{ area_code: string }>(
      `SELECT area_code FROM area_ancestry
       WHERE structure = 'as_recorded' AND valid_from = $1 AND area_level = 'practice'
         AND ancestor_level = 'icb' AND ancestor_code = $2 ORDER BY 1`,
      [AUG, icb],
    );
    const expected = augRows
      .filter((r) => r.icbCode === icb)
      .map((r) => r.practiceCode)
      .sort();
    expect(within.map((r) => r.area_code)).toEqual(expected);
    expect(expected.length).toBeGreaterThan(10);
  });
});

describe('list sizes', () => {
  const SINGLE = 'list_size_single_age';

  it('single age: England 13+ = 54,808,696 exactly (total 63,237,908), the sum of the regions', async () => {
    const england = await db.one(
      "SELECT patients_all, patients_13plus, kind_13plus FROM list_size WHERE source_kind = $1 AND area_level = 'england'",
      [SINGLE],
    );
    expect(england).toEqual({ patients_all: 63_237_908, patients_13plus: 54_808_696, kind_13plus: 'exact' });
    for (const level of ['region', 'icb', 'sub_icb', 'pcn']) {
      const sum = await db.one(
        'SELECT sum(patients_all) AS a, sum(patients_13plus) AS p, count(*) AS n FROM list_size WHERE source_kind = $1 AND area_level = $2',
        [SINGLE, level],
      );
      expect(sum, level).toMatchObject({ a: 63_237_908, p: 54_808_696 });
    }
  });

  it('single age: every Aug 2026 PCN has an exact 13+, and the PCN rows add up to the PCN totals', async () => {
    const missing = await db.scalar<number>(
      `SELECT count(DISTINCT pcn_code) FROM practice_map p WHERE extract_date = $1
         AND regexp_full_match(pcn_code, 'U[0-9]{5}') AND NOT EXISTS (
         SELECT 1 FROM list_size l WHERE l.source_kind = $2 AND l.area_level = 'pcn' AND l.area_code = p.pcn_code
           AND l.kind_13plus = 'exact')`,
      [AUG, SINGLE],
    );
    expect(missing).toBe(0);
    // Independently of our CSV reader and importer (DuckDB reads the file): per PCN, the single-age rows add up
    // to the PCN's ALL row.
    const check = await db.one(
      `WITH rows AS (
         SELECT ORG_CODE AS pcn, SEX AS sex, AGE AS age, CAST(NUMBER_OF_PATIENTS AS BIGINT) AS n
         FROM read_csv($1, all_varchar = true) WHERE ORG_TYPE = 'PCN'),
       per_pcn AS (
         SELECT pcn, sum(n) FILTER (WHERE sex = 'ALL' AND age = 'ALL') AS total,
                sum(n) FILTER (WHERE sex <> 'ALL' AND age <> 'ALL') AS by_age
         FROM rows GROUP BY pcn)
       SELECT count(*) AS pcns, count(*) FILTER (WHERE total = by_age) AS equal FROM per_pcn`,
      [ref('gp-reg-pat-prac-sing-age-regions_2026-08.csv.gz')],
    );
    expect(check).toEqual({ pcns: 1299, equal: 1299 });
  });

  it('quinary: 6,196 practices with an estimated 13+, about 55.35 M nationally', async () => {
    const practices = await db.one(
      `SELECT count(*) AS n, sum(patients_13plus) AS p, sum(patients_all) AS a FROM list_size
       WHERE source_kind = 'list_size_quinary' AND area_level = 'practice' AND kind_13plus = 'estimated'
         AND patients_13plus IS NOT NULL`,
    );
    expect(practices!.n).toBe(6196);
    expect(practices!.a).toBe(63_936_682);
    expect(Math.abs((practices!.p as number) / 55_350_000 - 1)).toBeLessThan(0.005);
    const england = await db.one(
      "SELECT patients_13plus, kind_13plus FROM list_size WHERE source_kind = 'list_size_quinary' AND area_level = 'england'",
    );
    expect(england!.kind_13plus).toBe('estimated');
    expect(england!.patients_13plus as number).toBeCloseTo(practices!.p as number, 3);
    // A 13+ estimate lies between the 15+ count and the all-ages count.
    const odd = await db.scalar<number>(
      "SELECT count(*) FROM list_size WHERE source_kind = 'list_size_quinary' AND NOT (patients_13plus <= patients_all)",
    );
    expect(odd).toBe(0);
  });

  it('practice totals: five extract dates loaded as five releases', async () => {
    const perDate = await db.all(
      "SELECT extract_date, count(*) AS n FROM list_size WHERE source_kind = 'list_size_all' GROUP BY 1 ORDER BY 1",
    );
    expect(perDate).toEqual([
      { extract_date: '2025-03-01', n: 6242 },
      { extract_date: '2025-04-01', n: 6239 },
      { extract_date: '2025-05-01', n: 6231 },
      { extract_date: '2025-11-01', n: 6200 },
      { extract_date: '2025-12-01', n: 6196 },
    ]);
    // Dec 2025 totals agree with the quinary file's practice totals.
    const differ = await db.scalar<number>(
      `SELECT count(*) FROM list_size a JOIN list_size q ON q.area_code = a.area_code AND q.extract_date = a.extract_date
       WHERE a.source_kind = 'list_size_all' AND q.source_kind = 'list_size_quinary' AND q.area_level = 'practice'
         AND a.extract_date = DATE '2025-12-01' AND a.patients_all <> q.patients_all`,
    );
    expect(differ).toBe(0);
  });
});
