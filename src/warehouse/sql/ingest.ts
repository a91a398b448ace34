/**
 * Loading raw App activity events: checks, rejects and the compact event store (src/ingest/events.ts).
 *
 * One exported query object per statement (ADR 0039): import it, pass it to the database (`db.all(q, params)`);
 * positional parameters $1, $2 … only, never values written into the text.
 */
import { query } from '../query.ts';

/**
 * Types every row of the file being loaded and gives the first rule it breaks as (field, reason).
 * Input: temp view raw_event (line_no, event_time_ts when the file holds typed instants, event_time_text when
 * it holds text, and the other canonical columns as text); $1 = list of event types; $2, $3 = the first and
 * the exclusive last instant of the plausible span (London days EARLIEST_EVENT_DATE to latestEventDate), $4, $5
 * those days for the message. Used as the body of
 * the temp view checked_event, read once for the valid rows and, only when some rows are rejected, once more
 * for the rejects. The value of user_id is never echoed in a reason: it is pseudonymous but still per-person.
 */
export const checkedEvents = query('ingest.checkedEvents')`
WITH typed AS (
  SELECT
    line_no,
    nullif(trim(event_id), '') AS event_id,
    event_time_ts,
    event_time_text,
    coalesce(
      event_time_ts,
      CASE WHEN regexp_full_match(trim(event_time_text),
             '\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|z|[+-]\\d{2}(:?\\d{2})?)')
           THEN TRY_CAST(trim(event_time_text) AS TIMESTAMPTZ) END
    ) AS event_time,
    lower(nullif(trim(event_type), '')) AS event_type,
    nullif(trim(session_id), '') AS session_id,
    nullif(trim(user_id), '') AS user_id,
    upper(nullif(trim(practice_code), '')) AS practice_code,
    upper(nullif(trim(identity_level), '')) AS identity_level,
    lower(nullif(trim(channel), '')) AS channel,
    upper(nullif(trim(p9_route), '')) AS p9_route,
    lower(nullif(trim(record_type), '')) AS record_type,
    nullif(trim(provider), '') AS provider,
    nullif(trim(service), '') AS service
  FROM raw_event
),
checked AS (
  SELECT
    *,
    CASE
      WHEN event_id IS NULL THEN 'event_id|is required'
      WHEN length(event_id) > 128 THEN 'event_id|is longer than 128 characters'
      -- Ids differing only by a NUL or another control character once counted as two events (issue 16.6).
      WHEN regexp_matches(event_id, '[[:cntrl:]]') THEN 'event_id|contains a control character (such as NUL)'
      WHEN event_time_ts IS NULL AND (event_time_text IS NULL OR trim(event_time_text) = '') THEN 'event_time|is required'
      WHEN event_time IS NULL THEN 'event_time|"' || left(event_time_text, 40) || '" is not an ISO 8601 instant with a time zone (e.g. 2026-03-29T01:30:00Z)'
      WHEN event_time < $2::TIMESTAMPTZ OR event_time >= $3::TIMESTAMPTZ
        THEN 'event_time|"' || coalesce(left(trim(event_time_text), 40), CAST(event_time AS VARCHAR)) || '" is outside the accepted range ' || $4 || ' to ' || $5 || ' (London dates: before the NHS App existed, or in the future)'
      WHEN event_type IS NULL THEN 'event_type|is required'
      WHEN NOT list_contains($1, event_type) THEN 'event_type|"' || left(event_type, 40) || '" is not a known event type'
      WHEN user_id IS NULL THEN 'user_id|is required'
      WHEN length(user_id) > 128 THEN 'user_id|is longer than 128 characters'
      WHEN regexp_matches(user_id, '[[:cntrl:]]') THEN 'user_id|contains a control character (such as NUL)'
      WHEN contains(user_id, '@') OR (length(user_id) >= 10 AND regexp_full_match(replace(replace(user_id, ' ', ''), '-', ''), '\\d{10}'))
        THEN 'user_id|looks like personal data (an email address or NHS number): user ids must be pseudonymised before loading'
      WHEN session_id IS NULL AND event_type = 'login' THEN 'session_id|is required on login events'
      WHEN length(session_id) > 128 THEN 'session_id|is longer than 128 characters'
      WHEN regexp_matches(session_id, '[[:cntrl:]]') THEN 'session_id|contains a control character (such as NUL)'
      WHEN practice_code IS NOT NULL AND NOT regexp_full_match(practice_code, '[A-Z0-9]{3,10}')
        THEN 'practice_code|"' || left(practice_code, 40) || '" is not an ODS code'
      WHEN identity_level IS NULL THEN 'identity_level|is required'
      WHEN identity_level NOT IN ('P0', 'P5', 'P9') THEN 'identity_level|"' || left(identity_level, 40) || '" is not P0, P5 or P9'
      WHEN event_type = 'registration' AND identity_level NOT IN ('P5', 'P9') THEN 'identity_level|a registration must be P5 or P9'
      WHEN event_type = 'identity_uplift' AND identity_level <> 'P9' THEN 'identity_level|an identity uplift must be to P9'
      WHEN channel IS NULL THEN 'channel|is required'
      WHEN channel NOT IN ('ios', 'android', 'web') THEN 'channel|"' || left(channel, 40) || '" is not ios, android or web'
      WHEN p9_route IS NOT NULL AND p9_route NOT IN ('IDVM', 'PYI', 'POL') THEN 'p9_route|"' || left(p9_route, 40) || '" is not IDVM, PYI or POL'
      WHEN event_type = 'record_viewed' AND record_type IS NULL THEN 'record_type|is required on record_viewed events'
      WHEN record_type IS NOT NULL AND record_type NOT IN ('summary', 'detailed_coded') THEN 'record_type|"' || left(record_type, 40) || '" is not summary or detailed_coded'
      WHEN record_type IS NOT NULL AND event_type <> 'record_viewed' THEN 'record_type|is only allowed on record_viewed events'
      WHEN event_type = 'jump_off' AND provider IS NULL THEN 'provider|is required on jump_off events'
      WHEN event_type = 'jump_off' AND service IS NULL THEN 'service|is required on jump_off events'
      WHEN length(provider) > 200 OR length(service) > 200 THEN 'provider|is longer than 200 characters'
      ELSE NULL
    END AS problem
  FROM typed
)
SELECT
  line_no,
  event_id,
  event_time,
  -- The Europe/London date. London is UTC or UTC+1, so only instants from 23:00 UTC can fall on the next
  -- London day: every other instant takes its UTC date by integer arithmetic, and only those (and any before
  -- 1972, when British Standard Time applied all year) go through the time-zone database.
  CASE
    WHEN epoch_us(event_time) >= 63072000000000 AND epoch_us(event_time) % 86400000000 < 82800000000
      THEN DATE '1970-01-01' + CAST(epoch_us(event_time) // 86400000000 AS INTEGER)
    ELSE CAST(timezone('Europe/London', event_time) AS DATE)
  END AS event_date,
  event_type,
  session_id,
  user_id,
  practice_code,
  identity_level,
  channel,
  p9_route,
  record_type,
  provider,
  service,
  split_part(problem, '|', 1) AS reject_field,
  nullif(substr(problem, strpos(problem, '|') + 1), '') AS reject_reason
FROM checked
`;

/**
 * The users of the staged rows with their integer keys (ADR 0027, 0034): a known user keeps its key, and
 * users not seen before take the next keys after the largest given, in id order. One pass over user_dim
 * (the load's distinct ids are the hashed side); only the new ids are sorted.
 */
export const createLoadUsers = query('ingest.createLoadUsers')`
CREATE OR REPLACE TEMP TABLE load_user AS
WITH users AS (
  SELECT u.user_id, d.user_key
  FROM (SELECT DISTINCT user_id FROM staged_event) u
  LEFT JOIN user_dim d ON d.user_id = u.user_id
)
SELECT user_id, user_key, false AS is_new FROM users WHERE user_key IS NOT NULL
UNION ALL
SELECT user_id,
       CAST((SELECT coalesce(max(user_key), 0) FROM user_dim) + row_number() OVER (ORDER BY user_id) AS INTEGER),
       true
FROM users
WHERE user_key IS NULL
`;

/**
 * Event ids that occur more than once among the file's valid rows (staged_event), with the row to keep: the
 * first in the file (rows are staged in file order, so the smallest rowid). Rows are first grouped by a 64-bit
 * hash of the id (cheap); only ids whose hash repeats are compared exactly.
 */
export const createRepeatedEvents = query('ingest.createRepeatedEvents')`
CREATE OR REPLACE TEMP TABLE repeated_event AS
WITH repeated_hash AS (
  SELECT hash(event_id) AS h FROM staged_event GROUP BY h HAVING count(*) > 1
)
SELECT event_id, min(rowid) AS keep
FROM staged_event
WHERE hash(event_id) IN (SELECT h FROM repeated_hash)
GROUP BY event_id
HAVING count(*) > 1
`;

/**
 * Removes staged rows whose event id an earlier load already holds: loading the same events again counts
 * them once. The staged ids are hashed (the smaller side), the stored ones probed.
 */
export const deleteKnownEvents = query('ingest.deleteKnownEvents')`
DELETE FROM staged_event
WHERE event_id IN (
  SELECT event_id FROM activity_event
  WHERE event_id IN (SELECT event_id FROM staged_event)
)
`;

/**
 * Removes the later occurrences of an event id repeated within the file: the first occurrence wins.
 */
export const deleteRepeatedEvents = query('ingest.deleteRepeatedEvents')`
DELETE FROM staged_event
WHERE event_id IN (SELECT event_id FROM repeated_event)
  AND rowid NOT IN (SELECT keep FROM repeated_event)
`;

export const insertEventLoad = query('ingest.insertEventLoad')`
INSERT INTO event_load (load_id, source_file, sha256, format, rows_read, rows_loaded, rows_duplicate,
  rows_rejected, unknown_practice_rows, first_event_date, last_event_date, is_demo, loaded_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, now()::TIMESTAMP)
`;

/**
 * Writes the staged rows (valid, first occurrences, not loaded before) to activity_event once, each with its
 * user's key (ADR 0034: no UPDATE afterwards), looked up by a scalar subquery over load_user (one row per id,
 * so the lookup cannot multiply rows). $1 load id.
 */
export const insertEvents = query('ingest.insertEvents')`
INSERT INTO activity_event
SELECT s.event_id, s.event_time, s.event_date, s.event_type, s.session_id, s.user_id, s.practice_code,
       s.identity_level, s.channel, s.p9_route, s.record_type, s.provider, s.service, $1,
       (SELECT u.user_key FROM load_user u WHERE u.user_id = s.user_id)
FROM staged_event s
`;

/**
 * Records the rejected rows of the file being loaded, with their line numbers. $1 load id, $2 file name as given.
 */
export const insertRejects = query('ingest.insertRejects')`
INSERT INTO event_reject (load_id, source_file, line, field, reason, rejected_at)
SELECT $1, $2, line_no, reject_field, reject_reason, now()::TIMESTAMP
FROM checked_event
WHERE reject_reason IS NOT NULL
ORDER BY line_no
`;

/**
 * Records the keys given to users first seen in this load (load_user). In the load's transaction: a refused
 * or interrupted load leaves no key behind.
 */
export const insertUserKeys = query('ingest.insertUserKeys')`
INSERT INTO user_dim
SELECT user_key, user_id FROM load_user WHERE is_new
`;

/**
 * Summary of the events a load adds (the staged rows, which are written as they are): how many, how many
 * with no or an unknown practice code (counted under Unknown), and their London date range.
 */
export const loadStats = query('ingest.loadStats')`
SELECT
  count(*) AS rows_loaded,
  count(*) FILTER (WHERE practice_code IS NULL
    OR practice_code NOT IN (SELECT practice_code FROM practice_map)) AS unknown_practice_rows,
  min(event_date) AS first_event_date,
  max(event_date) AS last_event_date
FROM staged_event
`;

/**
 * The first rejected rows of a load, for the report. $1 load id, $2 limit.
 */
export const rejectSample = query('ingest.rejectSample')`
SELECT line, field, reason
FROM event_reject
WHERE load_id = $1
ORDER BY line
LIMIT $2
`;

/**
 * Stages the file's valid rows, in file order, in a temporary table (ADR 0034): repeated and already-known
 * event ids are removed there, user keys assigned, and the rows written to activity_event once, key and all.
 * Reading checked_event validates the file once; the rows are kept with their types (ENUM columns are cast
 * when inserted).
 */
export const stageValidEvents = query('ingest.stageValidEvents')`
CREATE OR REPLACE TEMP TABLE staged_event AS
SELECT event_id, event_time, event_date, event_type, session_id, user_id, practice_code,
       identity_level, channel, p9_route, record_type, provider, service
FROM checked_event
WHERE reject_reason IS NULL
`;
