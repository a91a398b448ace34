/**
 * The integrated-partner jump-off feed, `WeeklyIntegratedPartners_NHSApp_Counts_yyyymmdd.csv` →
 * `feed_partner_daily`.
 *
 * Columns `Date, OdsCode, Provider, JumpOff, Clicks` (matched by name, case-insensitively): clicks from the App
 * into a partner service, per GP practice, day, provider and jump-off. Rules:
 * - Date: a calendar day; OdsCode: a GP practice code (upper-cased); Provider, JumpOff: non-empty text;
 *   Clicks: a whole number ≥ 0 (blank is an error);
 * - rows repeating (Date, OdsCode, Provider, JumpOff) are summed, as the NHS pipeline did (reported in notes);
 * - a JumpOff ending in `Cie` (the legacy Care Information Exchange variant of Patients Know Best jump-offs,
 *   e.g. `messagesCie`) is kept as delivered, flagged is_cie, with the base name (`messages`) in service;
 * - not 7 consecutive days → a warning, the file still loads;
 * - the days the file covers replace those days already loaded (all practices and providers), as a correction.
 */
import type { Warehouse } from '../../warehouse/db.ts';
import {
  baseName,
  contentSha256,
  type FeedImportSummary,
  findPreviousLoad,
  Header,
  parseDay,
  practiceCodeProblem,
  requireColumns,
  requiredCount,
  textProblem,
  type StageValue,
  validateToStage,
  weeklyDatesWarning,
  writeFeed,
} from './common.ts';
import * as feedsSql from '../../warehouse/sql/feeds.ts';

export const PARTNER_COLUMNS = ['Date', 'OdsCode', 'Provider', 'JumpOff', 'Clicks'] as const;

/** A jump-off name split into its service and the legacy `Cie` flag: `messagesCie` → messages, true. */
export function splitCieJumpOff(jumpOff: string): { service: string; isCie: boolean } {
  const m = /^(.*\S)Cie$/.exec(jumpOff);
  return m ? { service: m[1]!, isCie: true } : { service: jumpOff, isCie: false };
}

export async function importIntegratedPartners(db: Warehouse, file: string): Promise<FeedImportSummary> {
  const kind = 'integrated-partners';
  const sha256 = await contentSha256(file);
  const previous = await findPreviousLoad(db, file, kind, sha256);
  if (previous) return previous;

  const header = await Header.read(file);
  const [dateCol, odsCol, providerCol, jumpOffCol, clicksCol] = requireColumns(
    file,
    header,
    PARTNER_COLUMNS,
  ) as [string, string, string, string, string];
  const name = baseName(file);
  const warnings: string[] = [];
  const known = new Set(PARTNER_COLUMNS.map((c) => c.toLowerCase()));
  const ignored = header.names.filter((n) => !known.has(n.trim().toLowerCase()));
  if (ignored.length > 0) warnings.push(`${name}: column(s) ${ignored.join(', ')} ignored`);

  const stageColumns = [
    'line',
    'date',
    'practice_code',
    'provider',
    'jump_off',
    'service',
    'is_cie',
    'clicks',
  ];
  const { stage, rowsRead } = await validateToStage(file, stageColumns, (rec, problems) => {
    let ok = true;
    const day = parseDay(rec.fields[dateCol]!);
    if (!day.ok) {
      problems.add(rec.line, dateCol, day.reason);
      ok = false;
    }
    const code = rec.fields[odsCol]!.toUpperCase();
    const codeProblem = practiceCodeProblem(code);
    if (codeProblem) {
      problems.add(rec.line, odsCol, codeProblem);
      ok = false;
    }
    const provider = rec.fields[providerCol]!;
    const providerProblem = textProblem(provider);
    if (providerProblem) {
      problems.add(rec.line, providerCol, providerProblem);
      ok = false;
    }
    const jumpOff = rec.fields[jumpOffCol]!;
    const jumpOffProblem = textProblem(jumpOff);
    if (jumpOffProblem) {
      problems.add(rec.line, jumpOffCol, jumpOffProblem);
      ok = false;
    }
    const clicks = requiredCount(problems, rec.line, clicksCol, rec.fields[clicksCol]!);
    if (!ok || !day.ok || clicks === null) return null;
    const { service, isCie } = splitCieJumpOff(jumpOff);
    const values: StageValue[] = [rec.line, day.value, code, provider, jumpOff, service, isCie, clicks];
    return values;
  });

  return writeFeed(db, {
    file,
    kind,
    fileKind: 'weekly',
    sha256,
    rowsRead,
    stage,
    sqlSet: feedsSql.partnerDailyLoad,
    warningsFor: (stats) => {
      const w = weeklyDatesWarning(name, stats.periods, stats.first_date, stats.last_date);
      return w ? [w] : [];
    },
    notesFor: (stats) => {
      const notes: string[] = [];
      const dup = Number(stats.duplicate_rows ?? 0);
      if (dup > 0) {
        notes.push(
          `${dup} row${dup === 1 ? '' : 's'} repeated an earlier (Date, OdsCode, Provider, JumpOff) and ` +
            `${dup === 1 ? 'was' : 'were'} summed into it`,
        );
      }
      const cie = Number(stats.cie_rows ?? 0);
      if (cie > 0)
        notes.push(`${cie} row${cie === 1 ? '' : 's'} with a legacy …Cie jump-off (flagged is_cie)`);
      return notes;
    },
    warnings,
  });
}
