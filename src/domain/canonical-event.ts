import { EVENT_TYPES } from './metric-definition.ts';
import { addDays, londonDate } from './periods.ts';

/**
 * The canonical activity event: one row per event, in CSV, JSON Lines or Parquet (optionally gzipped).
 * README "Canonical activity event format" documents it for data providers.
 */
export const REQUIRED_COLUMNS = [
  'event_id',
  'event_time',
  'event_type',
  'session_id',
  'user_id',
  'practice_code',
  'identity_level',
  'channel',
] as const;
export const OPTIONAL_COLUMNS = ['p9_route', 'record_type', 'provider', 'service'] as const;
export const CANONICAL_COLUMNS = [...REQUIRED_COLUMNS, ...OPTIONAL_COLUMNS] as const;
export type CanonicalColumn = (typeof CANONICAL_COLUMNS)[number];

export const IDENTITY_LEVELS = ['P0', 'P5', 'P9'] as const;
export const CHANNELS = ['ios', 'android', 'web'] as const;
export const P9_ROUTES = ['IDVM', 'PYI', 'POL'] as const;
export const RECORD_TYPES = ['summary', 'detailed_coded'] as const;
export { EVENT_TYPES };

export const MAX_ID_LENGTH = 128;

/**
 * The plausible span of activity: nothing before 2018 (the NHS App was launched in 2018–19), nothing later than
 * tomorrow in London (a day's grace for clocks and time zones). One row dated 9999-12-31 once made every later
 * build run away, and a typo such as 2062 made the cube seven times larger: such rows are rejected at ingest,
 * and the build never reads outside the span (issue 16.2).
 */
export const EARLIEST_EVENT_DATE = '2018-01-01';

/** The last London date an event may fall on when loaded or built at `now`: tomorrow in London. */
export function latestEventDate(now: Date): string {
  return addDays(londonDate(now), 1);
}

export type EventFormat = 'csv' | 'jsonl' | 'parquet';

/** Picks the reader from the file name: .csv, .jsonl/.ndjson/.json, .parquet, each optionally .gz. */
export function detectEventFormat(file: string): EventFormat | null {
  const name = file.toLowerCase().replace(/\.gz$/, '');
  if (name.endsWith('.csv')) return 'csv';
  if (name.endsWith('.jsonl') || name.endsWith('.ndjson') || name.endsWith('.json')) return 'jsonl';
  if (name.endsWith('.parquet') && !file.toLowerCase().endsWith('.gz')) return 'parquet';
  return null;
}

/** Header check: which required columns are missing, and which columns we do not know (ignored). */
export function checkEventColumns(columns: string[]): { missing: string[]; unknown: string[] } {
  const present = new Set(columns);
  return {
    missing: REQUIRED_COLUMNS.filter((c) => !present.has(c)),
    unknown: columns.filter((c) => !(CANONICAL_COLUMNS as readonly string[]).includes(c)),
  };
}
