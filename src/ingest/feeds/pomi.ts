/**
 * POMI (Patient Online Management Information, NHS Digital), long format → `feed_pomi`.
 *
 * Columns `Report_Period_End, Region_Code, Subregion_Code, CCG_Code, Practice_Code, System_Supplier, Field, Value,
 * Effective_Snapshot_Date, DataSourceFileForThisSnapshot_Version, Report_Period_Length, Unique_ID, AuditKey`
 * (matched by name, case-insensitively). One value per GP practice, month and Field code. Rules:
 * - Report_Period_End, Practice_Code, Field and Value are required columns; the others are stored when present
 *   (a warning names the missing ones); DataSourceFileForThisSnapshot_Version, Unique_ID and AuditKey are not stored;
 * - Report_Period_End: a calendar day; the row's month is the month it falls in;
 * - Practice_Code: a GP practice code (upper-cased); Field: a code such as Pat_Appts_Use (letters, digits, _);
 *   a code outside the documented list is loaded and named in a warning;
 * - Value: a whole number ≥ 0 (blank is an error);
 * - (month, Practice_Code, Field) must be unique in the file;
 * - the months the file covers replace those months already loaded (all practices), as a correction.
 */
import { POMI_FIELDS } from '../../domain/metric-definition.ts';
import type { Warehouse } from '../../warehouse/db.ts';
import {
  baseName,
  contentSha256,
  type FeedImportSummary,
  findPreviousLoad,
  Header,
  monthStart,
  parseDay,
  practiceCodeProblem,
  rejectDuplicates,
  requireColumns,
  requiredCount,
  textProblem,
  type StageValue,
  validateToStage,
  writeFeed,
} from './common.ts';
import * as feedsSql from '../../warehouse/sql/feeds.ts';

export const POMI_COLUMNS = [
  'Report_Period_End',
  'Region_Code',
  'Subregion_Code',
  'CCG_Code',
  'Practice_Code',
  'System_Supplier',
  'Field',
  'Value',
  'Effective_Snapshot_Date',
  'DataSourceFileForThisSnapshot_Version',
  'Report_Period_Length',
  'Unique_ID',
  'AuditKey',
] as const;

/**
 * The Field codes the NHS pipelines and the 2020 dashboard used: those a metric may read
 * (POMI_FIELDS of src/domain/metric-definition.ts, which the catalogue checks `pomi_field` against) and the
 * others the files carry, kept for completeness.
 */
export const POMI_FILE_FIELDS = [
  ...POMI_FIELDS,
  'Sys_Appts_Enbld',
  'Sys_Presc_Enbld',
  'Sys_DetCodeRec_Enbld',
  'New_Pat_Enbld',
  'Total_Use',
] as const;

const FIELD_CODE = /^[A-Za-z][A-Za-z0-9_]*$/;

/** A day from a column that may carry a time of day (Effective_Snapshot_Date): the date part. */
function parseDatePart(raw: string) {
  const m = /^(\d{4}-\d{2}-\d{2})[T ]/.exec(raw);
  return parseDay(m ? m[1]! : raw);
}

export async function importPomi(db: Warehouse, file: string): Promise<FeedImportSummary> {
  const kind = 'pomi';
  const sha256 = await contentSha256(file);
  const previous = await findPreviousLoad(db, file, kind, sha256);
  if (previous) return previous;

  const name = baseName(file);
  const header = await Header.read(file);
  const [endCol, practiceCol, fieldCol, valueCol] = requireColumns(file, header, [
    'Report_Period_End',
    'Practice_Code',
    'Field',
    'Value',
  ]) as [string, string, string, string];
  const optional = {
    supplier: header.find('System_Supplier'),
    region: header.find('Region_Code'),
    subregion: header.find('Subregion_Code'),
    ccg: header.find('CCG_Code'),
    snapshot: header.find('Effective_Snapshot_Date'),
    length: header.find('Report_Period_Length'),
  };
  const warnings: string[] = [];
  const absent = POMI_COLUMNS.filter((c) => !header.has(c));
  if (absent.length > 0) warnings.push(`${name}: column(s) ${absent.join(', ')} not in the file`);
  const known = new Set(POMI_COLUMNS.map((c) => c.toLowerCase()));
  const ignored = header.names.filter((n) => !known.has(n.trim().toLowerCase()));
  if (ignored.length > 0) warnings.push(`${name}: column(s) ${ignored.join(', ')} ignored`);

  const knownFields = new Map(POMI_FILE_FIELDS.map((f) => [f.toLowerCase(), f]));
  const unknownFields = new Map<string, number>();
  const text = (col: string | undefined, fields: Record<string, string>): string | null => {
    if (col === undefined) return null;
    const v = fields[col]!;
    return v === '' ? null : v;
  };

  const stageColumns = [
    'line',
    'month',
    'report_period_end',
    'practice_code',
    'field',
    'value',
    'supplier',
    'region_code',
    'subregion_code',
    'ccg_code',
    'effective_snapshot_date',
    'report_period_length',
  ];
  const { stage, rowsRead } = await validateToStage(file, stageColumns, (rec, problems) => {
    const f = rec.fields;
    let ok = true;
    const end = parseDay(f[endCol]!);
    if (!end.ok) {
      problems.add(rec.line, endCol, end.reason);
      ok = false;
    }
    const code = f[practiceCol]!.toUpperCase();
    const codeProblem = practiceCodeProblem(code);
    if (codeProblem) {
      problems.add(rec.line, practiceCol, codeProblem);
      ok = false;
    }
    let field = f[fieldCol]!;
    if (field === '') {
      problems.add(rec.line, fieldCol, 'is empty');
      ok = false;
    } else if (!FIELD_CODE.test(field)) {
      problems.add(rec.line, fieldCol, `"${field}" is not a POMI field code`);
      ok = false;
    } else {
      const canonical = knownFields.get(field.toLowerCase());
      if (canonical) field = canonical;
      else unknownFields.set(field, (unknownFields.get(field) ?? 0) + 1);
    }
    const value = requiredCount(problems, rec.line, valueCol, f[valueCol]!);
    let snapshot: string | null = null;
    if (optional.snapshot !== undefined && f[optional.snapshot] !== '') {
      const s = parseDatePart(f[optional.snapshot]!);
      if (!s.ok) {
        problems.add(rec.line, optional.snapshot, s.reason);
        ok = false;
      } else snapshot = s.value;
    }
    for (const col of [
      optional.supplier,
      optional.region,
      optional.subregion,
      optional.ccg,
      optional.length,
    ]) {
      if (col === undefined || f[col] === '') continue;
      const p = textProblem(f[col]!);
      if (p) {
        problems.add(rec.line, col, p);
        ok = false;
      }
    }
    if (!ok || !end.ok || value === null) return null;
    const values: StageValue[] = [
      rec.line,
      monthStart(end.value),
      end.value,
      code,
      field,
      value,
      text(optional.supplier, f),
      text(optional.region, f),
      text(optional.subregion, f),
      text(optional.ccg, f),
      snapshot,
      text(optional.length, f),
    ];
    return values;
  });

  if (unknownFields.size > 0) {
    const list = [...unknownFields].map(([k, n]) => `${k} (${n} row${n === 1 ? '' : 's'})`).join(', ');
    warnings.push(`${name}: Field code(s) not in the documented POMI list, loaded as delivered: ${list}`);
  }

  return writeFeed(db, {
    file,
    kind,
    fileKind: 'monthly',
    sha256,
    rowsRead,
    stage,
    sqlSet: feedsSql.pomiLoad,
    checkStaged: (d) =>
      rejectDuplicates(
        d,
        file,
        `${endCol}, ${practiceCol}, ${fieldCol}`,
        'the month, Practice_Code and Field',
      ),
    warnings,
    periodWord: 'month',
  });
}
