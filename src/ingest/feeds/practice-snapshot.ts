/**
 * The NHS App practice usage/uptake feed, `nhs_app_table_snapshot_yyyy_mm_dd.csv` → `feed_practice_daily`.
 *
 * Columns: `Date, OdsCode` then the counts `P5NewAppUsers, AcceptedTermsAndConditions, P9VerifiedNHSAppUsers,
 * Logins, RecordViews, Prescriptions, NomPharmacy, AppointmentsBooked, AppointmentsCancelled, ODRegistrations,
 * ODWithdrawals, ODUpdates, ODLookups, RecordViewsDCR, RecordViewsSCR`. One row per GP practice per day; a weekly
 * delivery holds 7 days. Rules:
 * - columns are matched by name, case-insensitively (a warning when Date and OdsCode are not the first two);
 *   a count column missing from the header is loaded as NULL (with a warning); unknown columns are ignored
 *   (with a warning); Date, OdsCode and at least one count column are required;
 * - Date: a calendar day (see parseDay); OdsCode: a GP practice code (upper-cased);
 * - counts: whole numbers ≥ 0; a blank cell is 0, as the NHS pipeline read it;
 * - (Date, OdsCode) must be unique in the file;
 * - not 7 consecutive days → a warning, the file still loads;
 * - the days the file covers replace those days already loaded (all practices), as a correction.
 */
import type { Warehouse } from '../../warehouse/db.ts';
import { IngestError } from '../errors.ts';
import {
  baseName,
  contentSha256,
  type FeedImportSummary,
  findPreviousLoad,
  Header,
  parseCount,
  parseDay,
  practiceCodeProblem,
  rejectDuplicates,
  requireColumns,
  type StageValue,
  validateToStage,
  weeklyDatesWarning,
  writeFeed,
} from './common.ts';
import * as feedsSql from '../../warehouse/sql/feeds.ts';

/** The count columns of the snapshot feed, in file order, with our column names. */
export const SNAPSHOT_COUNT_COLUMNS = [
  ['P5NewAppUsers', 'p5_new_app_users'],
  ['AcceptedTermsAndConditions', 'accepted_terms_and_conditions'],
  ['P9VerifiedNHSAppUsers', 'p9_verified_nhs_app_users'],
  ['Logins', 'logins'],
  ['RecordViews', 'record_views'],
  ['Prescriptions', 'prescriptions'],
  ['NomPharmacy', 'nom_pharmacy'],
  ['AppointmentsBooked', 'appointments_booked'],
  ['AppointmentsCancelled', 'appointments_cancelled'],
  ['ODRegistrations', 'od_registrations'],
  ['ODWithdrawals', 'od_withdrawals'],
  ['ODUpdates', 'od_updates'],
  ['ODLookups', 'od_lookups'],
  ['RecordViewsDCR', 'record_views_dcr'],
  ['RecordViewsSCR', 'record_views_scr'],
] as const;

export const SNAPSHOT_COLUMNS = ['Date', 'OdsCode', ...SNAPSHOT_COUNT_COLUMNS.map(([name]) => name)];

export async function importPracticeSnapshot(db: Warehouse, file: string): Promise<FeedImportSummary> {
  const kind = 'practice-snapshot';
  const sha256 = await contentSha256(file);
  const previous = await findPreviousLoad(db, file, kind, sha256);
  if (previous) return previous;

  const header = await Header.read(file);
  const [dateCol, odsCol] = requireColumns(file, header, ['Date', 'OdsCode']) as [string, string];
  const warnings: string[] = [];
  const name = baseName(file);
  if (header.names[0] !== dateCol || header.names[1] !== odsCol) {
    warnings.push(`${name}: Date and OdsCode are not the first two columns (columns are read by name)`);
  }
  const counts = SNAPSHOT_COUNT_COLUMNS.map(([feedName, column]) => ({
    feedName,
    column,
    actual: header.find(feedName),
  }));
  const missing = counts.filter((c) => c.actual === undefined).map((c) => c.feedName);
  if (missing.length === counts.length) {
    throw new IngestError({
      file,
      line: header.line,
      reason: `no count columns: expected ${SNAPSHOT_COUNT_COLUMNS.map(([n]) => n).join(', ')}`,
    });
  }
  if (missing.length > 0) warnings.push(`${name}: column(s) ${missing.join(', ')} missing; loaded as NULL`);
  const known = new Set(SNAPSHOT_COLUMNS.map((c) => c.toLowerCase()));
  const ignored = header.names.filter((n) => !known.has(n.trim().toLowerCase()));
  if (ignored.length > 0) warnings.push(`${name}: column(s) ${ignored.join(', ')} ignored`);

  const stageColumns = ['line', 'date', 'practice_code', ...counts.map((c) => c.column)];
  const { stage, rowsRead } = await validateToStage(file, stageColumns, (rec, problems) => {
    const values: StageValue[] = [rec.line];
    let ok = true;
    const day = parseDay(rec.fields[dateCol]!);
    if (!day.ok) {
      problems.add(rec.line, dateCol, day.reason);
      ok = false;
    } else values.push(day.value);
    const code = rec.fields[odsCol]!.toUpperCase();
    const codeProblem = practiceCodeProblem(code);
    if (codeProblem) {
      problems.add(rec.line, odsCol, codeProblem);
      ok = false;
    } else values.push(code);
    for (const c of counts) {
      if (c.actual === undefined) {
        values.push(null);
        continue;
      }
      const n = parseCount(rec.fields[c.actual]!);
      if (n.ok === 'blank') values.push(0);
      else if (n.ok) values.push(n.value);
      else {
        problems.add(rec.line, c.actual, n.reason);
        ok = false;
      }
    }
    return ok ? values : null;
  });

  return writeFeed(db, {
    file,
    kind,
    fileKind: 'snapshot',
    sha256,
    rowsRead,
    stage,
    sqlSet: feedsSql.practiceDailyLoad,
    checkStaged: (d) => rejectDuplicates(d, file, `${dateCol}, ${odsCol}`, 'the Date and OdsCode'),
    warningsFor: (stats) => {
      const w = weeklyDatesWarning(name, stats.periods, stats.first_date, stats.last_date);
      return w ? [w] : [];
    },
    warnings,
  });
}
