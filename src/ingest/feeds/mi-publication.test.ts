import ExcelJS from 'exceljs';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Warehouse } from '../../warehouse/db.ts';
import type { IngestError } from '../errors.ts';
import { parseMonthText } from './mi-common.ts';
import { importMiPublication } from './mi-publication.ts';
import { resolveTable1Months, type Table1Column } from './mi-workbook.ts';
import { feedCounts, openWarehouse, rejection, tempDir, writeCsv } from '../../../test/support/feed-files.ts';

const tmp = tempDir('feed-mi-');
afterAll(() => tmp.remove());

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const REAL_DIR = path.join(REPO, 'data/reference/nhs-app');
const REAL_ICB = path.join(REAL_DIR, 'nhs-app-mi_icb_monthly_2025-03_to_2025-08.csv');
const REAL_NATIONAL = path.join(REAL_DIR, 'nhs-app-mi_national_monthly_2025-03_to_2025-08.csv');
const REAL_WORKBOOK = path.join(REAL_DIR, 'nhs-app-mi_august-2025.xlsx');
const MONTHS = ['2025-03-01', '2025-04-01', '2025-05-01', '2025-06-01', '2025-07-01', '2025-08-01'];

let db: Warehouse;
beforeEach(async () => {
  db = await openWarehouse();
});
afterEach(() => db.close());

/** England and the ICB sum (Unknown included) per month and measure. */
async function englandVsIcbSum(w: Warehouse) {
  return w.all<{ month: string; measure: string; england: number; icb_sum: number; icbs: number }>(
    `SELECT e.month, e.measure, e.value AS england, CAST(sum(i.value) AS BIGINT) AS icb_sum, count(*) AS icbs
     FROM mi_published e JOIN mi_published i ON i.month = e.month AND i.measure = e.measure AND i.level = 'icb'
     WHERE e.level = 'england'
     GROUP BY e.month, e.measure, e.value
     ORDER BY e.month, e.measure`,
  );
}

const PUBLISHED_COLUMNS = 'month, level, icb_code, icb_name, region_code, region_name, measure, value';

describe('MI CSV extracts (real files)', () => {
  it('load, and for every month the ICB rows + Unknown sum exactly to England', async () => {
    const icb = await importMiPublication(db, REAL_ICB);
    expect(icb).toMatchObject({
      kind: 'mi-publication',
      fileKind: 'icb-csv',
      rowsRead: 258,
      rowsLoaded: 516,
      firstDate: '2025-03-01',
      lastDate: '2025-08-01',
      periods: 6,
      warnings: [],
    });
    const national = await importMiPublication(db, REAL_NATIONAL);
    expect(national).toMatchObject({ fileKind: 'national-csv', rowsRead: 6, rowsLoaded: 12, warnings: [] });
    expect(national.notes).toContain(
      'England = the sum of the ICB rows (Unknown included) for 12 of 12 month × measure pairs',
    );

    const checks = await englandVsIcbSum(db);
    expect(checks).toHaveLength(12);
    for (const c of checks) {
      expect(c.icbs).toBe(43); // 42 ICBs + Unknown
      expect(c.icb_sum).toBe(c.england);
    }
    expect(checks.map((c) => c.month)).toEqual(MONTHS.flatMap((m) => [m, m]));
    const unknown = await db.all<{ icb_name: string; region_code: string; n: number }>(
      "SELECT icb_name, region_code, count(*) AS n FROM mi_published WHERE icb_code = 'UNKNOWN' GROUP BY ALL",
    );
    expect(unknown).toEqual([{ icb_name: 'Unknown', region_code: 'UNKNOWN', n: 12 }]);
    expect(
      await db.scalar(
        "SELECT value FROM mi_published WHERE month = DATE '2025-08-01' AND level = 'england' AND measure = 'logins'",
      ),
    ).toBe(54342814);
    // Loading them again is a no-op.
    const before = await feedCounts(db);
    expect((await importMiPublication(db, REAL_ICB)).status).toBe('already_loaded');
    expect((await importMiPublication(db, REAL_NATIONAL)).status).toBe('already_loaded');
    expect(await feedCounts(db)).toEqual(before);
  });

  it('accepts the official CSV column names LatestLogins / LatestUniqueLogins', async () => {
    const file = writeCsv(tmp.dir, 'nhs-app-mi_national_official.csv', [
      'Month,LatestLogins,LatestUniqueLogins',
      '2025-03-01,53273324,11377861',
      '2025-04-01,51189940,11314394',
    ]);
    const r = await importMiPublication(db, file);
    expect(r).toMatchObject({ fileKind: 'national-csv', rowsLoaded: 4 });
    expect(
      await db.all(
        "SELECT measure, value FROM mi_published WHERE month = DATE '2025-04-01' ORDER BY measure",
      ),
    ).toEqual([
      { measure: 'logins', value: 51189940 },
      { measure: 'unique_logins', value: 11314394 },
    ]);
  });

  it('rejects bad rows with line and field, leaving the warehouse unchanged', async () => {
    await importMiPublication(db, REAL_NATIONAL);
    const before = await feedCounts(db);
    const lines = fs.readFileSync(REAL_ICB, 'utf8').trimEnd().split(/\r?\n/);
    lines[3] = lines[3]!.replace(/^2025-03-01,/, '2025-03-15,'); // line 4
    lines[5] = lines[5]!.replace(/,Y6\d,/, ',Z99,'); // line 6
    lines[9] = lines[9]!.replace(/,\d+$/, ','); // line 10: blank unique logins
    lines[12] = lines[12]!.replace(/^(2025-03-01,)Q../, '$1Q-1'); // line 13
    const err = (await rejection(
      importMiPublication(db, writeCsv(tmp.dir, 'nhs-app-mi_icb_bad.csv', lines)),
    )) as unknown as IngestError;
    expect(err.problems.map((p) => [p.line, p.field])).toEqual([
      [4, 'MONTH'],
      [6, 'REGION_ODS_CODE'],
      [10, 'NHS_APP_UNIQUE_USER_LOGINS'],
      [13, 'ICB_ODS_CODE'],
    ]);
    expect(err.message).toContain('line 4, field MONTH: 2025-03-15 is not the first day of a month');
    expect(await feedCounts(db)).toEqual(before);

    const dup = fs.readFileSync(REAL_ICB, 'utf8').trimEnd().split(/\r?\n/);
    dup.push(dup[1]!);
    const dupErr = (await rejection(
      importMiPublication(db, writeCsv(tmp.dir, 'nhs-app-mi_icb_dup.csv', dup)),
    )) as unknown as IngestError;
    expect(dupErr.line).toBe(260);
    expect(dupErr.message).toContain('repeats the month and area as line 2 (2025-03, QE1, logins)');
    expect(await feedCounts(db)).toEqual(before);
  });

  it('rejects a breakdown extract posing as the national series', async () => {
    const err = (await rejection(
      importMiPublication(db, path.join(REAL_DIR, 'nhs-app-foi_logins_by_ageband_2025-03_to_2025-05.csv')),
    )) as unknown as IngestError;
    expect(err.message).toContain('unexpected column AGE_GROUP');
  });

  it('a revised release replaces the months it covers at its level, and warns when England ≠ the ICB sum', async () => {
    await importMiPublication(db, REAL_ICB);
    const first = await importMiPublication(db, REAL_NATIONAL);
    const revised = writeCsv(tmp.dir, 'nhs-app-mi_national_revised.csv', [
      'MONTH,NHS_APP_LOGINS,NHS_APP_UNIQUE_USER_LOGINS',
      '2025-08-01,54342815,12249763',
    ]);
    const r = await importMiPublication(db, revised);
    expect(r.replaced).toEqual({ periods: ['2025-08-01'], rows: 2, loadIds: [first.loadId] });
    expect(r.warnings).toEqual([
      '2025-08 logins: England 54342815 ≠ 54342814, the sum of the 43 ICB rows (Unknown included; difference 1)',
    ]);
    // ICB rows untouched; England for August replaced, the other months kept.
    expect(await db.scalar("SELECT count(*) FROM mi_published WHERE level = 'icb'")).toBe(516);
    expect(await db.scalar("SELECT count(*) FROM mi_published WHERE level = 'england'")).toBe(12);
    expect(
      await db.scalar(
        "SELECT value FROM mi_published WHERE month = DATE '2025-08-01' AND level = 'england' AND measure = 'logins'",
      ),
    ).toBe(54342815);
  });
});

describe('MI workbook (real August 2025 edition)', () => {
  it('loads Mar–Aug 2025 despite the duplicated June header, equal to the CSV extracts', async () => {
    const r = await importMiPublication(db, REAL_WORKBOOK);
    expect(r).toMatchObject({
      kind: 'mi-publication',
      fileKind: 'workbook',
      status: 'loaded',
      rowsRead: 260,
      rowsLoaded: 12 + 516,
      firstDate: '2025-03-01',
      lastDate: '2025-08-01',
      periods: 6,
    });
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatch(
      /^Table 1: the month header is inconsistent \(2025-06 labels columns D and E\)/,
    );
    expect(r.warnings[0]).toContain('column D, labelled 2025-06-01 (Excel serial 45809), is 2025-07');
    expect(r.warnings[0]).toContain("confirmed: every column's figures equal the Table 2 sums");
    expect(r.notes).toContain(
      'Metric Metadata CSV columns: LatestLogins = logins, LatestUniqueLogins = unique_logins',
    );

    const months = await db.all<{ month: string }>(
      "SELECT DISTINCT month FROM mi_published WHERE level = 'england' ORDER BY month",
    );
    expect(months.map((m) => m.month)).toEqual(MONTHS);
    expect(
      await db.all(
        "SELECT measure, value FROM mi_published WHERE level = 'england' AND month = DATE '2025-07-01' ORDER BY measure",
      ),
    ).toEqual([
      { measure: 'logins', value: 56450869 },
      { measure: 'unique_logins', value: 12196687 },
    ]);
    for (const c of await englandVsIcbSum(db)) expect(c.icb_sum).toBe(c.england);

    // The same figures as the CSV extracts, row for row.
    const fromWorkbook = await db.all(`SELECT ${PUBLISHED_COLUMNS} FROM mi_published ORDER BY ALL`);
    const other = await openWarehouse();
    try {
      await importMiPublication(other, REAL_ICB);
      await importMiPublication(other, REAL_NATIONAL);
      const fromCsv = await other.all(`SELECT ${PUBLISHED_COLUMNS} FROM mi_published ORDER BY ALL`);
      expect(fromWorkbook).toHaveLength(528);
      expect(fromWorkbook).toEqual(fromCsv);
    } finally {
      other.close();
    }

    // Again: a no-op. After the CSVs, the workbook restates the same months (a replacement of equal figures).
    expect((await importMiPublication(db, REAL_WORKBOOK)).status).toBe('already_loaded');
  });
});

/** A small workbook in the publication's layout. */
async function writeWorkbook(
  name: string,
  t1Header: (Date | number)[],
  t1Rows: [string, string, ...(number | null)[]][],
  t2Rows: (string | number | Date)[][],
): Promise<string> {
  const wb = new ExcelJS.Workbook();
  wb.addWorksheet('Title Sheet').addRow(['NHS App Management Information Statistics']);
  const t1 = wb.addWorksheet('Table 1');
  t1.addRow(['Return to Title Sheet']);
  t1.addRow(['Table 1: National Summary']);
  t1.addRow(['', '', ...t1Header]);
  for (const r of t1Rows) t1.addRow(r);
  t1.addRow(['Source: NHS England']);
  const t2 = wb.addWorksheet('Table 2');
  t2.addRow(['Return to Title Sheet']);
  t2.addRow(['Table 2: ICB level']);
  t2.addRow([
    'Month',
    'ICB ODS Code [1,2]',
    'ICB Name [1,2]',
    'NHSE Region ODS Code [1,2]',
    'NHSE Region Name [1,2]',
    'NHS App logins',
    'NHS App unique user logins',
  ]);
  for (const r of t2Rows) t2.addRow(r);
  t2.addRow(['Source: NHS England']);
  const file = path.join(tmp.dir, name);
  await wb.xlsx.writeFile(file);
  return file;
}

const d = (iso: string) => new Date(`${iso}T00:00:00Z`);
const t2For = (month: string, a: [number, number], b: [number, number]) => [
  [d(month), 'QE1', 'NHS Lancashire and South Cumbria Integrated Care Board', 'Y62', 'North West', ...a],
  [d(month), 'Unknown', 'Unknown', 'Unknown', 'Unknown', ...b],
];

describe('MI workbook (synthetic)', () => {
  it('rejects bad Table 2 cells naming the sheet row and column; the warehouse unchanged', async () => {
    const file = await writeWorkbook(
      'bad.xlsx',
      [d('2025-02-01'), d('2025-01-01')],
      [
        ['Usage', 'NHS App logins', 110, 220],
        ['Individual Usage', 'NHS App unique user logins', 11, 22],
      ],
      [
        ...t2For('2025-01-01', [200, 20], [20, 2]),
        [d('2025-02-01'), 'QE1', 'NHS Lancashire', 'Y62', 'North West', -5, 10],
        [d('2025-02-01'), 'Unknown', 'Unknown', 'Unknown', 'Unknown', 10, ''],
      ],
    );
    const before = await feedCounts(db);
    const err = (await rejection(importMiPublication(db, file))) as unknown as IngestError;
    expect(err.problems.map((p) => [p.line, p.field, p.reason])).toEqual([
      [6, 'Table 2!F (NHS App logins)', '-5 is negative'],
      [7, 'Table 2!G (NHS App unique user logins)', 'is empty (the publication suppresses nothing)'],
    ]);
    expect(err.message).toContain('bad.xlsx line 6, field Table 2!F (NHS App logins): -5 is negative');
    expect(await feedCounts(db)).toEqual(before);
  });

  it('keys Table 1 by the month in each header cell, whatever the order', async () => {
    const file = await writeWorkbook(
      'ordered.xlsx',
      [dayToSerial('2025-01-01'), d('2025-02-01')], // oldest first, one serial and one date cell
      [['Usage', 'NHS App logins', 220, 110]],
      [...t2For('2025-01-01', [200, 20], [20, 2]), ...t2For('2025-02-01', [100, 10], [10, 1])],
    );
    const r = await importMiPublication(db, file);
    expect(r.warnings.join('\n')).toContain('not consecutive newest first');
    expect(
      await db.all("SELECT month, value FROM mi_published WHERE level = 'england' ORDER BY month"),
    ).toEqual([
      { month: '2025-01-01', value: 220 },
      { month: '2025-02-01', value: 110 },
    ]);
  });

  it('rejects a duplicated month header it cannot resolve', async () => {
    const file = await writeWorkbook(
      'unresolvable.xlsx',
      [d('2025-02-01'), d('2025-02-01')],
      [['Usage', 'NHS App logins', 999, 888]],
      [...t2For('2025-01-01', [200, 20], [20, 2]), ...t2For('2025-02-01', [100, 10], [10, 1])],
    );
    const err = (await rejection(importMiPublication(db, file))) as unknown as IngestError;
    expect(err.message).toContain(
      'field Table 1: the month header is inconsistent (2025-02 labels columns C and D)',
    );
    expect(await feedCounts(db)).toMatchObject({ mi_published: 0, feed_load: 0 });
  });
});

function dayToSerial(iso: string): number {
  return Math.round((Date.parse(`${iso}T00:00:00Z`) - Date.UTC(1899, 11, 30)) / 86_400_000);
}

describe('resolveTable1Months', () => {
  const col = (letter: string, label: string): Table1Column => ({ letter, label, shown: label });
  const sums = new Map([
    ['2025-08-01', new Map([['logins', 8]])],
    ['2025-07-01', new Map([['logins', 7]])],
    ['2025-06-01', new Map([['logins', 6]])],
  ]);

  it('uses unique header months as they are', () => {
    const r = resolveTable1Months(
      [col('C', '2025-08-01'), col('D', '2025-07-01'), col('E', '2025-06-01')],
      new Map([['logins', [8, 7, 6]]]),
      sums,
    );
    expect(r).toEqual({ ok: true, months: ['2025-08-01', '2025-07-01', '2025-06-01'], warnings: [] });
  });

  it('resolves a repeated month from the newest-first sequence, confirmed by Table 2', () => {
    const r = resolveTable1Months(
      [col('C', '2025-08-01'), col('D', '2025-06-01'), col('E', '2025-06-01')],
      new Map([['logins', [8, 7, 6]]]),
      sums,
    );
    expect(r.ok && r.months).toEqual(['2025-08-01', '2025-07-01', '2025-06-01']);
    expect(r.ok && r.warnings[0]).toContain('column D, labelled 2025-06-01, is 2025-07; confirmed');
  });

  it('falls back to the Table 2 sums when the sequence does not fit', () => {
    // The first column is mislabelled and the sequence (2 of 3 cells: anchor 2025-08) fits column C's figures badly.
    const r = resolveTable1Months(
      [col('C', '2025-07-01'), col('D', '2025-07-01'), col('E', '2025-06-01')],
      new Map([['logins', [6, 7, 8]]]),
      sums,
    );
    expect(r.ok && r.months).toEqual(['2025-06-01', '2025-07-01', '2025-08-01']);
    expect(r.ok && r.warnings[0]).toContain(
      'keyed each column by the one month whose Table 2 sums equal its figures',
    );
  });
});

describe('parseMonthText', () => {
  it('reads publication months', () => {
    expect(parseMonthText('2025-03-01')).toEqual({ ok: true, value: '2025-03-01' });
    expect(parseMonthText('2025-03')).toEqual({ ok: true, value: '2025-03-01' });
    expect(parseMonthText('March 2025')).toEqual({ ok: true, value: '2025-03-01' });
    expect(parseMonthText('Mar-25')).toEqual({ ok: true, value: '2025-03-01' });
    expect(parseMonthText('45809')).toEqual({ ok: true, value: '2025-06-01' });
    expect(parseMonthText('2025-03-02').ok).toBe(false);
    expect(parseMonthText('2025-13-01').ok).toBe(false);
  });
});
