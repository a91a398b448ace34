/**
 * Importers for the NHS's aggregated NHS App feeds and the published NHS App Management Information statistics,
 * in their real formats. Each loads one file into its own table (kept apart from event-derived figures),
 * validating every row, in one transaction, idempotent by content hash; a delivery covering periods already
 * loaded replaces them (a correction). See common.ts for the shared rules and each module for its format.
 */
import fs from 'node:fs';
import type { Warehouse } from '../../warehouse/db.ts';
import { readCsvHeader } from '../csv-reader.ts';
import { IngestError } from '../errors.ts';
import { baseName, FEED_KINDS, type FeedImportSummary, type FeedKind, Header } from './common.ts';
import { importDownloads } from './downloads.ts';
import { importIntegratedPartners } from './integrated-partners.ts';
import { miCsvKindOfHeader } from './mi-csv.ts';
import { importMiPublication } from './mi-publication.ts';
import { isXlsxFile } from './mi-workbook.ts';
import { importPomi } from './pomi.ts';
import { importPracticeSnapshot } from './practice-snapshot.ts';

export { FEED_KINDS, type FeedKind };

export function isFeedKind(value: string): value is FeedKind {
  return (FEED_KINDS as readonly string[]).includes(value);
}

export { describeFeedImport, type FeedImportSummary, type ReplacedPeriods } from './common.ts';
export { importDownloads, type DownloadsFileKind, type DownloadsOptions } from './downloads.ts';
export { importIntegratedPartners } from './integrated-partners.ts';
export { importMiCsv } from './mi-csv.ts';
export { importMiPublication } from './mi-publication.ts';
export { importMiWorkbook } from './mi-workbook.ts';
export { importPomi } from './pomi.ts';
export { importPracticeSnapshot } from './practice-snapshot.ts';

/** The feed kind a header names, or undefined. */
export function feedKindOfHeader(names: readonly string[]): FeedKind | undefined {
  const h = new Header(names);
  if (h.has('Date') && h.has('OdsCode')) {
    if (h.has('Provider') && h.has('JumpOff') && h.has('Clicks')) return 'integrated-partners';
    if (h.has('Logins') || h.has('AcceptedTermsAndConditions') || h.has('P9VerifiedNHSAppUsers')) {
      return 'practice-snapshot';
    }
  }
  if (h.has('Date') && h.has('Type') && h.has('Count')) return 'downloads';
  if (h.has('Report_Period_End') && h.has('Practice_Code') && h.has('Field') && h.has('Value')) return 'pomi';
  if (miCsvKindOfHeader(names) !== undefined) return 'mi-publication';
  return undefined;
}

/** The feed kind a file name suggests (the NHS's delivery names), or undefined. */
export function feedKindOfName(file: string): FeedKind | undefined {
  const name = baseName(file).toLowerCase();
  if (name.includes('nhs_app_table_snapshot')) return 'practice-snapshot';
  if (name.includes('weeklyintegratedpartners')) return 'integrated-partners';
  if (name.includes('weeklydownloads') || name.includes('monthlydownloads')) return 'downloads';
  if (name.includes('pomi')) return 'pomi';
  if (name.includes('nhs-app-mi') || name.includes('management information')) return 'mi-publication';
  return undefined;
}

/**
 * Which feed a file is: an .xlsx workbook is the MI publication; a CSV (plain or gzipped) by its header, else by
 * its name. Undefined when neither tells.
 */
export async function detectFeedKind(file: string): Promise<FeedKind | undefined> {
  if (!fs.existsSync(file)) throw new IngestError({ file, reason: 'file not found' });
  if (isXlsxFile(file)) return 'mi-publication';
  let header: string[] | undefined;
  try {
    header = await readCsvHeader(file);
  } catch {
    header = undefined;
  }
  return (header && feedKindOfHeader(header)) ?? feedKindOfName(file);
}

/** Imports one feed file of the given kind (see detectFeedKind). */
export async function importFeedFile(
  db: Warehouse,
  kind: FeedKind,
  file: string,
): Promise<FeedImportSummary> {
  switch (kind) {
    case 'practice-snapshot':
      return importPracticeSnapshot(db, file);
    case 'integrated-partners':
      return importIntegratedPartners(db, file);
    case 'downloads':
      return importDownloads(db, file);
    case 'pomi':
      return importPomi(db, file);
    case 'mi-publication':
      return importMiPublication(db, file);
  }
}
