/**
 * Editions of the NHS App MI publication (issue 12): every edition is kept, the latest edition covering a month
 * wins whatever the loading order, revisions are stored, reloading changes nothing; and the workbook is read by
 * its headings whatever notes, blank rows or moved cells surround its tables (property tests on the real file).
 */
import ExcelJS from 'exceljs';
import fc from 'fast-check';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Warehouse } from '../../warehouse/db.ts';
import { IngestError } from '../errors.ts';
import { importMiPublication } from './mi-publication.ts';
import { editionOfWorkbook, parseMiWorkbook, parsePublicationDate } from './mi-workbook.ts';
import { openWarehouse, rejection, tempDir, writeCsv } from '../../../test/support/feed-files.ts';

const tmp = tempDir('feed-mi-editions-');
afterAll(() => tmp.remove());

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const REAL_DIR = path.join(REPO, 'data/reference/nhs-app');
const REAL_ICB = path.join(REAL_DIR, 'nhs-app-mi_icb_monthly_2025-03_to_2025-08.csv');
const REAL_NATIONAL = path.join(REAL_DIR, 'nhs-app-mi_national_monthly_2025-03_to_2025-08.csv');
const REAL_WORKBOOK = path.join(REAL_DIR, 'nhs-app-mi_august-2025.xlsx');

let db: Warehouse;
beforeEach(async () => {
  db = await openWarehouse();
});
afterEach(() => db.close());

const MI_TABLES = ['feed_load', 'mi_published', 'mi_figure', 'mi_edition'];
async function miContents(w: Warehouse): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const t of MI_TABLES) out[t] = await w.all(`SELECT * FROM ${t} ORDER BY ALL`);
  return out;
}

/** The figures shown (mi_published), without where they came from. */
function shown(w: Warehouse) {
  return w.all<{ month: string; level: string; icb_code: string; measure: string; value: number }>(
    'SELECT CAST(month AS VARCHAR) AS month, level, icb_code, measure, value FROM mi_published ORDER BY ALL',
  );
}

async function readWorkbook(file: string): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(file);
  return wb;
}

/**
 * A July 2025 edition made from the real August one: August removed from both tables, the title sheet saying
 * "March 2025 to July 2025" published 29 August 2025, and QE1's May 2025 logins (with England's, so the sums
 * still hold) lower by `delta`: the figure the August edition revised.
 */
async function julyEdition(delta: number): Promise<string> {
  const wb = await readWorkbook(REAL_WORKBOOK);
  const title = wb.getWorksheet('Title Sheet')!;
  title.getCell('A2').value = 'March 2025 to July 2025';
  title.getCell('A3').value = 'Publication date: August 29th 2025';
  const t1 = wb.getWorksheet('Table 1')!;
  // Table 1: columns C (Aug) … H (Mar); drop C, and give July its own header (the real file says June twice).
  t1.spliceColumns(3, 1);
  t1.getCell('C3').value = new Date(Date.UTC(2025, 6, 1));
  t1.getCell('A2').value =
    'Table 1: National Summary of NHS App usage and registration statistics, July 2025';
  const mayCol = 5; // C Jul, D Jun, E May
  t1.getRow(4).getCell(mayCol).value = (t1.getRow(4).getCell(mayCol).value as number) - delta;
  const t2 = wb.getWorksheet('Table 2')!;
  for (let r = t2.rowCount; r >= 4; r--) {
    const month = t2.getRow(r).getCell(1).value;
    if (month instanceof Date && month.toISOString().startsWith('2025-08')) t2.spliceRows(r, 1);
    else if (
      month instanceof Date &&
      month.toISOString().startsWith('2025-05') &&
      t2.getRow(r).getCell(2).value === 'QE1'
    ) {
      t2.getRow(r).getCell(6).value = (t2.getRow(r).getCell(6).value as number) - delta;
    }
  }
  const file = path.join(tmp.dir, `nhs-app-mi_july-2025_${delta}.xlsx`);
  await wb.xlsx.writeFile(file);
  return file;
}

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [items.slice()];
  return items.flatMap((x, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [x, ...rest]),
  );
}

describe('editions', () => {
  it('records the edition and publication date from the title sheet', async () => {
    const r = await importMiPublication(db, REAL_WORKBOOK);
    expect(r.notes).toContain('edition 2025-08, published 2025-09-26');
    expect(
      await db.all(
        `SELECT CAST(edition AS VARCHAR) AS edition, CAST(published_on AS VARCHAR) AS published_on, title,
           file_kind, CAST(first_month AS VARCHAR) AS first_month, CAST(last_month AS VARCHAR) AS last_month
         FROM mi_edition`,
      ),
    ).toEqual([
      {
        edition: '2025-08-01',
        published_on: '2025-09-26',
        title: 'March 2025 to August 2025',
        file_kind: 'workbook',
        first_month: '2025-03-01',
        last_month: '2025-08-01',
      },
    ]);
    expect(parsePublicationDate('September 26th 2025')).toBe('2025-09-26');
    expect(parsePublicationDate('1 April 2026')).toBe('2026-04-01');
    expect(parsePublicationDate('31st February 2026')).toBeNull();
  });

  it('the real workbook and CSV extracts load in every order to the same figures, one edition', async () => {
    const orders = permutations([REAL_WORKBOOK, REAL_ICB, REAL_NATIONAL]);
    let first: Awaited<ReturnType<typeof shown>> | undefined;
    for (const order of orders) {
      const w = await openWarehouse();
      try {
        for (const f of order) expect((await importMiPublication(w, f)).status).toBe('loaded');
        const figures = await shown(w);
        expect(figures).toHaveLength(6 * 2 + 6 * 43 * 2);
        if (first === undefined) first = figures;
        else expect(figures).toEqual(first);
        expect(await w.scalar('SELECT count(DISTINCT edition) FROM mi_figure')).toBe(1);
        expect(await w.scalar('SELECT CAST(max(edition) AS VARCHAR) FROM mi_edition')).toBe('2025-08-01');
      } finally {
        w.close();
      }
    }
    // Independently of the warehouse: August's England logins from the national CSV.
    const aug = fs
      .readFileSync(REAL_NATIONAL, 'utf8')
      .split(/\r?\n/)
      .find((l) => l.startsWith('2025-08-01'))!
      .split(',');
    expect(
      first!.find((f) => f.month === '2025-08-01' && f.level === 'england' && f.measure === 'logins')!.value,
    ).toBe(Number(aug[1]));
  });

  it('the latest edition wins whatever the order; the revision is kept with old value, new value and edition', async () => {
    const july = await julyEdition(1000);
    const qe1May = async (w: Warehouse) =>
      w.scalar<number>(
        "SELECT value FROM mi_published WHERE month = DATE '2025-05-01' AND icb_code = 'QE1' AND measure = 'logins'",
      );
    const results: unknown[] = [];
    for (const order of [
      [july, REAL_WORKBOOK],
      [REAL_WORKBOOK, july],
    ]) {
      const w = await openWarehouse();
      try {
        for (const f of order) await importMiPublication(w, f);
        const figures = await shown(w);
        results.push(figures);
        // The August edition's figure (from its own CSV extract, read independently).
        const line = fs
          .readFileSync(REAL_ICB, 'utf8')
          .split(/\r?\n/)
          .find((l) => l.startsWith('2025-05-01,QE1,'))!;
        expect(await qe1May(w)).toBe(Number(line.split(',')[5]));
        expect(await w.scalar('SELECT count(DISTINCT edition) FROM mi_figure')).toBe(2);
        const revisions = await w.all(
          `SELECT CAST(n.month AS VARCHAR) AS month, n.level, n.icb_code, n.measure, o.value AS old_value,
             n.value AS new_value, CAST(o.edition AS VARCHAR) AS old_edition, CAST(n.edition AS VARCHAR) AS edition
           FROM mi_figure n JOIN mi_figure o USING (month, level, icb_code, measure)
           WHERE o.edition < n.edition AND o.value <> n.value ORDER BY ALL`,
        );
        expect(revisions).toEqual([
          {
            month: '2025-05-01',
            level: 'england',
            icb_code: 'E92000001',
            measure: 'logins',
            old_value: 50796214 - 1000,
            new_value: 50796214,
            old_edition: '2025-07-01',
            edition: '2025-08-01',
          },
          {
            month: '2025-05-01',
            level: 'icb',
            icb_code: 'QE1',
            measure: 'logins',
            old_value: Number(line.split(',')[5]) - 1000,
            new_value: Number(line.split(',')[5]),
            old_edition: '2025-07-01',
            edition: '2025-08-01',
          },
        ]);
      } finally {
        w.close();
      }
    }
    expect(results[0]).toEqual(results[1]);
  });

  it('reloading the same file changes nothing, data version included', async () => {
    await db.run("INSERT INTO warehouse_meta VALUES ('data_version', '7') ON CONFLICT DO NOTHING");
    await importMiPublication(db, REAL_WORKBOOK);
    const before = await miContents(db);
    const version = await db.scalar("SELECT value FROM warehouse_meta WHERE key = 'data_version'");
    expect((await importMiPublication(db, REAL_WORKBOOK)).status).toBe('already_loaded');
    expect(await miContents(db)).toEqual(before);
    expect(await db.scalar("SELECT value FROM warehouse_meta WHERE key = 'data_version'")).toBe(version);
  });

  it('a bad file of a new edition changes nothing and names file, cell and reason', async () => {
    await importMiPublication(db, REAL_WORKBOOK);
    const before = await miContents(db);
    const wb = await readWorkbook(REAL_WORKBOOK);
    wb.getWorksheet('Table 2')!.getCell('F40').value = 'n/a';
    const bad = path.join(tmp.dir, 'bad-edition.xlsx');
    await wb.xlsx.writeFile(bad);
    const err = await rejection(importMiPublication(db, bad));
    expect(err).toBeInstanceOf(IngestError);
    expect(err.message).toMatch(
      /^bad-edition\.xlsx line 40, field Table 2!F \(NHS App logins\): "n\/a" is not a whole number/,
    );
    expect(await miContents(db)).toEqual(before);
  });
});

describe('2026 layout: six ICB-level measures, national-only measures, the England CSV', () => {
  const ICBS = [
    ['QE1', 'NHS Lancashire and South Cumbria Integrated Care Board', 'Y62', 'North West'],
    ['QMJ', 'NHS North Central London Integrated Care Board', 'Y56', 'London'],
    ['Unknown', 'Unknown', 'Unknown', 'Unknown'],
  ] as const;
  const MEASURES = [
    'NHS App logins',
    'NHS App unique user logins',
    'NHS App unique user logins in 12 months',
    'NHS App prescription orders',
    'NHS App unique users ordering prescriptions',
    'NHS App account registrations',
  ];
  const value = (m: number, i: number, month: number) => 1000 * (m + 1) + 10 * i + month;

  async function workbook2026(): Promise<string> {
    const wb = new ExcelJS.Workbook();
    const title = wb.addWorksheet('Title Sheet');
    title.getCell('A1').value = 'NHS App Management Information Statistics';
    title.getCell('A2').value = 'December 2020 to April 2026';
    title.getCell('A3').value = 'Publication date: May 28th 2026';
    const months = [new Date(Date.UTC(2026, 3, 1)), new Date(Date.UTC(2026, 2, 1))];
    const t1 = wb.addWorksheet('Table 1');
    t1.getCell('A2').value = 'Table 1: National Summary, April 2026';
    t1.getRow(4).values = [null, null, ...months];
    MEASURES.forEach((label, m) => {
      const sums = [3, 2].map((mo) => ICBS.reduce((s, _, i) => s + value(m, i, mo), 0));
      t1.getRow(5 + m).values = ['Usage', label, ...sums];
    });
    t1.getRow(11).values = [
      'Registrations',
      'NHS App all-time account registrations',
      40_000_000,
      39_500_000,
    ];
    t1.getRow(12).values = [
      'Prescription tracking',
      'Pharmacy sites live with prescription tracking',
      5000,
      4000,
    ];
    t1.getRow(14).values = ['Source: NHS England'];
    t1.getRow(15).values = [null, null, 'Note: registrations were re-instated on 17 June 2026'];
    const t2 = wb.addWorksheet('Table 2');
    t2.getRow(3).values = [
      'Month',
      'ICB ODS Code [1,2]',
      'ICB Name [1,2]',
      'NHSE Region ODS Code [1,2]',
      'NHSE Region Name [1,2]',
      ...MEASURES,
    ];
    let r = 4;
    for (const [mo, month] of [
      [2, months[1]!],
      [3, months[0]!],
    ] as const) {
      ICBS.forEach((icb, i) => {
        t2.getRow(r++).values = [month, ...icb, ...MEASURES.map((_, m) => value(m, i, mo))];
      });
    }
    t2.getRow(r + 1).values = [null, null, 'Notes: 1 Unknown = usage not mapped to an ICB'];
    const meta = wb.addWorksheet('Metric Metadata');
    meta.getRow(1).values = ['Metric', 'CSV Column Name', 'Description'];
    meta.getRow(2).values = ['NHS App logins', 'LatestLogins', 'Logins'];
    meta.getRow(3).values = ['Pharmacy sites live with prescription tracking', 'PharmacySitesLive', 'Sites'];
    const file = path.join(tmp.dir, 'nhs-app-mi_april-2026.xlsx');
    await wb.xlsx.writeFile(file);
    return file;
  }

  it('loads every known measure at ICB and England level, and names what it does not know', async () => {
    const r = await importMiPublication(db, await workbook2026());
    expect(r.notes).toContain('edition 2026-04, published 2026-05-28');
    expect(r.warnings).toEqual(
      expect.arrayContaining([
        'Table 1: row(s) Prescription tracking / Pharmacy sites live with prescription tracking not loaded (measure not known)',
        'Metric Metadata lists measure(s) not known to this version, not loaded: "Pharmacy sites live with prescription tracking"',
      ]),
    );
    const measures = await db.all<{ level: string; measure: string; n: number }>(
      'SELECT level, measure, count(*) AS n FROM mi_published GROUP BY ALL ORDER BY ALL',
    );
    expect(measures).toEqual([
      { level: 'england', measure: 'logins', n: 2 },
      { level: 'england', measure: 'prescriptions_ordered', n: 2 },
      { level: 'england', measure: 'registrations', n: 2 },
      { level: 'england', measure: 'registrations_all_time', n: 2 },
      { level: 'england', measure: 'unique_logins', n: 2 },
      { level: 'england', measure: 'unique_logins_12m', n: 2 },
      { level: 'england', measure: 'users_ordering_prescriptions', n: 2 },
      ...[
        'logins',
        'prescriptions_ordered',
        'registrations',
        'unique_logins',
        'unique_logins_12m',
        'users_ordering_prescriptions',
      ].map((measure) => ({ level: 'icb', measure, n: 6 })),
    ]);
    expect(r.warnings.filter((w) => /≠/.test(w))).toEqual([]);
  });

  it('the England CSV with the official column names loads as the national series', async () => {
    const file = writeCsv(tmp.dir, 'nhs-app-mi_england_2026-04.csv', [
      'MONTH,NHS_APP_LOGINS,NHS_APP_UNIQUE_USER_LOGINS,NHS_APP_UNIQUE_USER_LOGINS_12_MONTHS,NHS_APP_PRESCRIPTION_ORDERS,NHS_APP_UNIQUE_USERS_ORDERING_PRESCRIPTIONS,NHS_APP_ACCOUNT_REGISTRATIONS,NHS_APP_ALL_TIME_ACCOUNT_REGISTRATIONS',
      '2026-04-01,1,2,3,4,5,6,7',
    ]);
    const r = await importMiPublication(db, file);
    expect(r).toMatchObject({ fileKind: 'national-csv', rowsLoaded: 7 });
    expect(await db.all('SELECT measure, value FROM mi_published ORDER BY value')).toEqual([
      { measure: 'logins', value: 1 },
      { measure: 'unique_logins', value: 2 },
      { measure: 'unique_logins_12m', value: 3 },
      { measure: 'prescriptions_ordered', value: 4 },
      { measure: 'users_ordering_prescriptions', value: 5 },
      { measure: 'registrations', value: 6 },
      { measure: 'registrations_all_time', value: 7 },
    ]);
  });
});

describe('robust reading: perturbing the real workbook layout reads the same figures', () => {
  type Perturbation =
    | { kind: 'note'; sheet: 'Table 1' | 'Table 2'; at: number; col: number; text: string }
    | { kind: 'blank'; sheet: 'Table 1' | 'Table 2'; at: number }
    | { kind: 'shiftDown'; sheet: 'Table 1' | 'Table 2'; n: number }
    | { kind: 'shiftRight'; sheet: 'Table 1' | 'Table 2'; n: number }
    | { kind: 'beside'; sheet: 'Table 1' | 'Table 2'; at: number; text: string };

  const noteText = fc.constantFrom(
    'Notes:',
    '1 A small proportion of usage cannot be mapped to an ICB',
    'Source: NHS England',
    'Figures for July were revised',
    '[x] see Data Quality',
    'Copyright © 2025 NHS England',
  );
  const sheet = fc.constantFrom('Table 1' as const, 'Table 2' as const);
  const perturbation: fc.Arbitrary<Perturbation> = fc.oneof(
    fc.record({
      kind: fc.constant('note' as const),
      sheet,
      at: fc.nat(),
      col: fc.integer({ min: 1, max: 12 }),
      text: noteText,
    }),
    fc.record({ kind: fc.constant('blank' as const), sheet, at: fc.nat() }),
    fc.record({ kind: fc.constant('shiftDown' as const), sheet, n: fc.integer({ min: 1, max: 4 }) }),
    fc.record({ kind: fc.constant('shiftRight' as const), sheet, n: fc.integer({ min: 1, max: 3 }) }),
    fc.record({ kind: fc.constant('beside' as const), sheet, at: fc.nat(), text: noteText }),
  );

  /** Applies the perturbations; notes go on rows of their own (anywhere) or beside the table, never inside it. */
  function perturb(wb: ExcelJS.Workbook, ps: readonly Perturbation[]): void {
    for (const p of ps) {
      const ws = wb.getWorksheet(p.sheet)!;
      const rows = ws.rowCount;
      switch (p.kind) {
        case 'note': {
          const at = 1 + (p.at % (rows + 2));
          ws.spliceRows(at, 0, []);
          ws.getRow(at).getCell(p.col).value = p.text;
          break;
        }
        case 'blank':
          ws.spliceRows(1 + (p.at % (rows + 2)), 0, []);
          break;
        case 'shiftDown':
          ws.spliceRows(1, 0, ...Array.from({ length: p.n }, () => []));
          ws.getRow(1).getCell(1).value = 'Return to contents';
          break;
        case 'shiftRight':
          for (let i = 0; i < p.n; i++) ws.spliceColumns(1, 0, []);
          break;
        case 'beside': {
          const r = 1 + (p.at % rows);
          ws.getRow(r).getCell(ws.columnCount + 2).value = p.text;
          break;
        }
      }
    }
  }

  it('finds the tables by their headings whatever notes, blank rows and moved cells surround them', async () => {
    const base = parseMiWorkbook(await readWorkbook(REAL_WORKBOOK), REAL_WORKBOOK);
    const key = (vs: typeof base.values) =>
      vs.map((v) => `${v.month}|${v.level}|${v.icb?.icbCode ?? 'E'}|${v.measure}|${v.value}`).sort();
    const expected = key(base.values);
    expect(expected).toHaveLength(6 * 2 + 6 * 43 * 2);
    const realBytes = fs.readFileSync(REAL_WORKBOOK);
    await fc.assert(
      fc.asyncProperty(fc.array(perturbation, { minLength: 1, maxLength: 5 }), async (ps) => {
        const wb = new ExcelJS.Workbook();
        await wb.xlsx.load(realBytes as unknown as ArrayBuffer);
        perturb(wb, ps);
        // Written and read back, as a user's file would be.
        const bytes = await wb.xlsx.writeBuffer();
        const again = new ExcelJS.Workbook();
        await again.xlsx.load(bytes as ArrayBuffer);
        const parsed = parseMiWorkbook(again, 'perturbed.xlsx');
        expect(key(parsed.values)).toEqual(expected);
        expect(parsed.edition).toEqual(base.edition);
      }),
      { numRuns: 25, seed: 12 },
    );
  }, 120_000);

  it('the edition comes from the title sheet, else a table title, else the last month held', async () => {
    const wb = await readWorkbook(REAL_WORKBOOK);
    const values = parseMiWorkbook(wb, 'x.xlsx').values;
    expect(editionOfWorkbook(wb, values)).toEqual({
      month: '2025-08-01',
      publishedOn: '2025-09-26',
      title: 'March 2025 to August 2025',
    });
    wb.removeWorksheet(wb.getWorksheet('Title Sheet')!.id);
    expect(editionOfWorkbook(wb, values)).toEqual({ month: '2025-08-01', publishedOn: null, title: null });
  });
});
