import crypto from 'node:crypto';
import path from 'node:path';
import type { AreaLevel } from '../../domain/areas.ts';
import { LEVEL_ALIASES } from '../../domain/areas.ts';
import type { Warehouse } from '../../warehouse/db.ts';
import type { Query } from '../../warehouse/query.ts';
import { openDecompressed, readCsv } from '../csv-reader.ts';
import { IngestError } from '../errors.ts';
import * as referenceSql from '../../warehouse/sql/reference.ts';

/** The kinds of reference release (reference_release.kind and list_size.source_kind). */
export const REFERENCE_KINDS = [
  'practice_map',
  'list_size_all',
  'list_size_single_age',
  'list_size_quinary',
] as const;
export type ReferenceKind = (typeof REFERENCE_KINDS)[number];

export type ReleaseAction = 'loaded' | 'replaced' | 'skipped';

export interface ReleaseSummary {
  extractDate: string;
  /** Rows this release holds in its table (practice_map or list_size). */
  rows: number;
  /** loaded: new; replaced: the same (kind, extract date) held a different file before; skipped: same file. */
  action: ReleaseAction;
}

export interface ImportSummary {
  file: string;
  kind: ReferenceKind;
  /** The file's extract date (the latest one when the file holds several, as gp-reg-pat-prac-all may). */
  extractDate: string;
  /** Every extract date in the file, ascending: each is its own release. */
  extractDates: string[];
  /** Rows stored for the file's releases (practice_map or list_size rows). */
  rows: number;
  /** Data lines read from the file (0 when skipped without parsing). */
  rowsRead: number;
  /** True when every release of the file was already loaded from the same content: nothing was written. */
  skipped: boolean;
  releases: ReleaseSummary[];
  sha256: string;
}

/**
 * SHA-256 of the file's content after decompression, so the same data counts once whether it arrives
 * plain or gzipped. Streams the file.
 */
export async function fileSha256(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  try {
    for await (const chunk of openDecompressed(file)) hash.update(chunk as Buffer);
  } catch (err) {
    if (err instanceof IngestError) throw err;
    throw new IngestError({ file, reason: `cannot read the file (${(err as Error).message})` });
  }
  return hash.digest('hex');
}

/** The value of `column` on the first data line, or undefined (cheap: stops after one record). */
export async function readFirstValue(file: string, column: string): Promise<string | undefined> {
  for await (const rec of readCsv(file)) return rec.fields[column];
  return undefined;
}

const MONTHS: Record<string, number> = {
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  may: 5,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  oct: 10,
  nov: 11,
  dec: 12,
};

function isoDate(y: number, m: number, d: number): string | null {
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return null;
  if (y < 1990 || y > 2200) return null;
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/**
 * An NHS extract date as ISO 'YYYY-MM-DD': accepts `01Aug2026`, `01-AUG-2026`, `01 Aug 2026` (the practice map)
 * and `2026-08-01` (the list-size files). Null when not a valid date.
 */
export function parseExtractDate(raw: string): string | null {
  const s = raw.trim();
  let m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (m) return isoDate(Number(m[1]), Number(m[2]), Number(m[3]));
  m = /^(\d{1,2})[-\s]?([A-Za-z]{3})[-\s]?(\d{4})$/.exec(s);
  if (m) {
    const month = MONTHS[m[2]!.toLowerCase()];
    return month ? isoDate(Number(m[3]), month, Number(m[1])) : null;
  }
  return null;
}

/** ODS code shapes accepted per level (NHS England, including the 2026 five-character ICB codes). */
export const ODS_CODE_PATTERNS: Record<Exclude<AreaLevel, 'england'>, RegExp> = {
  // Commissioning region, e.g. Y56.
  region: /^Y\d{2}$/,
  // ICB (or STP): Q-codes such as QHM / QE1, or the 2026 codes such as S1Y5D.
  icb: /^(?:[A-Z][A-Z0-9]{2}|[A-Z]\d[A-Z]\d[A-Z])$/,
  // Sub-ICB location (or CCG): 16C, or A3A8R.
  sub_icb: /^(?:\d{2}[A-Z]|[A-Z]\d[A-Z]\d[A-Z])$/,
  // PCN: U12345, or the bare U of practices not allocated to a PCN.
  pcn: /^U(?:\d{5})?$/,
  // GP practice: A81001.
  practice: /^[A-Z]\d{5}$/,
};

export const ONS_CODE_PATTERN = /^[EWSN]\d{8}$/;

/** The PCN code and name NHS files give practices that belong to no PCN. */
export const UNALLOCATED_PCN_CODE = 'U';
export const UNALLOCATED_PCN_NAME = 'Unallocated';

/**
 * NHS files give every practice outside a PCN the same code `U`, across dozens of sub-ICB locations. One
 * shared area would hang under a single sub-ICB location (wrong breadcrumbs, wrong children tables), so each
 * sub-ICB location gets its own unallocated group: `U` + the sub-ICB code (e.g. U00L). Real PCN codes are
 * U + five digits, and sub-ICB codes always hold a letter, so the two never collide.
 */
export function unallocatedPcn(subIcbCode: string, subIcbName: string): { code: string; name: string } {
  return { code: `${UNALLOCATED_PCN_CODE}${subIcbCode}`, name: `Unallocated practices: ${subIcbName}` };
}

/** Why `code` is not a valid ODS code for `level`, or null when it is. */
export function odsCodeProblem(level: Exclude<AreaLevel, 'england'>, code: string): string | null {
  if (code === '') return 'is empty';
  if (ODS_CODE_PATTERNS[level].test(code)) return null;
  return `"${code}" is not a valid ${level.replace('_', '-')} ODS code`;
}

/**
 * The area level of an NHS ORG_TYPE / TYPE value: `Comm Region`, `ICB`, `STP`, `SUB_ICB_LOCATION_CODE`, `CCG`,
 * `PCN`, `GP`. Undefined when unknown.
 */
export function orgTypeLevel(raw: string): AreaLevel | undefined {
  const key = raw
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_')
    .replace(/_code$/, '');
  if (key === 'comm_region' || key === 'region' || key === 'nhs_england_region') return 'region';
  return LEVEL_ALIASES[key];
}

export interface ReleaseToWrite {
  extractDate: string;
  publication: string | null;
  rows: number;
}

export interface ExistingRelease {
  extract_date: string;
  sha256: string;
  row_count: number;
}

/** The releases of `kind` already loaded, by extract date. */
export async function existingReleases(
  db: Warehouse,
  kind: ReferenceKind,
): Promise<Map<string, ExistingRelease>> {
  const rows = await db.all<ExistingRelease>(referenceSql.releaseListKind, [kind]);
  return new Map(rows.map((r) => [r.extract_date, r]));
}

/** True when some release of `kind` was loaded from a file with this content hash. */
export async function isLoadedBySha(db: Warehouse, kind: ReferenceKind, sha256: string): Promise<boolean> {
  const n = await db.scalar<number>(referenceSql.releaseCountSha, [kind, sha256]);
  return (n ?? 0) > 0;
}

/**
 * Writes a validated file's releases in ONE transaction: for each extract date not already loaded from the same
 * content, deletes the old release's rows (`deleteSql` with the extract date [and kind] as parameters), appends
 * the new rows and records the release. Either every release of the file lands, or none does.
 */
export async function writeReleases(
  db: Warehouse,
  opts: {
    file: string;
    kind: ReferenceKind;
    sha256: string;
    rowsRead: number;
    releases: ReleaseToWrite[];
    table: string;
    /** Deletes one release's rows; parameters $1 = extract date, $2 = kind when `deleteTakesKind`. */
    deleteSql: Query;
    deleteTakesKind: boolean;
    /** The rows of the given extract dates, in the table's column order. */
    rowsFor: (dates: ReadonlySet<string>) => Iterable<readonly (string | number | null)[]>;
  },
): Promise<ImportSummary> {
  const existing = await existingReleases(db, opts.kind);
  const dates = opts.releases.map((r) => r.extractDate).sort();
  const actions = new Map<string, ReleaseAction>();
  for (const r of opts.releases) {
    const old = existing.get(r.extractDate);
    actions.set(r.extractDate, !old ? 'loaded' : old.sha256 === opts.sha256 ? 'skipped' : 'replaced');
  }
  const toWrite = new Set(dates.filter((d) => actions.get(d) !== 'skipped'));
  if (toWrite.size > 0) {
    await db.transaction(async (tx) => {
      for (const date of toWrite) {
        await tx.run(opts.deleteSql, opts.deleteTakesKind ? [date, opts.kind] : [date]);
        await tx.run(referenceSql.releaseDelete, [opts.kind, date]);
      }
      await tx.append(opts.table, opts.rowsFor(toWrite));
      for (const r of opts.releases) {
        if (!toWrite.has(r.extractDate)) continue;
        await tx.run(referenceSql.releaseInsert, [
          opts.kind,
          r.extractDate,
          r.publication,
          path.basename(opts.file),
          opts.sha256,
          r.rows,
        ]);
      }
    });
  }
  const releases = [...opts.releases]
    .sort((a, b) => a.extractDate.localeCompare(b.extractDate))
    .map((r) => ({
      extractDate: r.extractDate,
      rows: actions.get(r.extractDate) === 'skipped' ? existing.get(r.extractDate)!.row_count : r.rows,
      action: actions.get(r.extractDate)!,
    }));
  return {
    file: opts.file,
    kind: opts.kind,
    extractDate: dates[dates.length - 1] ?? '',
    extractDates: dates,
    rows: releases.reduce((sum, r) => sum + r.rows, 0),
    rowsRead: opts.rowsRead,
    skipped: toWrite.size === 0,
    releases,
    sha256: opts.sha256,
  };
}

/** The summary of a file skipped before parsing because its single release is loaded from the same content. */
export function skippedSummary(
  file: string,
  kind: ReferenceKind,
  sha256: string,
  old: ExistingRelease,
): ImportSummary {
  return {
    file,
    kind,
    extractDate: old.extract_date,
    extractDates: [old.extract_date],
    rows: old.row_count,
    rowsRead: 0,
    skipped: true,
    releases: [{ extractDate: old.extract_date, rows: old.row_count, action: 'skipped' }],
    sha256,
  };
}
