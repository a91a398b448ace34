/**
 * Which importer a file dropped into the inbox goes to, from its name alone — the same names the CLI's
 * `ingest KIND FILE` is used with (README "The inbox"). Pure: no file is opened; the importer then validates
 * the contents and refuses a file whose contents do not match its kind.
 */
import type { FeedKind } from '../ingest/feeds/index.ts';

export type InboxKind = 'events' | 'reference' | 'booking-events' | 'booking-slots' | FeedKind;

export type InboxClass = { kind: InboxKind } | { kind: null; reason: string };

const EVENT_EXTENSIONS = /\.(csv|jsonl|ndjson|json|parquet)(\.gz)?$/;
const TABLE_EXTENSIONS = /\.csv(\.gz)?$/;

/** The kind of an inbox file, from its base name; `{ kind: null, reason }` when the name says nothing usable. */
export function classifyInboxFile(fileName: string): InboxClass {
  const base = fileName.replace(/^.*[\\/]/, '');
  const name = base.toLowerCase();
  const feed = (kind: FeedKind, extensions: RegExp, expected: string): InboxClass =>
    extensions.test(name)
      ? { kind }
      : { kind: null, reason: `a ${kind} file must be ${expected}; "${base}" is not` };
  if (name.startsWith('gp-reg-pat-prac-'))
    return TABLE_EXTENSIONS.test(name)
      ? { kind: 'reference' }
      : { kind: null, reason: `an NHS reference file (gp-reg-pat-prac-*) must be .csv or .csv.gz` };
  if (name.includes('nhs_app_table_snapshot'))
    return feed('practice-snapshot', TABLE_EXTENSIONS, '.csv or .csv.gz');
  if (name.includes('weeklyintegratedpartners'))
    return feed('integrated-partners', TABLE_EXTENSIONS, '.csv or .csv.gz');
  if (
    name.includes('downloads_nhsapp') ||
    name.includes('weeklydownloads') ||
    name.includes('monthlydownloads')
  )
    return feed('downloads', TABLE_EXTENSIONS, '.csv or .csv.gz');
  if (/(^|[^a-z])pomi([^a-z]|$)/.test(name)) return feed('pomi', TABLE_EXTENSIONS, '.csv or .csv.gz');
  if (
    name.startsWith('nhs-app-mi') ||
    name.startsWith('nhs_app_mi') ||
    name.includes('management information') ||
    name.includes('management-information') ||
    name.includes('management_information')
  )
    return feed('mi-publication', /\.(csv(\.gz)?|xlsx)$/, '.csv, .csv.gz or an .xlsx workbook');
  // Urgent-care booking MI (issue 13): booking-events* and booking-slots* (or with an underscore).
  if (/^booking[-_]events/.test(name))
    return EVENT_EXTENSIONS.test(name)
      ? { kind: 'booking-events' }
      : {
          kind: null,
          reason: 'a booking-events file must be .csv, .jsonl, .ndjson, .json or .parquet (optionally .gz)',
        };
  if (/^booking[-_]slots/.test(name))
    return EVENT_EXTENSIONS.test(name)
      ? { kind: 'booking-slots' }
      : {
          kind: null,
          reason: 'a booking-slots file must be .csv, .jsonl, .ndjson, .json or .parquet (optionally .gz)',
        };
  if (name.endsWith('.xlsx'))
    return {
      kind: null,
      reason:
        'a workbook is loaded only as the NHS App Management Information publication, whose name starts ' +
        '"nhs-app-mi" or contains "Management Information"',
    };
  if (EVENT_EXTENSIONS.test(name)) return { kind: 'events' };
  return {
    kind: null,
    reason:
      'the file name does not say what it is: expected canonical events (.csv, .jsonl, .ndjson, .json or ' +
      '.parquet, optionally .gz), an NHS feed (nhs_app_table_snapshot_*, WeeklyIntegratedPartners_*, ' +
      '*Downloads_NHSApp_*, POMI*, nhs-app-mi*), booking MI (booking-events*, booking-slots*) or a reference ' +
      'file (gp-reg-pat-prac-*)',
  };
}
