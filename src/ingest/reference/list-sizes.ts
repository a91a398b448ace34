/**
 * Importers for the NHS "Patients Registered at a GP Practice" list-size files, into `list_size`
 * (registered patients of all ages and aged 13+, per organisation and extract date):
 *
 * - `gp-reg-pat-prac-all` (kind list_size_all): practice totals, `TYPE`, `CODE`, SEX = ALL, AGE = ALL. A file may
 *   hold several EXTRACT_DATEs: each is its own release. patients_13plus is NULL.
 * - `gp-reg-pat-prac-sing-age-*` (kind list_size_single_age): `ORG_TYPE` (or `TYPE`), `ORG_CODE`, SEX, AGE = 0…94,
 *   `95+`, ALL. patients_13plus = ages 13 and over, exactly (kind_13plus 'exact'), from the SEX = ALL age rows when
 *   the file has them, else MALE + FEMALE (NHS files give ages by sex only); patients_all from SEX = ALL, AGE = ALL.
 * - `gp-reg-pat-prac-quin-age` (kind list_size_quinary): `AGE_GROUP_5` = 0_4 … 90_94, 95+, ALL. patients_13plus is
 *   estimated (kind_13plus 'estimated') as the bands from 15 up plus 0.4 × the 10_14 band (in general, the share
 *   of each band at or above 13, assuming ages spread evenly within a band).
 *
 * ORG_TYPE / TYPE values map to our levels: `Comm Region` → region, `ICB` / `STP` → icb,
 * `SUB_ICB_LOCATION_CODE` / `SUB_ICB_LOCATION` / `CCG` → sub_icb, `PCN` → pcn, `GP` → practice.
 * When a file has region rows and no England row, an `england` row (E92000001) is derived as the sum of the regions.
 * Single-age and quinary files must hold one EXTRACT_DATE. For each organisation and sex, the age rows must add up
 * to that sex's ALL row. Which source wins where several exist is decided by queries: rows keep their source_kind.
 */
import { ENGLAND_CODE, type AreaLevel } from '../../domain/areas.ts';
import type { Warehouse } from '../../warehouse/db.ts';
import { type ColumnSpec, readCsv, readCsvHeader, readCsvHeaderLine, resolveColumn } from '../csv-reader.ts';
import { IngestError, ProblemCollector } from '../errors.ts';
import {
  existingReleases,
  fileSha256,
  type ImportSummary,
  odsCodeProblem,
  orgTypeLevel,
  parseExtractDate,
  readFirstValue,
  type ReleaseToWrite,
  skippedSummary,
  writeReleases,
} from './common.ts';
import * as referenceSql from '../../warehouse/sql/reference.ts';

export type ListSizeKind = 'list_size_all' | 'list_size_single_age' | 'list_size_quinary';

/** An age band [lo, hi] in whole years (hi = Infinity for `95+`), or ALL. */
type Age = { lo: number; hi: number } | 'ALL';

interface Format {
  kind: ListSizeKind;
  typeColumn: readonly string[];
  codeColumn: readonly string[];
  ageColumn: string;
  /** Several extract dates allowed in one file. */
  multiDate: boolean;
  kind13: 'exact' | 'estimated' | null;
  parseAge(raw: string): Age | null;
}

function parseOpenBand(raw: string): Age | null {
  const m = /^(\d+)\s*\+$/.exec(raw);
  return m ? { lo: Number(m[1]), hi: Infinity } : null;
}

const FORMATS: Record<ListSizeKind, Format> = {
  list_size_all: {
    kind: 'list_size_all',
    typeColumn: ['TYPE', 'ORG_TYPE'],
    codeColumn: ['CODE'],
    ageColumn: 'AGE',
    multiDate: true,
    kind13: null,
    parseAge: (raw) => (raw.toUpperCase() === 'ALL' ? 'ALL' : null),
  },
  list_size_single_age: {
    kind: 'list_size_single_age',
    typeColumn: ['ORG_TYPE', 'TYPE'],
    codeColumn: ['ORG_CODE'],
    ageColumn: 'AGE',
    multiDate: false,
    kind13: 'exact',
    parseAge: (raw) => {
      if (raw.toUpperCase() === 'ALL') return 'ALL';
      if (/^\d+$/.test(raw)) return { lo: Number(raw), hi: Number(raw) };
      return parseOpenBand(raw);
    },
  },
  list_size_quinary: {
    kind: 'list_size_quinary',
    typeColumn: ['ORG_TYPE', 'TYPE'],
    codeColumn: ['ORG_CODE'],
    ageColumn: 'AGE_GROUP_5',
    multiDate: false,
    kind13: 'estimated',
    parseAge: (raw) => {
      if (raw.toUpperCase() === 'ALL') return 'ALL';
      const m = /^(\d+)_(\d+)$/.exec(raw);
      if (m) {
        const lo = Number(m[1]);
        const hi = Number(m[2]);
        return lo <= hi ? { lo, hi } : null;
      }
      return parseOpenBand(raw);
    },
  },
};

/** The share of a band's patients aged 13 or over, assuming ages spread evenly within the band. */
export function shareAged13Plus(lo: number, hi: number): number {
  if (hi < 13) return 0;
  if (lo >= 13) return 1;
  return (hi - 13 + 1) / (hi - lo + 1);
}

/** Which list-size format a header is, or undefined. */
export function listSizeKindOfHeader(header: readonly string[]): ListSizeKind | undefined {
  const has = (name: string) => header.includes(name);
  if (!has('NUMBER_OF_PATIENTS') || !has('SEX') || !has('EXTRACT_DATE')) return undefined;
  if (has('AGE_GROUP_5') && has('ORG_CODE')) return 'list_size_quinary';
  if (has('AGE') && has('ORG_CODE')) return 'list_size_single_age';
  if (has('AGE') && has('CODE')) return 'list_size_all';
  return undefined;
}

const SEXES = ['ALL', 'MALE', 'FEMALE'] as const;
type Sex = (typeof SEXES)[number];

interface SexAcc {
  all: number | null;
  allLine: number;
  ageSum: number;
  aged13plus: number;
  hasAges: boolean;
}

interface OrgAcc {
  date: string;
  level: AreaLevel;
  code: string;
  sexes: Partial<Record<Sex, SexAcc>>;
  seen: Set<string>;
}

/** One list_size row. */
export interface ListSizeRow {
  extractDate: string;
  areaLevel: AreaLevel;
  areaCode: string;
  patientsAll: number | null;
  patients13plus: number | null;
  kind13plus: 'exact' | 'estimated' | null;
  sourceKind: ListSizeKind;
}

export interface ParsedListSizes {
  kind: ListSizeKind;
  rows: ListSizeRow[];
  releases: ReleaseToWrite[];
  rowsRead: number;
}

/** Parses and validates a whole list-size file of the given format. Throws an IngestError listing the problems. */
export async function parseListSizes(file: string, kind: ListSizeKind): Promise<ParsedListSizes> {
  const format = FORMATS[kind];
  const header = await readCsvHeader(file);
  const typeCol = resolveColumn(header, format.typeColumn) ?? format.typeColumn[0]!;
  const codeCol = resolveColumn(header, format.codeColumn) ?? format.codeColumn[0]!;
  const required: ColumnSpec[] = [
    'EXTRACT_DATE',
    format.typeColumn,
    format.codeColumn,
    'SEX',
    format.ageColumn,
    'NUMBER_OF_PATIENTS',
  ];
  const hasPublication = header.includes('PUBLICATION');

  const problems = new ProblemCollector(file);
  const orgs = new Map<string, OrgAcc>();
  const publications = new Map<string, string | null>();
  let firstDate: { date: string; line: number } | undefined;
  let rowsRead = 0;
  // Values repeat across hundreds of thousands of rows: parse each distinct one once.
  const dateCache = new Map<string, string | null>();
  const levelCache = new Map<string, AreaLevel | undefined>();
  const ageCache = new Map<string, Age | null>();
  const validCodes = new Set<string>();

  for await (const { line, fields } of readCsv(file, { required })) {
    rowsRead += 1;
    let ok = true;
    const rawDate = fields.EXTRACT_DATE ?? '';
    let date = dateCache.get(rawDate);
    if (date === undefined) {
      date = parseExtractDate(rawDate);
      dateCache.set(rawDate, date);
    }
    if (date === null) {
      problems.add(line, 'EXTRACT_DATE', rawDate === '' ? 'is empty' : `"${rawDate}" is not a date`);
      ok = false;
    } else if (!firstDate) {
      firstDate = { date, line };
    } else if (!format.multiDate && date !== firstDate.date) {
      problems.add(
        line,
        'EXTRACT_DATE',
        `a file must hold one extract: ${date} here but ${firstDate.date} on line ${firstDate.line}`,
      );
      ok = false;
    }

    const rawType = fields[typeCol] ?? '';
    let level = levelCache.get(rawType);
    if (!levelCache.has(rawType)) {
      level = orgTypeLevel(rawType);
      levelCache.set(rawType, level);
    }
    if (level === undefined) {
      problems.add(line, typeCol, rawType === '' ? 'is empty' : `unknown organisation type "${rawType}"`);
      ok = false;
    } else if (kind === 'list_size_all' && level !== 'practice') {
      problems.add(
        line,
        typeCol,
        `expected GP (practice rows) in a gp-reg-pat-prac-all file, found "${rawType}"`,
      );
      ok = false;
    }

    let code = fields[codeCol] ?? '';
    if (level === 'england') {
      code = ENGLAND_CODE;
    } else if (level !== undefined && !validCodes.has(`${level}\t${code}`)) {
      const problem = odsCodeProblem(level, code);
      if (problem) {
        problems.add(line, codeCol, problem);
        ok = false;
      } else {
        validCodes.add(`${level}\t${code}`);
      }
    }

    const rawSex = (fields.SEX ?? '').toUpperCase();
    const sex = (SEXES as readonly string[]).includes(rawSex) ? (rawSex as Sex) : undefined;
    if (sex === undefined) {
      problems.add(line, 'SEX', `"${fields.SEX ?? ''}" is not ALL, MALE or FEMALE`);
      ok = false;
    }

    const rawAge = fields[format.ageColumn] ?? '';
    let age = ageCache.get(rawAge);
    if (age === undefined) {
      age = format.parseAge(rawAge);
      ageCache.set(rawAge, age);
    }
    if (age === null) {
      problems.add(line, format.ageColumn, rawAge === '' ? 'is empty' : `"${rawAge}" is not a valid age`);
      ok = false;
    } else if (kind === 'list_size_all' && sex !== 'ALL') {
      problems.add(line, 'SEX', `expected ALL in a gp-reg-pat-prac-all file, found "${fields.SEX}"`);
      ok = false;
    }

    const rawN = fields.NUMBER_OF_PATIENTS ?? '';
    if (!/^\d+$/.test(rawN) || !Number.isSafeInteger(Number(rawN))) {
      problems.add(
        line,
        'NUMBER_OF_PATIENTS',
        rawN === '' ? 'is empty' : `"${rawN}" is not a whole number of patients`,
      );
      ok = false;
    }
    if (!ok) continue;
    const n = Number(rawN);

    if (!publications.has(date!)) publications.set(date!, hasPublication ? fields.PUBLICATION || null : null);
    const key = `${date}\t${level}\t${code}`;
    let org = orgs.get(key);
    if (!org) {
      org = { date: date!, level: level!, code, sexes: {}, seen: new Set() };
      orgs.set(key, org);
    }
    const dupKey = `${sex}\t${age === 'ALL' ? 'ALL' : `${age!.lo}-${age!.hi}`}`;
    if (org.seen.has(dupKey)) {
      problems.add(line, format.ageColumn, `a second ${sex} row for ${code} age ${rawAge} on ${date}`);
      continue;
    }
    org.seen.add(dupKey);
    let acc = org.sexes[sex!];
    if (!acc) {
      acc = { all: null, allLine: line, ageSum: 0, aged13plus: 0, hasAges: false };
      org.sexes[sex!] = acc;
    }
    if (age === 'ALL') {
      acc.all = n;
      acc.allLine = line;
    } else {
      acc.hasAges = true;
      acc.ageSum += n;
      acc.aged13plus += n * shareAged13Plus(age!.lo, age!.hi);
    }
  }
  if (rowsRead === 0) problems.add(undefined, undefined, 'the file has a header but no rows');

  const rows: ListSizeRow[] = [];
  for (const org of orgs.values()) {
    for (const sex of SEXES) {
      const acc = org.sexes[sex];
      if (acc && acc.hasAges && acc.all !== null && acc.ageSum !== acc.all) {
        problems.add(
          acc.allLine,
          'NUMBER_OF_PATIENTS',
          `${org.code} ${sex} ages add up to ${acc.ageSum} but the ALL row says ${acc.all}`,
        );
      }
    }
    const { ALL: all, MALE: male, FEMALE: female } = org.sexes;
    let patientsAll: number | null = all?.all ?? null;
    if (patientsAll === null && male && female && male.all !== null && female.all !== null) {
      patientsAll = male.all + female.all;
    }
    let patients13plus: number | null = null;
    if (all?.hasAges) patients13plus = all.aged13plus;
    else if (male?.hasAges && female?.hasAges) patients13plus = male.aged13plus + female.aged13plus;
    rows.push({
      extractDate: org.date,
      areaLevel: org.level,
      areaCode: org.code,
      patientsAll,
      patients13plus,
      kind13plus: patients13plus === null ? null : format.kind13,
      sourceKind: kind,
    });
  }
  problems.throwIfAny();

  // England = sum of the regions, when the file has regions but no England row.
  const dates = [...new Set(rows.map((r) => r.extractDate))].sort();
  for (const date of dates) {
    const ofDate = rows.filter((r) => r.extractDate === date);
    const regions = ofDate.filter((r) => r.areaLevel === 'region');
    if (regions.length === 0 || ofDate.some((r) => r.areaLevel === 'england')) continue;
    const sum = (pick: (r: ListSizeRow) => number | null): number | null =>
      regions.some((r) => pick(r) === null) ? null : regions.reduce((s, r) => s + pick(r)!, 0);
    const patients13plus = sum((r) => r.patients13plus);
    rows.push({
      extractDate: date,
      areaLevel: 'england',
      areaCode: ENGLAND_CODE,
      patientsAll: sum((r) => r.patientsAll),
      patients13plus,
      kind13plus: patients13plus === null ? null : format.kind13,
      sourceKind: kind,
    });
  }

  const releases = dates.map((date) => ({
    extractDate: date,
    publication: publications.get(date) ?? null,
    rows: rows.filter((r) => r.extractDate === date).length,
  }));
  return { kind, rows, releases, rowsRead };
}

async function importListSizesOfKind(
  db: Warehouse,
  file: string,
  kind: ListSizeKind,
): Promise<ImportSummary> {
  const sha256 = await fileSha256(file);
  if (!FORMATS[kind].multiDate) {
    // Fast path: a single-extract file whose release is already loaded from this very content.
    const first = parseExtractDate((await readFirstValue(file, 'EXTRACT_DATE')) ?? '');
    const old = first !== null ? (await existingReleases(db, kind)).get(first) : undefined;
    if (old && old.sha256 === sha256) return skippedSummary(file, kind, sha256, old);
  }
  const parsed = await parseListSizes(file, kind);
  return writeReleases(db, {
    file,
    kind,
    sha256,
    rowsRead: parsed.rowsRead,
    releases: parsed.releases,
    table: 'list_size',
    deleteSql: referenceSql.listSizeDeleteRelease,
    deleteTakesKind: true,
    rowsFor: function* (dates) {
      for (const r of parsed.rows) {
        if (!dates.has(r.extractDate)) continue;
        yield [
          r.extractDate,
          r.areaLevel,
          r.areaCode,
          r.patientsAll,
          r.patients13plus,
          r.kind13plus,
          r.sourceKind,
        ];
      }
    },
  });
}

/** Loads a `gp-reg-pat-prac-all` file (practice totals; each EXTRACT_DATE is its own release). */
export function importListSizeAll(db: Warehouse, file: string): Promise<ImportSummary> {
  return importListSizesOfKind(db, file, 'list_size_all');
}

/** Loads a `gp-reg-pat-prac-sing-age-*` file (exact 13+). */
export function importListSizeSingleAge(db: Warehouse, file: string): Promise<ImportSummary> {
  return importListSizesOfKind(db, file, 'list_size_single_age');
}

/** Loads a `gp-reg-pat-prac-quin-age` file (estimated 13+ from 5-year bands). */
export function importListSizeQuinary(db: Warehouse, file: string): Promise<ImportSummary> {
  return importListSizesOfKind(db, file, 'list_size_quinary');
}

/** Loads any of the three list-size formats, chosen from the header. */
export async function importListSizes(db: Warehouse, file: string): Promise<ImportSummary> {
  const { names: header, line } = await readCsvHeaderLine(file);
  const kind = listSizeKindOfHeader(header);
  if (!kind) {
    throw new IngestError({
      file,
      line,
      reason:
        'not a list-size file: expected the header of gp-reg-pat-prac-all, gp-reg-pat-prac-sing-age-* or ' +
        `gp-reg-pat-prac-quin-age, found ${header.join(',')}`,
    });
  }
  return importListSizesOfKind(db, file, kind);
}
