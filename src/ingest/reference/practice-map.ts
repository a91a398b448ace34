/**
 * Importer for the NHS `gp-reg-pat-prac-map.csv` ("Patients Registered at a GP Practice": practice → PCN →
 * sub-ICB location → ICB → commissioning region), one release per EXTRACT_DATE, into `practice_map`.
 *
 * Headers accepted (names are matched exactly, in any order; extra columns are ignored):
 * - current (2022 onwards): PRACTICE_CODE, PRACTICE_NAME, PRACTICE_POSTCODE, PCN_CODE, PCN_NAME,
 *   ONS_SUB_ICB_LOCATION_CODE, SUB_ICB_LOCATION_CODE, SUB_ICB_LOCATION_NAME, ONS_ICB_CODE, ICB_CODE, ICB_NAME,
 *   ONS_COMM_REGION_CODE, COMM_REGION_CODE, COMM_REGION_NAME, SUPPLIER_NAME, with PUBLICATION and EXTRACT_DATE;
 * - older (2019–2022): CCG_CODE / CCG_NAME / ONS_CCG_CODE in place of the sub-ICB columns and STP_CODE /
 *   STP_NAME / ONS_STP_CODE in place of the ICB columns (a CCG is read as a sub-ICB location, an STP as an ICB);
 * - oldest (before PCNs, 2019): no PCN_CODE / PCN_NAME: every practice is then put in the unallocated PCN `U`.
 * PUBLICATION, the ONS code columns, PRACTICE_POSTCODE and SUPPLIER_NAME are optional (NULL when absent or blank).
 * EXTRACT_DATE may be `01Aug2026` or `2026-08-01`.
 *
 * Validation (the whole file is checked before anything is written; up to 20 problems are reported together):
 * required fields non-empty; ODS and ONS code shapes; a single EXTRACT_DATE; no practice code twice; within the
 * file a PCN has one name, a sub-ICB location one name, ONS code and ICB, an ICB one name, ONS code and region,
 * a region one name and ONS code.
 * A PCN is NOT required to sit in one sub-ICB location: real NHS files have about ten PCNs whose practices lie in
 * two or three sub-ICB locations (and the unallocated `U` spans dozens), so each practice keeps its own sub-ICB.
 */
import type { Warehouse } from '../../warehouse/db.ts';
import { type ColumnSpec, readCsv, readCsvHeader, resolveColumn } from '../csv-reader.ts';
import { ProblemCollector } from '../errors.ts';
import {
  fileSha256,
  existingReleases,
  type ImportSummary,
  odsCodeProblem,
  ONS_CODE_PATTERN,
  parseExtractDate,
  readFirstValue,
  skippedSummary,
  UNALLOCATED_PCN_CODE,
  unallocatedPcn,
  UNALLOCATED_PCN_NAME,
  writeReleases,
} from './common.ts';
import * as referenceSql from '../../warehouse/sql/reference.ts';

export const PRACTICE_MAP_KIND = 'practice_map' as const;

/** Logical fields and the header names that may carry them (first = current NHS name). */
export const PRACTICE_MAP_COLUMNS = {
  publication: ['PUBLICATION'],
  extractDate: ['EXTRACT_DATE'],
  practiceCode: ['PRACTICE_CODE'],
  practiceName: ['PRACTICE_NAME'],
  practicePostcode: ['PRACTICE_POSTCODE', 'POSTCODE'],
  pcnCode: ['PCN_CODE'],
  pcnName: ['PCN_NAME'],
  subIcbOnsCode: ['ONS_SUB_ICB_LOCATION_CODE', 'ONS_CCG_CODE'],
  subIcbCode: ['SUB_ICB_LOCATION_CODE', 'CCG_CODE'],
  subIcbName: ['SUB_ICB_LOCATION_NAME', 'CCG_NAME'],
  icbOnsCode: ['ONS_ICB_CODE', 'ONS_STP_CODE'],
  icbCode: ['ICB_CODE', 'STP_CODE'],
  icbName: ['ICB_NAME', 'STP_NAME'],
  regionOnsCode: ['ONS_COMM_REGION_CODE'],
  regionCode: ['COMM_REGION_CODE'],
  regionName: ['COMM_REGION_NAME'],
  supplierName: ['SUPPLIER_NAME'],
} as const satisfies Record<string, readonly string[]>;

type Field = keyof typeof PRACTICE_MAP_COLUMNS;

const REQUIRED: Field[] = [
  'extractDate',
  'practiceCode',
  'practiceName',
  'subIcbCode',
  'subIcbName',
  'icbCode',
  'icbName',
  'regionCode',
  'regionName',
];

/** One validated row, in practice_map column order. */
export interface PracticeMapRow {
  extractDate: string;
  practiceCode: string;
  practiceName: string;
  practicePostcode: string | null;
  pcnCode: string;
  pcnName: string;
  subIcbCode: string;
  subIcbOnsCode: string | null;
  subIcbName: string;
  icbCode: string;
  icbOnsCode: string | null;
  icbName: string;
  regionCode: string;
  regionOnsCode: string | null;
  regionName: string;
  supplierName: string | null;
}

export interface ParsedPracticeMap {
  extractDate: string;
  publication: string | null;
  rows: PracticeMapRow[];
  rowsRead: number;
}

/** True when the header looks like a practice map (current or older names). */
export function isPracticeMapHeader(header: readonly string[]): boolean {
  return (
    resolveColumn(header, PRACTICE_MAP_COLUMNS.practiceCode) !== undefined &&
    resolveColumn(header, PRACTICE_MAP_COLUMNS.regionCode) !== undefined
  );
}

/** Checks that values seen for one key (e.g. a sub-ICB's ICB) agree across the rows of a release. */
class Consistency {
  private readonly seen = new Map<string, { value: string; line: number }>();
  constructor(
    private readonly problems: ProblemCollector,
    private readonly what: string,
  ) {}

  check(key: string, value: string, line: number, field: string, label: string): void {
    const prior = this.seen.get(key);
    if (!prior) {
      this.seen.set(key, { value, line });
    } else if (prior.value !== value) {
      this.problems.add(
        line,
        field,
        `${this.what} ${key} has ${label} "${value}" here but "${prior.value}" on line ${prior.line}`,
      );
    }
  }
}

/** Parses and validates a whole practice-map file. Throws an IngestError listing the problems (up to 20). */
export async function parsePracticeMap(file: string): Promise<ParsedPracticeMap> {
  const header = await readCsvHeader(file);
  const col = {} as Record<Field, string | undefined>;
  for (const f of Object.keys(PRACTICE_MAP_COLUMNS) as Field[])
    col[f] = resolveColumn(header, PRACTICE_MAP_COLUMNS[f]);
  const required: ColumnSpec[] = REQUIRED.map((f) => PRACTICE_MAP_COLUMNS[f]);
  // PCN columns come together: both or neither.
  if (col.pcnCode !== undefined || col.pcnName !== undefined) required.push('PCN_CODE', 'PCN_NAME');

  const problems = new ProblemCollector(file);
  const rows: PracticeMapRow[] = [];
  const practiceLines = new Map<string, number>();
  const pcnName = new Consistency(problems, 'PCN');
  const subIcbName = new Consistency(problems, 'sub-ICB location');
  const subIcbOns = new Consistency(problems, 'sub-ICB location');
  const subIcbParent = new Consistency(problems, 'sub-ICB location');
  const icbName = new Consistency(problems, 'ICB');
  const icbOns = new Consistency(problems, 'ICB');
  const icbParent = new Consistency(problems, 'ICB');
  const regionName = new Consistency(problems, 'region');
  const regionOns = new Consistency(problems, 'region');
  let extractDate: string | undefined;
  let extractDateLine = 0;
  let publication: string | null = null;
  let rowsRead = 0;

  for await (const { line, fields } of readCsv(file, { required })) {
    rowsRead += 1;
    const get = (f: Field): string => {
      const name = col[f];
      return name === undefined ? '' : (fields[name] ?? '');
    };
    const name = (f: Field): string => col[f] ?? PRACTICE_MAP_COLUMNS[f][0];
    let ok = true;
    const need = (f: Field): string => {
      const v = get(f);
      if (v === '') {
        problems.add(line, name(f), 'is empty');
        ok = false;
      }
      return v;
    };
    const ods = (f: Field, level: 'region' | 'icb' | 'sub_icb' | 'pcn' | 'practice'): string => {
      const v = get(f);
      const problem = odsCodeProblem(level, v);
      if (problem) {
        problems.add(line, name(f), problem);
        ok = false;
      }
      return v;
    };
    const ons = (f: Field): string | null => {
      const v = get(f);
      if (v === '') return null;
      if (!ONS_CODE_PATTERN.test(v)) {
        problems.add(line, name(f), `"${v}" is not a valid ONS code`);
        ok = false;
      }
      return v;
    };

    const rawDate = need('extractDate');
    if (rawDate !== '') {
      const date = parseExtractDate(rawDate);
      if (date === null) {
        problems.add(
          line,
          name('extractDate'),
          `"${rawDate}" is not a date (expected e.g. 01Aug2026 or 2026-08-01)`,
        );
        ok = false;
      } else if (extractDate === undefined) {
        extractDate = date;
        extractDateLine = line;
      } else if (date !== extractDate) {
        problems.add(
          line,
          name('extractDate'),
          `a file must hold one extract: ${date} here but ${extractDate} on line ${extractDateLine}`,
        );
        ok = false;
      }
    }
    if (publication === null && get('publication') !== '') publication = get('publication');

    const practiceCode = ods('practiceCode', 'practice');
    const practiceName = need('practiceName');
    const hasPcn = col.pcnCode !== undefined;
    const pcnCode = hasPcn ? ods('pcnCode', 'pcn') : UNALLOCATED_PCN_CODE;
    const pcnNameValue = hasPcn ? need('pcnName') : UNALLOCATED_PCN_NAME;
    const subIcbCode = ods('subIcbCode', 'sub_icb');
    const subIcbNameValue = need('subIcbName');
    const subIcbOnsCode = ons('subIcbOnsCode');
    const icbCode = ods('icbCode', 'icb');
    const icbNameValue = need('icbName');
    const icbOnsCode = ons('icbOnsCode');
    const regionCode = ods('regionCode', 'region');
    const regionNameValue = need('regionName');
    const regionOnsCode = ons('regionOnsCode');

    if (practiceCode !== '') {
      const first = practiceLines.get(practiceCode);
      if (first !== undefined) {
        problems.add(
          line,
          name('practiceCode'),
          `practice ${practiceCode} appears twice (first on line ${first})`,
        );
        ok = false;
      } else {
        practiceLines.set(practiceCode, line);
      }
    }
    if (!ok) continue;

    const pcn =
      pcnCode === UNALLOCATED_PCN_CODE
        ? unallocatedPcn(subIcbCode, subIcbNameValue)
        : { code: pcnCode, name: pcnNameValue };
    pcnName.check(pcn.code, pcn.name, line, name('pcnName'), 'name');
    subIcbName.check(subIcbCode, subIcbNameValue, line, name('subIcbName'), 'name');
    subIcbOns.check(subIcbCode, subIcbOnsCode ?? '', line, name('subIcbOnsCode'), 'ONS code');
    subIcbParent.check(subIcbCode, icbCode, line, name('icbCode'), 'ICB');
    icbName.check(icbCode, icbNameValue, line, name('icbName'), 'name');
    icbOns.check(icbCode, icbOnsCode ?? '', line, name('icbOnsCode'), 'ONS code');
    icbParent.check(icbCode, regionCode, line, name('regionCode'), 'region');
    regionName.check(regionCode, regionNameValue, line, name('regionName'), 'name');
    regionOns.check(regionCode, regionOnsCode ?? '', line, name('regionOnsCode'), 'ONS code');

    rows.push({
      extractDate: extractDate!,
      practiceCode,
      practiceName,
      practicePostcode: get('practicePostcode') || null,
      pcnCode: pcn.code,
      pcnName: pcn.name,
      subIcbCode,
      subIcbOnsCode,
      subIcbName: subIcbNameValue,
      icbCode,
      icbOnsCode,
      icbName: icbNameValue,
      regionCode,
      regionOnsCode,
      regionName: regionNameValue,
      supplierName: get('supplierName') || null,
    });
  }
  if (rowsRead === 0) problems.add(undefined, undefined, 'the file has a header but no practices');
  problems.throwIfAny();
  return { extractDate: extractDate!, publication, rows, rowsRead };
}

/**
 * Loads one practice-map release. Validates the whole file first; writes in one transaction; a release already
 * loaded from the same content is skipped, from different content is replaced. Run rebuildAreas afterwards.
 */
export async function importPracticeMap(db: Warehouse, file: string): Promise<ImportSummary> {
  const sha256 = await fileSha256(file);
  // Fast path: the release named on the first data line is already loaded from this very content.
  const header = await readCsvHeader(file);
  const dateColumn = resolveColumn(header, PRACTICE_MAP_COLUMNS.extractDate);
  if (dateColumn !== undefined) {
    const first = parseExtractDate((await readFirstValue(file, dateColumn)) ?? '');
    const old = first !== null ? (await existingReleases(db, PRACTICE_MAP_KIND)).get(first) : undefined;
    if (old && old.sha256 === sha256) return skippedSummary(file, PRACTICE_MAP_KIND, sha256, old);
  }

  const parsed = await parsePracticeMap(file);
  return writeReleases(db, {
    file,
    kind: PRACTICE_MAP_KIND,
    sha256,
    rowsRead: parsed.rowsRead,
    releases: [
      { extractDate: parsed.extractDate, publication: parsed.publication, rows: parsed.rows.length },
    ],
    table: 'practice_map',
    deleteSql: referenceSql.practiceMapDeleteRelease,
    deleteTakesKind: false,
    rowsFor: () =>
      parsed.rows.map((r) => [
        r.extractDate,
        r.practiceCode,
        r.practiceName,
        r.practicePostcode,
        r.pcnCode,
        r.pcnName,
        r.subIcbCode,
        r.subIcbOnsCode,
        r.subIcbName,
        r.icbCode,
        r.icbOnsCode,
        r.icbName,
        r.regionCode,
        r.regionOnsCode,
        r.regionName,
        r.supplierName,
      ]),
  });
}
