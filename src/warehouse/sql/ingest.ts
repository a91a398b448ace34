/**
 * Loading raw App activity events: checks, rejects and the compact event store (src/ingest/events.ts).
 *
 * One exported query object per statement (ADR 0039): import it, pass it to the database (`db.all(q, params)`);
 * positional parameters $1, $2 … only, never values written into the text.
 */
import { query } from '../query.ts';

/**
 * Types every row of the file being loaded (the body of the temp view typed_event; input: temp view raw_event
 * with line_no, event_time_ts when the file holds typed instants, event_time_text when it holds text, and the
 * other canonical columns as text). Ids are trimmed only when they begin or end with a space or hold a
 * non-ASCII character (trim removes Unicode spaces too): trimming every id copied every string, a second per
 * column per 10 M events (ADR 0044). Low-cardinality columns are trimmed and cased as they are: Parquet's
 * dictionary pages make that one call per distinct value.
 */
export const typedEvents = query('ingest.typedEvents')`
SELECT
  line_no,
  nullif(CASE WHEN event_id LIKE ' %' OR event_id LIKE '% ' OR strlen(event_id) <> length(event_id)
              THEN trim(event_id) ELSE event_id END, '') AS event_id,
  event_time_ts,
  event_time_text,
  coalesce(
    event_time_ts,
    CASE WHEN regexp_full_match(trim(event_time_text),
           '\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|z|[+-]\\d{2}(:?\\d{2})?)')
         THEN TRY_CAST(trim(event_time_text) AS TIMESTAMPTZ) END
  ) AS event_time,
  lower(nullif(trim(event_type), '')) AS event_type,
  nullif(CASE WHEN session_id LIKE ' %' OR session_id LIKE '% ' OR strlen(session_id) <> length(session_id)
              THEN trim(session_id) ELSE session_id END, '') AS session_id,
  nullif(CASE WHEN user_id LIKE ' %' OR user_id LIKE '% ' OR strlen(user_id) <> length(user_id)
              THEN trim(user_id) ELSE user_id END, '') AS user_id,
  upper(nullif(trim(practice_code), '')) AS practice_code,
  upper(nullif(trim(identity_level), '')) AS identity_level,
  lower(nullif(trim(channel), '')) AS channel,
  upper(nullif(trim(p9_route), '')) AS p9_route,
  lower(nullif(trim(record_type), '')) AS record_type,
  nullif(trim(provider), '') AS provider,
  nullif(trim(service), '') AS service
FROM raw_event
`;

/**
 * The users of the file (typed_event), each with the first user-id rule it breaks (user_problem) and, when it
 * breaks none, its integer key (ADR 0027): a known user keeps its key, users not seen before take the next
 * keys after the largest given, in id order (is_new). The user-id rules are checked once per user here rather
 * than once per event (a tenth of the work at ten events a user, ADR 0044); checked_event joins them back.
 * One pass over user_dim (the file's distinct ids are the hashed side); only the new ids are sorted.
 */
export const createLoadUsers = query('ingest.createLoadUsers')`
CREATE OR REPLACE TEMP TABLE load_user AS
WITH users AS (
  SELECT u.user_id, d.user_key,
    CASE
      WHEN length(u.user_id) > 128 THEN 'user_id|is longer than 128 characters'
      WHEN regexp_matches(u.user_id, '[[:cntrl:]]') THEN 'user_id|contains a control character (such as NUL)'
      WHEN contains(u.user_id, '@') OR (length(u.user_id) >= 10 AND regexp_full_match(replace(replace(u.user_id, ' ', ''), '-', ''), '\\d{10}'))
        THEN 'user_id|looks like personal data (an email address or NHS number): user ids must be pseudonymised before loading'
    END AS user_problem
  FROM (SELECT DISTINCT user_id FROM typed_event WHERE user_id IS NOT NULL) u
  LEFT JOIN user_dim d ON d.user_id = u.user_id
)
SELECT user_id, user_key, user_problem, false AS is_new FROM users WHERE user_key IS NOT NULL
UNION ALL
SELECT user_id, NULL, user_problem, false FROM users WHERE user_key IS NULL AND user_problem IS NOT NULL
UNION ALL
SELECT user_id,
       CAST((SELECT coalesce(max(user_key), 0) FROM user_dim)
            + row_number() OVER (ORDER BY user_id) AS INTEGER),
       NULL, true
FROM users
WHERE user_key IS NULL AND user_problem IS NULL
`;

/**
 * Every row of the file being loaded, typed (typed_event), with the first rule it breaks as (field, reason)
 * and its user's key (load_user). $1 = list of event types; $2, $3 = the first and the exclusive last instant
 * of the plausible span (London days EARLIEST_EVENT_DATE to latestEventDate), $4, $5 those days for the
 * message. Used as the body of the temp view checked_event, read once for the valid rows and, only when some
 * rows are rejected, once more for the rejects. The value of user_id is never echoed in a reason: it is
 * pseudonymous but still per-person.
 */
export const checkedEvents = query('ingest.checkedEvents')`
WITH checked AS (
  SELECT
    t.*,
    u.user_key,
    CASE
      WHEN t.event_id IS NULL THEN 'event_id|is required'
      WHEN length(t.event_id) > 128 THEN 'event_id|is longer than 128 characters'
      -- Ids differing only by a NUL or another control character once counted as two events (issue 16.6).
      -- JSON quoting escapes every character below U+0020 (and " and \\), so an id whose quoted form is two
      -- characters longer and which holds no DEL has none: the regular expression, three times the cost, runs
      -- only on the others (1.3 s of a 20 M event load, issue 15.1). The CASE tests the AND in order.
      WHEN (strlen(CAST(json_quote(t.event_id) AS VARCHAR)) <> strlen(t.event_id) + 2 OR contains(t.event_id, chr(127)))
        AND regexp_matches(t.event_id, '[[:cntrl:]]') THEN 'event_id|contains a control character (such as NUL)'
      WHEN t.event_time_ts IS NULL AND (t.event_time_text IS NULL OR trim(t.event_time_text) = '') THEN 'event_time|is required'
      WHEN t.event_time IS NULL THEN 'event_time|"' || left(t.event_time_text, 40) || '" is not an ISO 8601 instant with a time zone (e.g. 2026-03-29T01:30:00Z)'
      WHEN t.event_time < $2::TIMESTAMPTZ OR t.event_time >= $3::TIMESTAMPTZ
        THEN 'event_time|"' || coalesce(left(trim(t.event_time_text), 40), CAST(t.event_time AS VARCHAR)) || '" is outside the accepted range ' || $4 || ' to ' || $5 || ' (London dates: before the NHS App existed, or in the future)'
      WHEN t.event_type IS NULL THEN 'event_type|is required'
      WHEN NOT list_contains($1, t.event_type) THEN 'event_type|"' || left(t.event_type, 40) || '" is not a known event type'
      WHEN t.user_id IS NULL THEN 'user_id|is required'
      WHEN u.user_problem IS NOT NULL THEN u.user_problem
      WHEN t.session_id IS NULL AND t.event_type = 'login' THEN 'session_id|is required on login events'
      WHEN length(t.session_id) > 128 THEN 'session_id|is longer than 128 characters'
      WHEN (strlen(CAST(json_quote(t.session_id) AS VARCHAR)) <> strlen(t.session_id) + 2 OR contains(t.session_id, chr(127)))
        AND regexp_matches(t.session_id, '[[:cntrl:]]') THEN 'session_id|contains a control character (such as NUL)'
      WHEN t.practice_code IS NOT NULL AND NOT regexp_full_match(t.practice_code, '[A-Z0-9]{3,10}')
        THEN 'practice_code|"' || left(t.practice_code, 40) || '" is not an ODS code'
      WHEN t.identity_level IS NULL THEN 'identity_level|is required'
      WHEN t.identity_level NOT IN ('P0', 'P5', 'P9') THEN 'identity_level|"' || left(t.identity_level, 40) || '" is not P0, P5 or P9'
      WHEN t.event_type = 'registration' AND t.identity_level NOT IN ('P5', 'P9') THEN 'identity_level|a registration must be P5 or P9'
      WHEN t.event_type = 'identity_uplift' AND t.identity_level <> 'P9' THEN 'identity_level|an identity uplift must be to P9'
      WHEN t.channel IS NULL THEN 'channel|is required'
      WHEN t.channel NOT IN ('ios', 'android', 'web') THEN 'channel|"' || left(t.channel, 40) || '" is not ios, android or web'
      WHEN t.p9_route IS NOT NULL AND t.p9_route NOT IN ('IDVM', 'PYI', 'POL') THEN 'p9_route|"' || left(t.p9_route, 40) || '" is not IDVM, PYI or POL'
      WHEN t.event_type = 'record_viewed' AND t.record_type IS NULL THEN 'record_type|is required on record_viewed events'
      WHEN t.record_type IS NOT NULL AND t.record_type NOT IN ('summary', 'detailed_coded') THEN 'record_type|"' || left(t.record_type, 40) || '" is not summary or detailed_coded'
      WHEN t.record_type IS NOT NULL AND t.event_type <> 'record_viewed' THEN 'record_type|is only allowed on record_viewed events'
      WHEN t.event_type = 'jump_off' AND t.provider IS NULL THEN 'provider|is required on jump_off events'
      WHEN t.event_type = 'jump_off' AND t.service IS NULL THEN 'service|is required on jump_off events'
      WHEN length(t.provider) > 200 OR length(t.service) > 200 THEN 'provider|is longer than 200 characters'
      ELSE NULL
    END AS problem
  FROM typed_event t
  LEFT JOIN load_user u ON u.user_id = t.user_id
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
  user_key,
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
 * Event ids that occur more than once among the rows this load wrote ($1 its load id), with the row to keep:
 * the first in the file (rows are written in file order, so the smallest rowid). Rows are first compared by a
 * 64-bit hash of the id (cheap); only ids whose hash repeats are compared exactly.
 */
export const createRepeatedEvents = query('ingest.createRepeatedEvents')`
CREATE OR REPLACE TEMP TABLE repeated_event AS
WITH hashed AS (
  SELECT hash(event_id) AS h FROM activity_event WHERE load_id = $1
),
-- Equal hashes found by sorting (half the time of grouping 20 M distinct hashes, measured: ADR 0044).
repeated_hash AS (
  SELECT DISTINCT h FROM (SELECT h, lag(h) OVER (ORDER BY h) AS before FROM hashed) WHERE h = before
)
SELECT event_id, min(rowid) AS keep
FROM activity_event
WHERE load_id = $1 AND hash(event_id) IN (SELECT h FROM repeated_hash)
GROUP BY event_id
HAVING count(*) > 1
`;

/**
 * The event ids of this load ($1 its load id), for deleteKnownEvents: a table of its own, so that the planner
 * knows it is small. From committed rows, the load id's statistics put half the table in a load of two (10 M
 * rows for the 190,000 of a week after 20 M events), and the join then hashed the stored ids instead of the
 * load's: 1.1 s against 0.2 (ADR 0054).
 */
export const createLoadEventIds = query('ingest.createLoadEventIds')`
CREATE OR REPLACE TEMP TABLE load_event_id AS SELECT event_id FROM activity_event WHERE load_id = $1
`;

/**
 * Removes the rows of this load ($1) whose event id an earlier load already holds: loading the same events
 * again counts them once. The load's ids (load_event_id) are hashed, the stored ones probed.
 */
export const deleteKnownEvents = query('ingest.deleteKnownEvents')`
DELETE FROM activity_event
WHERE load_id = $1 AND event_id IN (
  SELECT event_id FROM activity_event
  WHERE load_id <> $1 AND event_id IN (SELECT event_id FROM load_event_id)
)
`;

/**
 * Removes the later occurrences of an event id repeated within this load's file ($1 its load id): the first
 * occurrence wins.
 */
export const deleteRepeatedEvents = query('ingest.deleteRepeatedEvents')`
DELETE FROM activity_event
WHERE load_id = $1
  AND event_id IN (SELECT event_id FROM repeated_event)
  AND rowid NOT IN (SELECT keep FROM repeated_event)
`;

export const insertEventLoad = query('ingest.insertEventLoad')`
INSERT INTO event_load (load_id, source_file, sha256, format, rows_read, rows_loaded, rows_duplicate,
  rows_rejected, unknown_practice_rows, first_event_date, last_event_date, is_demo, loaded_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, now()::TIMESTAMP)
`;

/**
 * Writes the file's valid rows to activity_event in file order, each with its user's key (ADR 0027; the
 * user's id itself is held once, in user_dim: ADR 0050), straight
 * from the checked file: no staged copy (ADR 0044). Repeated and already-loaded event ids are then deleted
 * from this load's rows (deleteRepeatedEvents, deleteKnownEvents), all in the load's transaction. $1 load id.
 */
export const insertEvents = query('ingest.insertEvents')`
INSERT INTO activity_event
SELECT event_id, event_time, event_date, event_type, session_id, practice_code,
       identity_level, channel, p9_route, record_type, provider, service, $1, user_key
FROM checked_event
WHERE reject_reason IS NULL
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
 * Records the keys given to users first seen in this load (load_user) who have events in it ($1 its load id):
 * a user whose every row was rejected or repeated gets none. In the load's transaction: a refused or
 * interrupted load leaves no key behind.
 */
export const insertUserKeys = query('ingest.insertUserKeys')`
INSERT INTO user_dim
SELECT user_key, user_id FROM load_user
WHERE is_new AND user_key IN (SELECT DISTINCT user_key FROM activity_event WHERE load_id = $1)
`;

/**
 * Records the keys of every user first seen in this load: when no row of the load was rejected or removed as
 * a repeat, each of them has events in it, and the scan of insertUserKeys is not needed (0.26 s at 20 M).
 */
export const insertAllUserKeys = query('ingest.insertAllUserKeys')`
INSERT INTO user_dim
SELECT user_key, user_id FROM load_user WHERE is_new
`;

/**
 * Summary of the events a load added ($1 its load id; after repeated and known ids were removed): how many,
 * how many with no or an unknown practice code (counted under Unknown), and their London date range.
 */
export const loadStats = query('ingest.loadStats')`
SELECT
  coalesce(sum(n), 0) AS rows_loaded,
  coalesce(sum(n) FILTER (WHERE practice_code IS NULL
    OR practice_code NOT IN (SELECT practice_code FROM practice_map)), 0) AS unknown_practice_rows,
  min(first_date) AS first_event_date,
  max(last_date) AS last_event_date
-- Per practice code first, so each code is looked up once rather than once per event.
FROM (
  SELECT practice_code, count(*) AS n, min(event_date) AS first_date, max(event_date) AS last_date
  FROM activity_event
  WHERE load_id = $1
  GROUP BY practice_code
)
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
