/**
 * Importers for the NHS's aggregated NHS App feeds and the published NHS App Management Information statistics,
 * in their real formats. Each loads one file into its own table (never mixed with event-derived figures),
 * validating every row, in one transaction, idempotent by content hash; a delivery covering periods already
 * loaded replaces them (a correction).
 */
export const FEED_KINDS = ['practice-snapshot', 'integrated-partners', 'downloads', 'pomi', 'mi-publication'] as const;
export type FeedKind = (typeof FEED_KINDS)[number];
