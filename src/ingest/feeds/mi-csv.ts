/**
 * CSV extracts of the NHS App Management Information publication → `mi_published`:
 * - ICB level (Table 2): `MONTH, ICB_ODS_CODE, ICB_NAME, REGION_ODS_CODE, REGION_NAME, NHS_APP_LOGINS,
 *   NHS_APP_UNIQUE_USER_LOGINS` (file kind icb-csv);
 * - national (Table 1): `MONTH, NHS_APP_LOGINS, NHS_APP_UNIQUE_USER_LOGINS` (file kind national-csv).
 *
 * Columns are matched case-insensitively; the official CSV names of the Metric Metadata sheet, `LatestLogins`
 * and `LatestUniqueLogins`, are accepted for the two measures (and `ICB_CODE`, `REGION_CODE` for the codes).
 * Rules:
 * - MONTH: the first day of a month (see parseMonthText); at least one measure column; values whole numbers ≥ 0
 *   (blank is an error: the publication suppresses nothing);
 * - ICB rows: a 3-character (or 2026 5-character) ICB ODS code, or `Unknown` (stored as UNKNOWN) for usage that
 *   cannot be mapped to an ICB; region ODS code `Y56`…`Y63` (or Unknown on the Unknown row); names non-empty;
 * - one row per month (and ICB) — repeats are rejected;
 * - a national file with any other column (e.g. AGE_GROUP of the FOI extracts) is rejected: it is not the
 *   national series; an ICB file's unknown columns are ignored with a warning;
 * - a file replaces the months it covers at its level (ICB or England); after the load, every month where both
 *   levels are held is checked: England should equal the sum of the ICB rows (Unknown included) — a warning if not.
 */
import path from 'node:path';
import type { Warehouse } from '../../warehouse/db.ts';
import { IngestError } from '../errors.ts';
import {
  baseName,
  contentSha256,
  type FeedImportSummary,
  findPreviousLoad,
  Header,
  parseCount,
  requireColumns,
  StagedRows,
  validateToStage,
} from './common.ts';
import {
  checkIcbFields,
  type IcbFields,
  MI_MEASURES,
  MI_STAGE_COLUMNS,
  type MiMeasure,
  measureOfCsvColumn,
  miStageRow,
  parseMonthText,
  writeMi,
} from './mi-common.ts';

/** Columns of the England CSV that only restate England (its code or name), ignored. */
const ENGLAND_COLUMN = /^(country|england|geography|nation(al)?)(_ods)?(_code|_name|_level)?$/i;

const ICB_COLUMNS: Record<keyof IcbFields, readonly string[]> = {
  icbCode: ['ICB_ODS_CODE', 'ICB_CODE'],
  icbName: ['ICB_NAME'],
  regionCode: ['REGION_ODS_CODE', 'REGION_CODE', 'NHSE_REGION_ODS_CODE'],
  regionName: ['REGION_NAME', 'NHSE_REGION_NAME'],
};

/** icb-csv or national-csv from a header, or undefined when it is not an MI CSV. */
export function miCsvKindOfHeader(names: readonly string[]): 'icb-csv' | 'national-csv' | undefined {
  const header = new Header(names);
  if (!header.has('MONTH')) return undefined;
  const measureColumns = names.filter((n) => measureOfCsvColumn(n) !== undefined);
  if (measureColumns.length === 0) return undefined;
  if (header.find(...ICB_COLUMNS.icbCode) !== undefined) return 'icb-csv';
  // National: MONTH, measures and England's own code/name only (a breakdown such as the FOI age-band extract is
  // something else).
  const other = names.filter((n) => !measureColumns.includes(n) && n.toUpperCase() !== 'MONTH');
  return other.every((n) => ENGLAND_COLUMN.test(n)) ? 'national-csv' : undefined;
}

export async function importMiCsv(db: Warehouse, file: string): Promise<FeedImportSummary> {
  const sha256 = await contentSha256(file);
  const previous = await findPreviousLoad(db, file, 'mi-publication', sha256);
  if (previous) return previous;

  const name = baseName(file);
  const header = await Header.read(file);
  const [monthCol] = requireColumns(file, header, ['MONTH']) as [string];
  const measures: (MiMeasure & { column: string })[] = [];
  for (const column of header.names) {
    const m = measureOfCsvColumn(column);
    if (!m) continue;
    const twice = measures.find((x) => x.measure === m.measure);
    if (twice) {
      throw new IngestError({
        file,
        line: header.line,
        reason: `columns ${twice.column} and ${column} are both ${m.label}`,
      });
    }
    measures.push({ ...m, column });
  }
  if (measures.length === 0) {
    throw new IngestError({
      file,
      line: header.line,
      reason: `no measure columns: expected ${MI_MEASURES.map((m) => m.csvColumns.join(' or ')).join(', ')}`,
    });
  }
  const isIcb = header.find(...ICB_COLUMNS.icbCode) !== undefined;
  const fileKind = isIcb ? 'icb-csv' : 'national-csv';
  let icbCols: Record<keyof IcbFields, string> | undefined;
  if (isIcb) {
    const keys = Object.keys(ICB_COLUMNS) as (keyof IcbFields)[];
    const actual = requireColumns(
      file,
      header,
      keys.map((k) => ICB_COLUMNS[k]),
    );
    icbCols = Object.fromEntries(keys.map((k, i) => [k, actual[i]!])) as Record<keyof IcbFields, string>;
  }

  const used = new Set([monthCol, ...measures.map((m) => m.column), ...Object.values(icbCols ?? {})]);
  const warnings: string[] = [];
  const englandColumns = isIcb ? [] : header.names.filter((n) => !used.has(n) && ENGLAND_COLUMN.test(n));
  if (englandColumns.length > 0) warnings.push(`${name}: column(s) ${englandColumns.join(', ')} ignored`);
  const other = header.names.filter((n) => !used.has(n) && !englandColumns.includes(n));
  if (other.length > 0) {
    if (!isIcb) {
      throw new IngestError({
        file,
        line: header.line,
        reason:
          `unexpected column${other.length > 1 ? 's' : ''} ${other.join(', ')}: the national MI CSV has MONTH, ` +
          "England's code or name and measure columns only (a breakdown such as the FOI age-band extract is not " +
          'the national series)',
      });
    }
    warnings.push(`${name}: column(s) ${other.join(', ')} ignored`);
  }

  const sourceFile = path.basename(file);
  // One staged value per measure column of each row.
  const { stage, rowsRead } = await validateToStage(file, MI_STAGE_COLUMNS, (rec, problems) => {
    let ok = true;
    const month = parseMonthText(rec.fields[monthCol]!);
    if (!month.ok) {
      problems.add(rec.line, monthCol, month.reason);
      ok = false;
    }
    let icb: IcbFields | null = null;
    if (icbCols) {
      const checked = checkIcbFields({
        icbCode: rec.fields[icbCols.icbCode]!,
        icbName: rec.fields[icbCols.icbName]!,
        regionCode: rec.fields[icbCols.regionCode]!,
        regionName: rec.fields[icbCols.regionName]!,
      });
      if (!checked.ok) {
        for (const [key, reason] of checked.problems) problems.add(rec.line, icbCols[key], reason);
        ok = false;
      } else icb = checked.value;
    }
    const values: { measure: string; value: number }[] = [];
    for (const m of measures) {
      const n = parseCount(rec.fields[m.column]!);
      if (n.ok === 'blank') {
        problems.add(rec.line, m.column, 'is empty (the publication suppresses nothing)');
        ok = false;
      } else if (!n.ok) {
        problems.add(rec.line, m.column, n.reason);
        ok = false;
      } else values.push({ measure: m.measure, value: n.value });
    }
    if (!ok || !month.ok) return null;
    const level = icb ? 'icb' : 'england';
    return new StagedRows(
      values.map((v) =>
        miStageRow({ line: rec.line, month: month.value, level, icb, ...v }, sourceFile, null),
      ),
    );
  });

  return writeMi(db, {
    file,
    fileKind,
    sha256,
    rowsRead,
    stage,
    duplicateFields: icbCols ? `${monthCol}, ${icbCols.icbCode}` : monthCol,
    warnings,
    edition: { month: null, publishedOn: null, title: null },
  });
}
