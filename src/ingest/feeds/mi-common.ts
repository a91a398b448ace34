/**
 * Shared by the NHS App Management Information importers (the CSV extracts and the Excel workbook):
 * the measures, month and ICB/region validation, and the write into `mi_published`.
 */
import path from 'node:path';
import { ENGLAND_CODE, UNKNOWN_CODE } from '../../domain/areas.ts';
import type { Warehouse } from '../../warehouse/db.ts';
import { IngestError } from '../errors.ts';
import {
  type FeedImportSummary,
  type Parsed,
  rejectDuplicates,
  type StageFile,
  type StageValue,
  writeFeed,
} from './common.ts';

export { MI_MEASURES, type MiMeasure, miMeasureById } from '../../domain/mi-measures.ts';
import { MI_MEASURES, type MiMeasure } from '../../domain/mi-measures.ts';
import { monthOfName } from '../../domain/periods.ts';
import * as feedsSql from '../../warehouse/sql/feeds.ts';

/** A label without footnote markers (`ICB ODS Code [1,2]` → `icb ods code`), lower-cased, spaces collapsed. */
export function normaliseLabel(text: string): string {
  return text
    .replace(/\[[\d,\s]*\]/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}

/** The measure a workbook label names, or undefined. */
export function measureOfLabel(text: string): MiMeasure | undefined {
  const key = normaliseLabel(text);
  return MI_MEASURES.find((m) => normaliseLabel(m.label) === key || (m.aliases ?? []).includes(key));
}

/** The measure a CSV column names: one of its CSV names, or its label written with underscores (any case). */
export function measureOfCsvColumn(name: string): MiMeasure | undefined {
  const lower = name.trim().toLowerCase();
  const asLabel = normaliseLabel(lower.replaceAll('_', ' ').replaceAll('-', ' '));
  return MI_MEASURES.find(
    (m) =>
      m.csvColumns.some((c) => c.toLowerCase() === lower) ||
      normaliseLabel(m.label.replaceAll('-', ' ')) === asLabel ||
      (m.aliases ?? []).some((a) => a.replaceAll('-', ' ') === asLabel),
  );
}

const EXCEL_EPOCH_1900 = Date.UTC(1899, 11, 30);
const EXCEL_EPOCH_1904 = Date.UTC(1904, 0, 1);

/** An Excel date serial (1900 or 1904 date system) as an ISO day. */
export function excelSerialToDay(serial: number, date1904 = false): string {
  const epoch = date1904 ? EXCEL_EPOCH_1904 : EXCEL_EPOCH_1900;
  return new Date(epoch + Math.round(serial) * 86_400_000).toISOString().slice(0, 10);
}

/** An ISO day as an Excel serial (1900 date system). */
export function dayToExcelSerial(day: string): number {
  return Math.round((Date.parse(`${day}T00:00:00Z`) - EXCEL_EPOCH_1900) / 86_400_000);
}

function monthOfDay(day: string, raw: string): Parsed<string> {
  if (!day.endsWith('-01')) return { ok: false, reason: `${raw} is not the first day of a month` };
  if (day < '2018-01-01' || day > '2100-12-01')
    return { ok: false, reason: `${raw} is outside 2018 to 2100` };
  return { ok: true, value: day };
}

/**
 * A publication month as its first day 'YYYY-MM-01'. Text: `2025-03-01` (a first of the month, optionally with a
 * midnight time), `2025-03`, `March 2025` / `Mar 2025` / `Mar-25`, or an Excel serial such as `45717`.
 */
export function parseMonthText(raw: string, date1904 = false): Parsed<string> {
  const s = raw.trim();
  if (s === '') return { ok: false, reason: 'is empty' };
  let m = /^(\d{4})-(\d{2})(?:-(\d{2})(?:[T ]00:00(?::00(?:\.0+)?)?Z?)?)?$/.exec(s);
  if (m) {
    const month = Number(m[2]);
    if (month < 1 || month > 12) return { ok: false, reason: `"${s}" is not a month` };
    if (m[3] !== undefined && m[3] !== '01')
      return { ok: false, reason: `${s} is not the first day of a month` };
    return monthOfDay(`${m[1]}-${m[2]}-01`, s);
  }
  m = /^([A-Za-z]+)[\s-]+(\d{2}|\d{4})$/.exec(s);
  if (m) {
    const month = monthOfName(m[1]!);
    if (month === 0) return { ok: false, reason: `"${s}" is not a month` };
    const year = m[2]!.length === 2 ? 2000 + Number(m[2]) : Number(m[2]);
    return monthOfDay(`${year}-${String(month).padStart(2, '0')}-01`, s);
  }
  if (/^\d{5}(?:\.0+)?$/.test(s)) return parseMonthSerial(Number(s), date1904);
  return { ok: false, reason: `"${s}" is not a month (expected YYYY-MM-01)` };
}

/** A month from an Excel serial. */
export function parseMonthSerial(serial: number, date1904 = false): Parsed<string> {
  if (!Number.isInteger(serial) || serial < 20_000 || serial > 80_000) {
    return { ok: false, reason: `${serial} is not an Excel date serial` };
  }
  const day = excelSerialToDay(serial, date1904);
  return monthOfDay(day, `${serial} (Excel serial for ${day})`);
}

export const ICB_CODE = /^(?:[A-Z][A-Z0-9]{2}|[A-Z]\d[A-Z]\d[A-Z])$/;
export const REGION_CODE = /^Y\d{2}$/;

export interface IcbFields {
  icbCode: string;
  icbName: string;
  regionCode: string;
  regionName: string;
}

/**
 * Validates an ICB row's code, name, region code and name. `Unknown` (any case) as the ICB code is the
 * publication's row for usage that cannot be mapped to an ICB: stored as UNKNOWN (region too).
 * Returns the normalised fields or the problems (field key → reason).
 */
export function checkIcbFields(
  raw: IcbFields,
): { ok: true; value: IcbFields } | { ok: false; problems: [keyof IcbFields, string][] } {
  const problems: [keyof IcbFields, string][] = [];
  const isUnknown = (v: string) => v.toLowerCase() === 'unknown';
  let icbCode = raw.icbCode.toUpperCase();
  if (isUnknown(raw.icbCode)) icbCode = UNKNOWN_CODE;
  else if (icbCode === '') problems.push(['icbCode', 'is empty']);
  else if (!ICB_CODE.test(icbCode))
    problems.push(['icbCode', `"${raw.icbCode}" is not an ICB ODS code (e.g. QE1)`]);
  const icbName = raw.icbName;
  if (icbName === '') problems.push(['icbName', 'is empty']);
  let regionCode = raw.regionCode.toUpperCase();
  if (isUnknown(raw.regionCode)) regionCode = UNKNOWN_CODE;
  else if (regionCode === '') problems.push(['regionCode', 'is empty']);
  else if (!REGION_CODE.test(regionCode)) {
    problems.push(['regionCode', `"${raw.regionCode}" is not an NHS England region ODS code (e.g. Y56)`]);
  }
  if (icbCode === UNKNOWN_CODE && regionCode !== UNKNOWN_CODE && regionCode !== '' && problems.length === 0) {
    problems.push(['regionCode', `the Unknown ICB row has region ${raw.regionCode}; expected Unknown`]);
  }
  const regionName = raw.regionName;
  if (regionName === '') problems.push(['regionName', 'is empty']);
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, value: { icbCode, icbName, regionCode, regionName } };
}

/** One value of mi_published, with where it came from (a CSV line or a workbook row). */
export interface MiValue {
  line: number;
  month: string;
  level: 'england' | 'icb';
  icb: IcbFields | null;
  measure: string;
  value: number;
}

export const MI_STAGE_COLUMNS = [
  'line',
  'month',
  'level',
  'icb_code',
  'icb_name',
  'region_code',
  'region_name',
  'measure',
  'value',
  'source_file',
  'edition',
] as const;

/** The edition a file belongs to: the last month it covers, and what its title sheet says. */
export interface MiEdition {
  /** YYYY-MM-01 of the last month the edition covers; null: the last month the file holds (CSV extracts). */
  month: string | null;
  /** YYYY-MM-DD, or null when the file does not say. */
  publishedOn: string | null;
  title: string | null;
}

/** A value as a staged row (England rows: icb_code E92000001, icb_name England, no region). */
export function miStageRow(v: MiValue, sourceFile: string, edition: string | null): StageValue[] {
  return [
    v.line,
    v.month,
    v.level,
    v.icb ? v.icb.icbCode : ENGLAND_CODE,
    v.icb ? v.icb.icbName : 'England',
    v.icb ? v.icb.regionCode : null,
    v.icb ? v.icb.regionName : null,
    v.measure,
    v.value,
    sourceFile,
    edition,
  ];
}

/** The England-vs-ICB-sum comparisons for the staged months (run after the insert). */
export async function miSumCheck(tx: Warehouse): Promise<{ warnings: string[]; notes: string[] }> {
  const rows = await tx.all<{
    month: string;
    measure: string;
    england: number;
    icb_sum: number;
    icb_rows: number;
  }>(feedsSql.miPublishedSumCheck);
  const warnings: string[] = [];
  let equal = 0;
  for (const r of rows) {
    if (r.england === r.icb_sum) equal += 1;
    else {
      warnings.push(
        `${r.month.slice(0, 7)} ${r.measure}: England ${r.england} ≠ ${r.icb_sum}, the sum of the ${r.icb_rows} ICB ` +
          `rows (Unknown included; difference ${r.england - r.icb_sum})`,
      );
    }
  }
  const notes =
    equal > 0
      ? [
          `England = the sum of the ICB rows (Unknown included) for ${equal} of ${rows.length} month × measure pairs`,
        ]
      : [];
  return { warnings, notes };
}

/**
 * Refuses a file that would delete figures already stored: a publication replaces whole months at the levels it
 * carries, so a file holding fewer areas (or measures) for a month than the edition already loaded — a cut-off
 * extract, a partial re-run — would silently remove the rest. A later, complete edition (the same areas or more)
 * replaces the figures as a correction.
 */
export async function rejectRemovals(db: Warehouse, file: string): Promise<void> {
  const rows = await db.all<{
    month: string;
    level: string;
    measure: string;
    missing: number;
    stored: number;
    codes: string;
    source_files: string;
    total: number;
  }>(feedsSql.miPublishedRemoved, [20]);
  if (rows.length === 0) return;
  throw new IngestError(
    rows.map((r) => {
      const codes = r.codes.split(', ');
      const shown = codes.length > 8 ? `${codes.slice(0, 8).join(', ')}, …` : codes.join(', ');
      const what =
        r.level === 'england'
          ? `the England figure for ${r.measure}`
          : `${r.missing} of the ${r.stored} ICB figures for ${r.measure} (${shown})`;
      return {
        file,
        reason:
          `${r.month}: this file would remove ${what} already stored from ${r.source_files}; a file may replace ` +
          "a month's figures only with a complete edition holding every area and measure stored for it",
      };
    }),
    rows[0]!.total,
  );
}

export interface WriteMiOptions {
  file: string;
  fileKind: 'icb-csv' | 'national-csv' | 'workbook';
  sha256: string;
  rowsRead: number;
  stage: StageFile;
  duplicateFields: string;
  warnings: string[];
  notes?: string[];
  edition: MiEdition;
}

export function writeMi(db: Warehouse, opts: WriteMiOptions): Promise<FeedImportSummary> {
  return writeFeed(db, {
    file: opts.file,
    kind: 'mi-publication',
    fileKind: opts.fileKind,
    sha256: opts.sha256,
    rowsRead: opts.rowsRead,
    stage: opts.stage,
    sqlSet: feedsSql.miPublishedLoad,
    checkStaged: async (d) => {
      // A CSV extract names no edition: see feedsSql.miStageSetEdition.
      await d.run(feedsSql.miStageSetEdition);
      await rejectDuplicates(d, opts.file, opts.duplicateFields, 'the month and area');
      await rejectRemovals(d, opts.file);
    },
    afterInsert: async (tx, loadId) => {
      // mi_published shows, for every month, level and measure, the latest edition covering it.
      await tx.run(feedsSql.miPublishedRefreshDelete);
      await tx.run(feedsSql.miPublishedRefreshInsert);
      await tx.run(feedsSql.miEditionInsert, [
        loadId,
        opts.edition.month,
        opts.edition.publishedOn,
        opts.edition.title,
        path.basename(opts.file),
        opts.fileKind,
      ]);
      const check = await miSumCheck(tx);
      const revisions = await tx.all<{ n: number; editions: string }>(feedsSql.miRevisionsByLoad, [loadId]);
      const r = revisions[0];
      const edition = (await tx.scalar<string>(
        "SELECT strftime(edition, '%Y-%m') FROM mi_edition WHERE load_id = $1",
        [loadId],
      ))!;
      const published = opts.edition.publishedOn ? `, published ${opts.edition.publishedOn}` : '';
      const notes = [`edition ${edition}${published}`];
      if (r && r.n > 0) notes.push(`${r.n} figure(s) revised against edition(s) ${r.editions}`);
      return { warnings: check.warnings, notes: [...notes, ...check.notes] };
    },
    warnings: opts.warnings,
    notes: opts.notes ?? [],
    periodWord: 'month',
  });
}
