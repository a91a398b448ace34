/**
 * The NHS's own files (practice snapshots, downloads, partners, POMI, the MI publication): stage, check, replace.
 *
 * One exported query object per statement (ADR 0039): import it, pass it to the database (`db.all(q, params)`);
 * positional parameters $1, $2 … only, never values written into the text.
 *
 * Every feed stages a file's validated rows in the same TEMP table, feed_stage (a load at a time on a connection;
 * writeFeed drops it when done). Where a file may not repeat a key, the feed's stage statement also writes the
 * row's key (row_key) and how it is shown (row_key_text), so the duplicate check and the drop are one statement
 * for every feed (stageDuplicates, stageDrop).
 */
import { query } from '../query.ts';

/**
 * The days staged per device type (used to check a monthly file holds every day of its month).
 */
export const downloadsDailyDays = query('feeds.downloadsDailyDays')`
SELECT device_type, date AS day, line
FROM feed_stage
ORDER BY device_type, date
`;

/**
 * A delivery replaces the days it covers, for the device types it carries (an Apple-only weekly file leaves
 * Google's figures for the same days alone).
 */
export const downloadsDailyDelete = query('feeds.downloadsDailyDelete')`
DELETE FROM feed_downloads_daily t
WHERE EXISTS (
  SELECT 1 FROM feed_stage s WHERE s.date = t.date AND s.device_type = t.device_type
)
`;

/**
 * $1 = load id.
 */
export const downloadsDailyInsert = query('feeds.downloadsDailyInsert')`
INSERT INTO feed_downloads_daily (date, device_type, downloads, file_kind, load_id)
SELECT date, device_type, downloads, file_kind, $1
FROM feed_stage
ORDER BY date, device_type
`;

/**
 * The rows already loaded for the days and device types the staged file covers (replaced: a correction).
 */
export const downloadsDailyReplaced = query('feeds.downloadsDailyReplaced')`
SELECT t.date AS period, t.load_id, count(*) AS rows
FROM feed_downloads_daily t
WHERE EXISTS (
  SELECT 1 FROM feed_stage s WHERE s.date = t.date AND s.device_type = t.device_type
)
GROUP BY t.date, t.load_id
ORDER BY 1, 2
`;

/**
 * Stages the validated rows of a Weekly/MonthlyDownloads file (written by the importer to a temporary CSV, $1).
 */
export const downloadsDailyStage = query('feeds.downloadsDailyStage')`
CREATE OR REPLACE TEMP TABLE feed_stage AS
SELECT *,
  struct_pack(date, device_type) AS row_key,
  CAST(date AS VARCHAR) || ', ' || device_type AS row_key_text
FROM read_csv($1, header = true, delim = ',', quote = '"', escape = '"', auto_detect = false, columns = {
  'line': 'BIGINT',
  'date': 'DATE',
  'device_type': 'VARCHAR',
  'downloads': 'BIGINT',
  'file_kind': 'VARCHAR'
})
`;

export const downloadsDailyStats = query('feeds.downloadsDailyStats')`
SELECT
  count(*) AS rows,
  min(date) AS first_date,
  max(date) AS last_date,
  count(DISTINCT date) AS periods,
  string_agg(DISTINCT device_type, ',' ORDER BY device_type) AS device_types
FROM feed_stage
`;

/**
 * The earlier load of the same content as the same feed kind, if any. $1 = kind, $2 = sha256.
 */
export const feedLoadFindBySha = query('feeds.feedLoadFindBySha')`
SELECT load_id, file_kind, rows_read, rows_loaded, first_date, last_date
FROM feed_load
WHERE kind = $1 AND sha256 = $2
ORDER BY load_id
LIMIT 1
`;

/**
 * Records a feed load. $1 load id, $2 kind, $3 file kind, $4 source file name, $5 sha256, $6 rows read,
 * $7 rows loaded, $8 rows replaced, $9 first date, $10 last date, $11 warnings (NULL when none).
 */
export const feedLoadInsert = query('feeds.feedLoadInsert')`
INSERT INTO feed_load (
  load_id, kind, file_kind, source_file, sha256, rows_read, rows_loaded, rows_replaced,
  first_date, last_date, warnings, loaded_at
)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, CAST($9 AS DATE), CAST($10 AS DATE), $11, CAST(now() AS TIMESTAMP))
`;

/**
 * Rows repeating the key of an earlier row of the staged file (row_key, which the feed's stage statement
 * defines, shown as row_key_text). $1 = how many to return.
 */
export const stageDuplicates = query('feeds.stageDuplicates')`
WITH d AS (
  SELECT line, min(line) OVER (PARTITION BY row_key) AS first_line, row_key_text AS key
  FROM feed_stage
)
SELECT line, first_line, key, count(*) OVER () AS total
FROM d
WHERE line <> first_line
ORDER BY line
LIMIT $1
`;

/**
 * Drops the staging table, whichever feed staged it.
 */
export const stageDrop = query('feeds.stageDrop')`
DROP TABLE IF EXISTS feed_stage
`;

/**
 * Records the edition of an MI load. $1 load id, $2 edition (first day of its last month), $3 publication date or
 * NULL, $4 title or NULL, $5 source file, $6 file kind.
 */
export const miEditionInsert = query('feeds.miEditionInsert')`
INSERT INTO mi_edition (load_id, edition, published_on, title, source_file, file_kind, first_month, last_month)
SELECT $1, coalesce(CAST($2 AS DATE), max(month)), CAST($3 AS DATE), $4, $5, $6, min(month), max(month)
FROM feed_stage
`;

/**
 * An edition restates whole months at the levels it carries: a file of an edition already loaded (the same
 * edition again as a CSV, or a corrected re-issue) replaces that edition's figures for the months and levels it
 * covers. Other editions are kept (revisions); mi_published is refreshed from them after the insert.
 */
export const miPublishedDelete = query('feeds.miPublishedDelete')`
DELETE FROM mi_figure t
WHERE EXISTS (
  SELECT 1 FROM feed_stage s
  WHERE s.edition = t.edition AND s.month = t.month AND s.level = t.level
)
`;

/**
 * Keeps the staged edition's figures beside every other edition's. $1 = load id.
 */
export const miPublishedInsert = query('feeds.miPublishedInsert')`
INSERT INTO mi_figure (
  edition, month, level, icb_code, icb_name, region_code, region_name, measure, value, source_file, load_id
)
SELECT edition, month, level, icb_code, icb_name, region_code, region_name, measure, value, source_file, $1
FROM feed_stage
ORDER BY month, level, icb_code, measure
`;

/**
 * mi_published holds the latest edition's figures: first remove those of the (month, level) pairs just loaded.
 */
export const miPublishedRefreshDelete = query('feeds.miPublishedRefreshDelete')`
DELETE FROM mi_published t
WHERE EXISTS (SELECT 1 FROM feed_stage s WHERE s.month = t.month AND s.level = t.level)
`;

/**
 * Then put back, for each (month, level, measure) the staged file touches, the figures of the latest edition that
 * covers it, whatever order the editions were loaded in.
 */
export const miPublishedRefreshInsert = query('feeds.miPublishedRefreshInsert')`
INSERT INTO mi_published (
  month, level, icb_code, icb_name, region_code, region_name, measure, value, source_file, load_id, edition
)
WITH pairs AS (
  SELECT DISTINCT month, level FROM feed_stage
),
latest AS (
  SELECT f.month, f.level, f.measure, max(f.edition) AS edition
  FROM mi_figure f
  JOIN pairs p ON p.month = f.month AND p.level = f.level
  GROUP BY f.month, f.level, f.measure
)
SELECT f.month, f.level, f.icb_code, f.icb_name, f.region_code, f.region_name, f.measure, f.value,
  f.source_file, f.load_id, f.edition
FROM mi_figure f
JOIN latest l ON l.month = f.month AND l.level = f.level AND l.measure = f.measure AND l.edition = f.edition
ORDER BY f.month, f.level, f.icb_code, f.measure
`;

/**
 * Figures of the SAME edition already stored for the (month, level) pairs the staged file covers that the staged
 * file does not hold (an area or a measure missing): loading the file would delete them. Other editions are never
 * deleted. One row per month, level and measure; $1 = how many to return.
 */
export const miPublishedRemoved = query('feeds.miPublishedRemoved')`
WITH covered AS (
  SELECT t.month, t.level, t.icb_code, t.measure, t.source_file
  FROM mi_figure t
  WHERE EXISTS (
    SELECT 1 FROM feed_stage s
    WHERE s.edition = t.edition AND s.month = t.month AND s.level = t.level
  )
),
gone AS (
  SELECT c.*
  FROM covered c
  WHERE NOT EXISTS (
    SELECT 1
    FROM feed_stage s
    WHERE s.month = c.month AND s.level = c.level AND s.icb_code = c.icb_code AND s.measure = c.measure
  )
),
stored AS (
  SELECT month, level, measure, count(*) AS stored
  FROM covered
  GROUP BY ALL
)
SELECT
  strftime(g.month, '%Y-%m') AS month,
  g.level,
  g.measure,
  count(*) AS missing,
  any_value(st.stored) AS stored,
  string_agg(g.icb_code, ', ' ORDER BY g.icb_code) AS codes,
  string_agg(DISTINCT g.source_file, ', ') AS source_files,
  count(*) OVER () AS total
FROM gone g
JOIN stored st ON st.month = g.month AND st.level = g.level AND st.measure = g.measure
GROUP BY g.month, g.level, g.measure
ORDER BY g.month, g.level, g.measure
LIMIT $1
`;

/**
 * The rows of the same edition already loaded for the (month, level) pairs the staged file covers.
 */
export const miPublishedReplaced = query('feeds.miPublishedReplaced')`
SELECT t.month AS period, t.load_id, count(*) AS rows
FROM mi_figure t
WHERE EXISTS (
  SELECT 1 FROM feed_stage s
  WHERE s.edition = t.edition AND s.month = t.month AND s.level = t.level
)
GROUP BY t.month, t.load_id
ORDER BY 1, 2
`;

/**
 * Stages the validated rows of an NHS App MI publication (CSV or workbook; written by the importer to a
 * temporary CSV, $1).
 */
export const miPublishedStage = query('feeds.miPublishedStage')`
CREATE OR REPLACE TEMP TABLE feed_stage AS
SELECT *,
  struct_pack(month, level, icb_code, measure) AS row_key,
  strftime(month, '%Y-%m') || ', ' || icb_code || ', ' || measure AS row_key_text
FROM read_csv($1, header = true, delim = ',', quote = '"', escape = '"', auto_detect = false, columns = {
  'line': 'BIGINT',
  'month': 'DATE',
  'level': 'VARCHAR',
  'icb_code': 'VARCHAR',
  'icb_name': 'VARCHAR',
  'region_code': 'VARCHAR',
  'region_name': 'VARCHAR',
  'measure': 'VARCHAR',
  'value': 'BIGINT',
  'source_file': 'VARCHAR',
  'edition': 'DATE'
})
`;

export const miPublishedStats = query('feeds.miPublishedStats')`
SELECT
  count(*) AS rows,
  min(month) AS first_date,
  max(month) AS last_date,
  count(DISTINCT month) AS periods
FROM feed_stage
`;

/**
 * For the months the staged file covers, where the warehouse holds both levels: each England figure against the
 * sum of the ICB rows (the "Unknown" row included) for the same month and measure.
 */
export const miPublishedSumCheck = query('feeds.miPublishedSumCheck')`
WITH months AS (
  SELECT DISTINCT month FROM feed_stage
),
e AS (
  SELECT month, measure, value
  FROM mi_published
  WHERE level = 'england' AND month IN (SELECT month FROM months)
),
i AS (
  SELECT month, measure, CAST(sum(value) AS BIGINT) AS icb_sum, count(*) AS icb_rows
  FROM mi_published
  WHERE level = 'icb' AND month IN (SELECT month FROM months)
  GROUP BY month, measure
)
SELECT e.month, e.measure, e.value AS england, i.icb_sum, i.icb_rows
FROM e
JOIN i ON i.month = e.month AND i.measure = e.measure
ORDER BY e.month, e.measure
`;

/**
 * How many figures of load $1 differ from the same figure in an earlier edition (revisions), and which editions.
 */
export const miRevisionsByLoad = query('feeds.miRevisionsByLoad')`
SELECT
  count(*) AS n,
  coalesce(string_agg(DISTINCT strftime(o.edition, '%Y-%m'), ', '), '') AS editions
FROM mi_figure n
JOIN mi_figure o
  ON o.month = n.month AND o.level = n.level AND o.icb_code = n.icb_code AND o.measure = n.measure
  AND o.edition < n.edition
WHERE n.load_id = $1 AND o.value <> n.value
`;

/**
 * Rows staged without an edition (CSV extracts, which do not name theirs) belong to the earliest edition already
 * loaded that covers the file's last month (an extract of that edition), else to the edition of that month.
 */
export const miStageSetEdition = query('feeds.miStageSetEdition')`
UPDATE feed_stage
SET edition = coalesce(
  (
    SELECT min(f.edition)
    FROM mi_figure f
    WHERE f.month = (SELECT max(month) FROM feed_stage)
  ),
  (SELECT max(month) FROM feed_stage)
)
WHERE edition IS NULL
`;

/**
 * Deletes every row of the days the staged file covers: a new delivery replaces those days.
 */
export const partnerDailyDelete = query('feeds.partnerDailyDelete')`
DELETE FROM feed_partner_daily
WHERE date IN (SELECT DISTINCT date FROM feed_stage)
`;

/**
 * Rows repeating (Date, OdsCode, Provider, JumpOff) are summed, as the NHS pipeline did. $1 = load id.
 */
export const partnerDailyInsert = query('feeds.partnerDailyInsert')`
INSERT INTO feed_partner_daily (date, practice_code, provider, jump_off, service, is_cie, clicks, source_rows, load_id)
SELECT date, practice_code, provider, jump_off, min(service), bool_or(is_cie), sum(clicks), count(*), $1
FROM feed_stage
GROUP BY date, practice_code, provider, jump_off
ORDER BY date, practice_code, provider, jump_off
`;

/**
 * The rows already loaded for the days the staged file covers (they are replaced: a correction).
 */
export const partnerDailyReplaced = query('feeds.partnerDailyReplaced')`
SELECT t.date AS period, t.load_id, count(*) AS rows
FROM feed_partner_daily t
WHERE t.date IN (SELECT DISTINCT date FROM feed_stage)
GROUP BY t.date, t.load_id
ORDER BY 1, 2
`;

/**
 * Stages the validated rows of a WeeklyIntegratedPartners file (written by the importer to a temporary CSV, $1).
 */
export const partnerDailyStage = query('feeds.partnerDailyStage')`
CREATE OR REPLACE TEMP TABLE feed_stage AS
SELECT *
FROM read_csv($1, header = true, delim = ',', quote = '"', escape = '"', auto_detect = false, columns = {
  'line': 'BIGINT',
  'date': 'DATE',
  'practice_code': 'VARCHAR',
  'provider': 'VARCHAR',
  'jump_off': 'VARCHAR',
  'service': 'VARCHAR',
  'is_cie': 'BOOLEAN',
  'clicks': 'BIGINT'
})
`;

/**
 * rows = rows to insert (one per date, practice, provider and jump-off; repeats are summed);
 * duplicate_rows = file rows folded into an earlier row with the same key.
 */
export const partnerDailyStats = query('feeds.partnerDailyStats')`
SELECT
  count(DISTINCT (date, practice_code, provider, jump_off)) AS rows,
  min(date) AS first_date,
  max(date) AS last_date,
  count(DISTINCT date) AS periods,
  count(*) - count(DISTINCT (date, practice_code, provider, jump_off)) AS duplicate_rows,
  count(*) FILTER (WHERE is_cie) AS cie_rows
FROM feed_stage
`;

/**
 * Deletes every row of the months the staged file covers: a new delivery replaces those months.
 */
export const pomiDelete = query('feeds.pomiDelete')`
DELETE FROM feed_pomi
WHERE month IN (SELECT DISTINCT month FROM feed_stage)
`;

/**
 * $1 = load id.
 */
export const pomiInsert = query('feeds.pomiInsert')`
INSERT INTO feed_pomi (
  month, report_period_end, practice_code, field, value, supplier, region_code, subregion_code, ccg_code,
  effective_snapshot_date, report_period_length, load_id
)
SELECT
  month, report_period_end, practice_code, field, value, supplier, region_code, subregion_code, ccg_code,
  effective_snapshot_date, report_period_length, $1
FROM feed_stage
ORDER BY month, practice_code, field
`;

/**
 * The rows already loaded for the months the staged file covers (they are replaced: a correction).
 */
export const pomiReplaced = query('feeds.pomiReplaced')`
SELECT t.month AS period, t.load_id, count(*) AS rows
FROM feed_pomi t
WHERE t.month IN (SELECT DISTINCT month FROM feed_stage)
GROUP BY t.month, t.load_id
ORDER BY 1, 2
`;

/**
 * Stages the validated rows of a POMI file (written by the importer to a temporary CSV, $1).
 */
export const pomiStage = query('feeds.pomiStage')`
CREATE OR REPLACE TEMP TABLE feed_stage AS
SELECT *,
  struct_pack(month, practice_code, field) AS row_key,
  strftime(month, '%Y-%m') || ', ' || practice_code || ', ' || field AS row_key_text
FROM read_csv($1, header = true, delim = ',', quote = '"', escape = '"', auto_detect = false, columns = {
  'line': 'BIGINT',
  'month': 'DATE',
  'report_period_end': 'DATE',
  'practice_code': 'VARCHAR',
  'field': 'VARCHAR',
  'value': 'BIGINT',
  'supplier': 'VARCHAR',
  'region_code': 'VARCHAR',
  'subregion_code': 'VARCHAR',
  'ccg_code': 'VARCHAR',
  'effective_snapshot_date': 'DATE',
  'report_period_length': 'VARCHAR'
})
`;

export const pomiStats = query('feeds.pomiStats')`
SELECT
  count(*) AS rows,
  min(month) AS first_date,
  max(month) AS last_date,
  count(DISTINCT month) AS periods,
  count(DISTINCT practice_code) AS practices
FROM feed_stage
`;

/**
 * Deletes every row of the days the staged file covers: a new delivery replaces those days.
 */
export const practiceDailyDelete = query('feeds.practiceDailyDelete')`
DELETE FROM feed_practice_daily
WHERE date IN (SELECT DISTINCT date FROM feed_stage)
`;

/**
 * $1 = load id.
 */
export const practiceDailyInsert = query('feeds.practiceDailyInsert')`
INSERT INTO feed_practice_daily (
  date, practice_code, p5_new_app_users, accepted_terms_and_conditions, p9_verified_nhs_app_users, logins,
  record_views, prescriptions, nom_pharmacy, appointments_booked, appointments_cancelled, od_registrations,
  od_withdrawals, od_updates, od_lookups, record_views_dcr, record_views_scr, load_id
)
SELECT
  date, practice_code, p5_new_app_users, accepted_terms_and_conditions, p9_verified_nhs_app_users, logins,
  record_views, prescriptions, nom_pharmacy, appointments_booked, appointments_cancelled, od_registrations,
  od_withdrawals, od_updates, od_lookups, record_views_dcr, record_views_scr, $1
FROM feed_stage
ORDER BY date, practice_code
`;

/**
 * The rows already loaded for the days the staged file covers (they are replaced: a correction).
 */
export const practiceDailyReplaced = query('feeds.practiceDailyReplaced')`
SELECT t.date AS period, t.load_id, count(*) AS rows
FROM feed_practice_daily t
WHERE t.date IN (SELECT DISTINCT date FROM feed_stage)
GROUP BY t.date, t.load_id
ORDER BY 1, 2
`;

/**
 * Stages the validated rows of a practice snapshot file (written by the importer to a temporary CSV, $1).
 */
export const practiceDailyStage = query('feeds.practiceDailyStage')`
CREATE OR REPLACE TEMP TABLE feed_stage AS
SELECT *,
  struct_pack(date, practice_code) AS row_key,
  CAST(date AS VARCHAR) || ', ' || practice_code AS row_key_text
FROM read_csv($1, header = true, delim = ',', quote = '"', escape = '"', auto_detect = false, columns = {
  'line': 'BIGINT',
  'date': 'DATE',
  'practice_code': 'VARCHAR',
  'p5_new_app_users': 'BIGINT',
  'accepted_terms_and_conditions': 'BIGINT',
  'p9_verified_nhs_app_users': 'BIGINT',
  'logins': 'BIGINT',
  'record_views': 'BIGINT',
  'prescriptions': 'BIGINT',
  'nom_pharmacy': 'BIGINT',
  'appointments_booked': 'BIGINT',
  'appointments_cancelled': 'BIGINT',
  'od_registrations': 'BIGINT',
  'od_withdrawals': 'BIGINT',
  'od_updates': 'BIGINT',
  'od_lookups': 'BIGINT',
  'record_views_dcr': 'BIGINT',
  'record_views_scr': 'BIGINT'
})
`;

export const practiceDailyStats = query('feeds.practiceDailyStats')`
SELECT
  count(*) AS rows,
  min(date) AS first_date,
  max(date) AS last_date,
  count(DISTINCT date) AS periods
FROM feed_stage
`;

/**
 * Each feed's load, in the order src/ingest/feeds/common.ts runs them: stage, stats, replaced, delete, insert (then
 * stageDrop, the same for every feed).
 */
export const practiceDailyLoad = {
  stage: practiceDailyStage,
  stats: practiceDailyStats,
  replaced: practiceDailyReplaced,
  delete: practiceDailyDelete,
  insert: practiceDailyInsert,
};
export const downloadsDailyLoad = {
  stage: downloadsDailyStage,
  stats: downloadsDailyStats,
  replaced: downloadsDailyReplaced,
  delete: downloadsDailyDelete,
  insert: downloadsDailyInsert,
};
export const partnerDailyLoad = {
  stage: partnerDailyStage,
  stats: partnerDailyStats,
  replaced: partnerDailyReplaced,
  delete: partnerDailyDelete,
  insert: partnerDailyInsert,
};
export const pomiLoad = {
  stage: pomiStage,
  stats: pomiStats,
  replaced: pomiReplaced,
  delete: pomiDelete,
  insert: pomiInsert,
};
export const miPublishedLoad = {
  stage: miPublishedStage,
  stats: miPublishedStats,
  replaced: miPublishedReplaced,
  delete: miPublishedDelete,
  insert: miPublishedInsert,
};

/** How many rows of an FOI response ($1 its reference) are loaded (loadBundledFoiDemographics). */
export const foiRowsLoaded = query('feeds.foiRowsLoaded')`
SELECT count(*) FROM foi_app_logins WHERE source = $1
`;

/** Removes a list-size release's age bands ($1 its extract date) before they are written again. */
export const deletePatientsByAgeBand = query('feeds.deletePatientsByAgeBand')`
DELETE FROM patients_by_age_band WHERE extract_date = $1
`;
