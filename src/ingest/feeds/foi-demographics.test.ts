import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openWarehouse } from '../../../test/support/feed-files.ts';
import { getDemographics, withRates } from '../../query/demographics.ts';
import type { Warehouse } from '../../warehouse/db.ts';
import { sqlLiteral } from '../../warehouse/sql.ts';
import {
  FOI_AGE_FILE,
  FOI_IMD_FILE,
  SINGLE_AGE_FILE,
  loadBundledFoiDemographics,
  parseFoiFile,
  patientsByAgeBand,
} from './foi-demographics.ts';

let db: Warehouse;
beforeEach(async () => {
  db = await openWarehouse();
});
afterEach(() => db.close());
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'foi-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, text);
  return file;
}

describe('who uses the App: the shipped FOI figures (FOI-2507-2241508)', () => {
  it('load once, as published; a second start loads nothing', async () => {
    expect(await loadBundledFoiDemographics(db)).toBe(true);
    // Counted from the files by DuckDB's own CSV reader, not by the loader's parser.
    const fileRows = async (file: string) =>
      Number(await db.scalar(`SELECT count(*) FROM read_csv(${sqlLiteral(file)}, header = true)`));
    expect(await db.scalar("SELECT count(*) FROM foi_app_logins WHERE breakdown = 'age'")).toBe(
      await fileRows(FOI_AGE_FILE),
    );
    expect(await db.scalar("SELECT count(*) FROM foi_app_logins WHERE breakdown = 'imd'")).toBe(
      await fileRows(FOI_IMD_FILE),
    );
    // Two rows as NHS England published them (the files' own lines).
    expect(
      await db.all(
        "SELECT logins, unique_users FROM foi_app_logins WHERE month = DATE '2025-03-01' AND grp IN ('15 to 19', '1') ORDER BY breakdown",
      ),
    ).toEqual([
      { logins: 1120653, unique_users: 249969 },
      { logins: 6607626, unique_users: 1315552 },
    ]);
    expect(await loadBundledFoiDemographics(db)).toBe(false);
    expect(await db.scalar('SELECT count(*) FROM foi_app_logins')).toBe(
      (await fileRows(FOI_AGE_FILE)) + (await fileRows(FOI_IMD_FILE)),
    );
  });

  it("compares each age group with England's registered patients of its ages, summed from the regions' single years", async () => {
    await loadBundledFoiDemographics(db);
    // The brute force: DuckDB over the list-size file, every region's female and male rows of each age.
    const patients = async (from: number, to: number) =>
      Number(
        await db.scalar(
          `SELECT sum(NUMBER_OF_PATIENTS) FROM read_csv(${sqlLiteral(SINGLE_AGE_FILE)}, header = true, all_varchar = true,
             columns = {'PUBLICATION': 'VARCHAR', 'EXTRACT_DATE': 'VARCHAR', 'ORG_TYPE': 'VARCHAR', 'ORG_CODE': 'VARCHAR',
                        'ONS_CODE': 'VARCHAR', 'SEX': 'VARCHAR', 'AGE': 'VARCHAR', 'NUMBER_OF_PATIENTS': 'BIGINT'})
           WHERE ORG_TYPE = 'Comm Region' AND SEX IN ('FEMALE', 'MALE')
             AND TRY_CAST(replace(AGE, '+', '') AS INTEGER) BETWEEN ${from} AND ${to}`,
        ),
      );
    const answer = await getDemographics(db, '2025-05');
    expect(answer.months).toEqual(['2025-03', '2025-04', '2025-05']);
    expect(answer.patientsExtract).toBe('2026-08-01');
    const age = (g: string) => answer.rows.find((r) => r.breakdown === 'age' && r.group === g)!;
    expect(age('13 to 14').patients).toBe(await patients(13, 14));
    expect(age('60 to 64').patients).toBe(await patients(60, 64));
    const over95 = await patients(95, 200);
    expect(age('95 to 99').patients).toBe(over95);
    // 95 to 99 and 100+ share the rate of 95 and over: their users together over those patients.
    const together = age('95 to 99').uniqueUsers + age('100+').uniqueUsers;
    expect(age('100+').bandUsersPer1000).toBeCloseTo((1000 * together) / over95, 9);
    expect(age('95 to 99').bandUsersPer1000).toBe(age('100+').bandUsersPer1000);
    expect(age('60 to 64').bandUsersPer1000).toBeCloseTo(
      (1000 * age('60 to 64').uniqueUsers) / (await patients(60, 64)),
      9,
    );
    expect(age('Unknown')).toMatchObject({ populationBand: null, patients: null, bandUsersPer1000: null });
    // Groups in order: youngest first, Unknown last; deciles 1 to 10, Unknown last.
    expect(answer.rows.filter((r) => r.breakdown === 'age').map((r) => r.group)).toEqual([
      '13 to 14',
      ...Array.from({ length: 16 }, (_, i) => `${15 + 5 * i} to ${19 + 5 * i}`),
      '95 to 99',
      '100+',
      'Unknown',
    ]);
    const deciles = answer.rows.filter((r) => r.breakdown === 'imd');
    expect(deciles.map((r) => r.group)).toEqual([
      ...Array.from({ length: 10 }, (_, i) => String(i + 1)),
      'Unknown',
    ]);
    const known = deciles.filter((r) => r.group !== 'Unknown');
    expect(known.reduce((a, r) => a + r.shareOfKnown!, 0)).toBeCloseTo(1, 12);
  });

  it('the rates of hand-made rows', () => {
    const rows = withRates([
      {
        month: '2025-05',
        breakdown: 'age',
        group: '95 to 99',
        logins: 10,
        uniqueUsers: 6,
        populationBand: '95+',
        patients: 40,
      },
      {
        month: '2025-05',
        breakdown: 'age',
        group: '100+',
        logins: 3,
        uniqueUsers: 2,
        populationBand: '95+',
        patients: 40,
      },
      {
        month: '2025-05',
        breakdown: 'imd',
        group: '1',
        logins: 9,
        uniqueUsers: 3,
        populationBand: null,
        patients: null,
      },
      {
        month: '2025-05',
        breakdown: 'imd',
        group: '2',
        logins: 9,
        uniqueUsers: 1,
        populationBand: null,
        patients: null,
      },
      {
        month: '2025-05',
        breakdown: 'imd',
        group: 'Unknown',
        logins: 9,
        uniqueUsers: 5,
        populationBand: null,
        patients: null,
      },
    ]);
    expect(rows.map((r) => [r.bandUsersPer1000, r.shareOfKnown])).toEqual([
      [200, null],
      [200, null],
      [null, 0.75],
      [null, 0.25],
      [null, null],
    ]);
  });

  it('refuses a file that does not parse, naming its line and field', async () => {
    const header = 'MONTH,AGE_GROUP,NHS_APP_LOGINS,NHS_APP_UNIQUE_USER_LOGINS';
    await expect(parseFoiFile(write('h.csv', 'MONTH,AGE,LOGINS,USERS\n'), 'age')).rejects.toThrow(
      'h.csv line 1: the header must be MONTH,AGE_GROUP,NHS_APP_LOGINS,NHS_APP_UNIQUE_USER_LOGINS',
    );
    await expect(
      parseFoiFile(write('n.csv', `${header}\n2025-03-01,15 to 19,12x,4\n`), 'age'),
    ).rejects.toThrow('n.csv line 2, field NHS_APP_LOGINS: "12x" is not a whole number');
    await expect(
      parseFoiFile(write('g.csv', `${header}\n2025-03-01,15 to 19,12,4\n2025-03-01,16 to 19,12,4\n`), 'age'),
    ).rejects.toThrow('g.csv line 3, field AGE_GROUP: "16 to 19" is not a known group');
    await expect(parseFoiFile(write('u.csv', `${header}\n2025-03-01,15 to 19,3,4\n`), 'age')).rejects.toThrow(
      'u.csv line 2, field NHS_APP_UNIQUE_USER_LOGINS: is more than the logins',
    );
    await expect(
      parseFoiFile(write('d.csv', `${header}\n2025-03-01,15 to 19,5,4\n2025-03-01,15 to 19,5,4\n`), 'age'),
    ).rejects.toThrow('d.csv line 3: repeats 2025-03 15 to 19');
    await expect(
      patientsByAgeBand(
        write(
          'p.csv',
          'EXTRACT_DATE,ORG_TYPE,SEX,AGE,NUMBER_OF_PATIENTS\n2026-08-01,Comm Region,MALE,ten,5\n',
        ),
      ),
    ).rejects.toThrow('p.csv line 2, field AGE: "ten" is not an age');
  });
});
