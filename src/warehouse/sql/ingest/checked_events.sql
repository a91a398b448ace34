-- Types every row of the file being loaded and gives the first rule it breaks as (field, reason).
-- Input: temp view raw_event (line_no, event_time_ts when the file holds typed instants, event_time_text when
-- it holds text, and the other canonical columns as text); $1 = list of event types; $2, $3 = the first and
-- the exclusive last instant of the plausible span (London days EARLIEST_EVENT_DATE to latestEventDate), $4, $5
-- those days for the message. Used as the body of
-- the temp view checked_event, read once for the valid rows and, only when some rows are rejected, once more
-- for the rejects. The value of user_id is never echoed in a reason: it is pseudonymous but still per-person.
WITH typed AS (
  SELECT
    line_no,
    nullif(trim(event_id), '') AS event_id,
    event_time_ts,
    event_time_text,
    coalesce(
      event_time_ts,
      CASE WHEN regexp_full_match(trim(event_time_text),
             '\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|z|[+-]\d{2}(:?\d{2})?)')
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
      WHEN contains(user_id, '@') OR (length(user_id) >= 10 AND regexp_full_match(replace(replace(user_id, ' ', ''), '-', ''), '\d{10}'))
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
