/**
 * Who uses the NHS App, by age and by deprivation: the real figures of NHS England's FOI response
 * FOI-2507-2241508 ("NHS App User Demographics", England, March to May 2025, OGL v3.0), shipped as two CSV
 * extracts in data/reference/nhs-app/, with England's registered patients in the same age bands from the shipped
 * single-year-of-age list-size file (docs/adr/0072-who-uses-the-app.md). Loaded at start when missing; the files
 * are the product's own, but a file that does not parse is still refused whole, naming its line and field.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Warehouse } from '../../warehouse/db.ts';
import * as feedSql from '../../warehouse/sql/feeds.ts';
import { readCsv, readCsvHeader } from '../csv-reader.ts';
import { IngestError } from '../errors.ts';
import { BUNDLED_REFERENCE_DIR } from '../reference/bundled.ts';

export const FOI_SOURCE = 'FOI-2507-2241508';
const FOI_DIR = path.join(BUNDLED_REFERENCE_DIR, 'nhs-app');
export const FOI_AGE_FILE = path.join(FOI_DIR, 'nhs-app-foi_logins_by_ageband_2025-03_to_2025-05.csv');
export const FOI_IMD_FILE = path.join(FOI_DIR, 'nhs-app-foi_logins_by_imd_decile_2025-03_to_2025-05.csv');
export const SINGLE_AGE_FILE = path.join(
  BUNDLED_REFERENCE_DIR,
  'gp-reg-pat-prac-sing-age-regions_2026-08.csv.gz',
);

/** The FOI's age bands, youngest first; the list-size file stops at "95+", so the last two share one band. */
export const FOI_AGE_GROUPS = [
  '13 to 14',
  ...Array.from({ length: 16 }, (_, i) => `${15 + 5 * i} to ${19 + 5 * i}`),
  '95 to 99',
  '100+',
] as const;

/** The population band an FOI age group is compared with: its own, or "95+" for "95 to 99" and "100+". */
export function populationBand(group: string): { band: string; from: number; to: number } | null {
  if (group === '95 to 99' || group === '100+') return { band: '95+', from: 95, to: Infinity };
  const m = /^(\d+) to (\d+)$/.exec(group);
  return m ? { band: group, from: Number(m[1]), to: Number(m[2]) } : null;
}

export interface FoiRow {
  month: string;
  breakdown: 'age' | 'imd';
  group: string;
  logins: number;
  uniqueUsers: number;
}

/** Parses one FOI extract: MONTH, AGE_GROUP or IMD_DECILE, NHS_APP_LOGINS, NHS_APP_UNIQUE_USER_LOGINS. */
export async function parseFoiFile(file: string, breakdown: 'age' | 'imd'): Promise<FoiRow[]> {
  const name = path.basename(file);
  const groupColumn = breakdown === 'age' ? 'AGE_GROUP' : 'IMD_DECILE';
  const header = ['MONTH', groupColumn, 'NHS_APP_LOGINS', 'NHS_APP_UNIQUE_USER_LOGINS'];
  const names = await readCsvHeader(file);
  if (names.map((h) => h.toUpperCase()).join(',') !== header.join(','))
    throw new IngestError({ file: name, line: 1, reason: `the header must be ${header.join(',')}` });
  // The file's own names, in the order checked above (any letter case).
  const [monthCol, groupCol, loginsCol, usersCol] = names as [string, string, string, string];
  const validGroups = new Set<string>(
    breakdown === 'age'
      ? [...FOI_AGE_GROUPS, 'Unknown']
      : [...Array.from({ length: 10 }, (_, i) => String(i + 1)), 'Unknown'],
  );
  const rows: FoiRow[] = [];
  const seen = new Set<string>();
  for await (const { line, fields } of readCsv(file)) {
    const [month, group, logins, users] = [monthCol, groupCol, loginsCol, usersCol].map((c) => fields[c]!);
    if (!/^\d{4}-(0[1-9]|1[0-2])-01$/.test(month!))
      throw new IngestError({
        file: name,
        line,
        field: 'MONTH',
        reason: `"${month}" is not the first of a month`,
      });
    if (!validGroups.has(group!))
      throw new IngestError({
        file: name,
        line,
        field: groupColumn,
        reason: `"${group}" is not a known group`,
      });
    for (const [field, value] of [
      ['NHS_APP_LOGINS', logins!],
      ['NHS_APP_UNIQUE_USER_LOGINS', users!],
    ] as const)
      if (!/^\d+$/.test(value))
        throw new IngestError({ file: name, line, field, reason: `"${value}" is not a whole number` });
    if (Number(users) > Number(logins))
      throw new IngestError({
        file: name,
        line,
        field: 'NHS_APP_UNIQUE_USER_LOGINS',
        reason: 'is more than the logins: every user logged in at least once',
      });
    const key = `${month}|${group}`;
    if (seen.has(key))
      throw new IngestError({ file: name, line, reason: `repeats ${month!.slice(0, 7)} ${group}` });
    seen.add(key);
    rows.push({
      month: month!,
      breakdown,
      group: group!,
      logins: Number(logins),
      uniqueUsers: Number(users),
    });
  }
  if (rows.length === 0) throw new IngestError({ file: name, reason: 'has no rows' });
  return rows;
}

/**
 * England's registered patients in the FOI's population bands (13 to 14, 15 to 19 … 90 to 94, 95+), all sexes:
 * the single-year-of-age rows of the seven NHS England regions, female and male, summed.
 */
export async function patientsByAgeBand(file: string): Promise<{
  extractDate: string;
  bands: { band: string; from: number; patients: number }[];
}> {
  const name = path.basename(file);
  const byAge = new Map<number, number>();
  const dates = new Set<string>();
  const required = ['EXTRACT_DATE', 'ORG_TYPE', 'SEX', 'AGE', 'NUMBER_OF_PATIENTS'];
  for await (const { line, fields } of readCsv(file, { required })) {
    if (fields.ORG_TYPE !== 'Comm Region' || fields.SEX === 'ALL' || fields.AGE === 'ALL') continue;
    const age = fields.AGE === '95+' ? 95 : Number(fields.AGE);
    const n = Number(fields.NUMBER_OF_PATIENTS);
    if (!Number.isInteger(age) || age < 0)
      throw new IngestError({ file: name, line, field: 'AGE', reason: `"${fields.AGE}" is not an age` });
    if (!Number.isInteger(n) || n < 0)
      throw new IngestError({
        file: name,
        line,
        field: 'NUMBER_OF_PATIENTS',
        reason: `"${fields.NUMBER_OF_PATIENTS}" is not a whole number`,
      });
    dates.add(fields.EXTRACT_DATE!);
    byAge.set(age, (byAge.get(age) ?? 0) + n);
  }
  if (dates.size !== 1)
    throw new IngestError({ file: name, reason: `holds ${dates.size} extract dates, not one` });
  const bands = [...new Set(FOI_AGE_GROUPS.map((g) => populationBand(g)!.band))].map((band) => {
    const b = populationBand(band === '95+' ? '100+' : band)!;
    let patients = 0;
    for (const [age, n] of byAge) if (age >= b.from && age <= b.to) patients += n;
    return { band, from: b.from, patients };
  });
  return { extractDate: [...dates][0]!, bands };
}

/** Loads the FOI extracts and the age bands' patients when the warehouse lacks them; returns whether it did. */
export async function loadBundledFoiDemographics(db: Warehouse): Promise<boolean> {
  if (Number(await db.scalar(feedSql.foiRowsLoaded, [FOI_SOURCE])) > 0) return false;
  if (![FOI_AGE_FILE, FOI_IMD_FILE, SINGLE_AGE_FILE].every((f) => fs.existsSync(f))) return false;
  const rows = [...(await parseFoiFile(FOI_AGE_FILE, 'age')), ...(await parseFoiFile(FOI_IMD_FILE, 'imd'))];
  const population = await patientsByAgeBand(SINGLE_AGE_FILE);
  await db.transaction(async (tx) => {
    await tx.append(
      'foi_app_logins',
      rows.map((r) => [FOI_SOURCE, r.month, r.breakdown, r.group, r.logins, r.uniqueUsers]),
    );
    await tx.run(feedSql.deletePatientsByAgeBand, [population.extractDate]);
    await tx.append(
      'patients_by_age_band',
      population.bands.map((b) => [population.extractDate, b.band, b.from, b.patients]),
    );
  });
  return true;
}
