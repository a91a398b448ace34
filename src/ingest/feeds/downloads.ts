/**
 * The NHS App downloads feeds → `feed_downloads_daily`:
 * - `WeeklyDownloads_NHSApp_Counts_yyyymmdd.csv` (file kind weekly) and
 * - files whose name contains `MonthlyDownloads` (file kind monthly).
 *
 * Columns `Date, Type, Count` (matched by name, case-insensitively): App downloads per day and store. Rules:
 * - Date: a calendar day; Type: `Apple` or `Google` (any case; stored as Apple / Google); Count: a whole
 *   number ≥ 0 (blank is an error);
 * - (Date, Type) must be unique in the file;
 * - weekly: not 7 consecutive days → a warning, the file still loads;
 * - monthly: every row in one calendar month and, for each Type present, exactly one row per day of that month
 *   (the NHS pipeline's "rows = days in month, unique dates" rule) — otherwise the file is rejected;
 * - the file kind comes from the name (Monthly… / Weekly…); a name with neither is treated as weekly, with a warning;
 * - a delivery replaces the (day, Type) pairs it covers: a Google-only monthly file leaves Apple figures alone.
 */
import type { Warehouse } from '../../warehouse/db.ts';
import { IngestError, type IngestProblem } from '../errors.ts';
import {
  addDays,
  baseName,
  contentSha256,
  daysInMonth,
  type FeedImportSummary,
  findPreviousLoad,
  Header,
  parseDay,
  rejectDuplicates,
  requireColumns,
  requiredCount,
  validateToStage,
  weeklyDatesWarning,
  writeFeed,
} from './common.ts';
import * as feedsSql from '../../warehouse/sql/feeds.ts';

export const DOWNLOAD_COLUMNS = ['Date', 'Type', 'Count'] as const;
export const DEVICE_TYPES = ['Apple', 'Google'] as const;
export type DownloadsFileKind = 'weekly' | 'monthly';

export interface DownloadsOptions {
  /** Overrides the file kind the name implies. */
  fileKind?: DownloadsFileKind;
}

/** weekly / monthly from a downloads file name, or undefined when the name says neither. */
export function downloadsFileKindOfName(file: string): DownloadsFileKind | undefined {
  const name = baseName(file).toLowerCase();
  if (name.includes('monthlydownloads') || /monthly/.test(name)) return 'monthly';
  if (name.includes('weeklydownloads') || /weekly/.test(name)) return 'weekly';
  return undefined;
}

export async function importDownloads(
  db: Warehouse,
  file: string,
  options: DownloadsOptions = {},
): Promise<FeedImportSummary> {
  const kind = 'downloads';
  const sha256 = await contentSha256(file);
  const previous = await findPreviousLoad(db, file, kind, sha256);
  if (previous) return previous;

  const name = baseName(file);
  const warnings: string[] = [];
  let fileKind = options.fileKind ?? downloadsFileKindOfName(file);
  if (fileKind === undefined) {
    fileKind = 'weekly';
    warnings.push(
      `${name}: the name says neither WeeklyDownloads nor MonthlyDownloads; treated as a weekly file`,
    );
  }
  const header = await Header.read(file);
  const [dateCol, typeCol, countCol] = requireColumns(file, header, DOWNLOAD_COLUMNS) as [
    string,
    string,
    string,
  ];
  const known = new Set(DOWNLOAD_COLUMNS.map((c) => c.toLowerCase()));
  const ignored = header.names.filter((n) => !known.has(n.trim().toLowerCase()));
  if (ignored.length > 0) warnings.push(`${name}: column(s) ${ignored.join(', ')} ignored`);

  const kindOfFile = fileKind;
  const { stage, rowsRead } = await validateToStage(
    file,
    ['line', 'date', 'device_type', 'downloads', 'file_kind'],
    (rec, problems) => {
      let ok = true;
      const day = parseDay(rec.fields[dateCol]!);
      if (!day.ok) {
        problems.add(rec.line, dateCol, day.reason);
        ok = false;
      }
      const rawType = rec.fields[typeCol]!;
      const type = DEVICE_TYPES.find((t) => t.toLowerCase() === rawType.toLowerCase());
      if (type === undefined) {
        problems.add(rec.line, typeCol, rawType === '' ? 'is empty' : `"${rawType}" is not Apple or Google`);
        ok = false;
      }
      const count = requiredCount(problems, rec.line, countCol, rec.fields[countCol]!);
      if (!ok || !day.ok || count === null || type === undefined) return null;
      return [rec.line, day.value, type, count, kindOfFile];
    },
  );

  return writeFeed(db, {
    file,
    kind,
    fileKind,
    sha256,
    rowsRead,
    stage,
    sqlSet: feedsSql.downloadsDailyLoad,
    checkStaged: async (d) => {
      await rejectDuplicates(d, file, `${dateCol}, ${typeCol}`, 'the Date and Type');
      if (kindOfFile === 'monthly') await checkMonthlyDays(d, file, dateCol);
    },
    warningsFor: (stats) => {
      if (kindOfFile !== 'weekly') return [];
      const w = weeklyDatesWarning(name, stats.periods, stats.first_date, stats.last_date);
      return w ? [w] : [];
    },
    warnings,
  });
}

/** A monthly file: one calendar month, and for each Type present one row for every day of that month. */
async function checkMonthlyDays(db: Warehouse, file: string, dateCol: string): Promise<void> {
  const rows = await db.all<{ device_type: string; day: string; line: number }>(feedsSql.downloadsDailyDays);
  const months = [...new Set(rows.map((r) => r.day.slice(0, 7)))].sort();
  if (months.length > 1) {
    const other = rows.find((r) => r.day.slice(0, 7) !== months[0])!;
    throw new IngestError({
      file,
      line: other.line,
      field: dateCol,
      reason:
        `a MonthlyDownloads file must cover one calendar month; it has dates in ${months.join(', ')} ` +
        `(${other.day} is not in ${months[0]})`,
    });
  }
  const month = months[0]!;
  const need = daysInMonth(`${month}-01`);
  const problems: IngestProblem[] = [];
  const byType = new Map<string, Set<string>>();
  for (const r of rows) {
    let set = byType.get(r.device_type);
    if (!set) byType.set(r.device_type, (set = new Set()));
    set.add(r.day);
  }
  for (const [type, days] of byType) {
    if (days.size === need) continue;
    const missing: string[] = [];
    for (let i = 0; i < need; i++) {
      const day = addDays(`${month}-01`, i);
      if (!days.has(day)) missing.push(day);
    }
    problems.push({
      file,
      field: dateCol,
      reason:
        `a MonthlyDownloads file must hold one row per day of the month for each Type: ${type} has ` +
        `${days.size} of the ${need} days of ${month} (missing ${missing.slice(0, 10).join(', ')}` +
        `${missing.length > 10 ? ', …' : ''})`,
    });
  }
  if (problems.length > 0) throw new IngestError(problems);
}
