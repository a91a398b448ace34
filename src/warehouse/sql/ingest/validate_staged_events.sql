-- Validates every staged event row and types it. One reason per row: the first rule it breaks.
-- Input: temp view raw_event (line_no + the canonical columns); $1 = list of event types.
-- The value of user_id is never echoed in a reason: it is pseudonymous but still per-person.
WITH typed AS (
  SELECT
    line_no,
    nullif(trim(CAST(event_id AS VARCHAR)), '') AS event_id,
    CAST(event_time AS VARCHAR) AS event_time_text,
    CASE
      WHEN typeof(event_time) IN ('TIMESTAMP WITH TIME ZONE', 'TIMESTAMP', 'TIMESTAMP_NS', 'TIMESTAMP_MS', 'TIMESTAMP_S')
        THEN TRY_CAST(event_time AS TIMESTAMPTZ)
      WHEN regexp_full_match(trim(CAST(event_time AS VARCHAR)),
             '\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|z|[+-]\d{2}(:?\d{2})?)')
        THEN TRY_CAST(trim(CAST(event_time AS VARCHAR)) AS TIMESTAMPTZ)
      ELSE NULL
    END AS event_time,
    lower(nullif(trim(CAST(event_type AS VARCHAR)), '')) AS event_type,
    nullif(trim(CAST(session_id AS VARCHAR)), '') AS session_id,
    nullif(trim(CAST(user_id AS VARCHAR)), '') AS user_id,
    upper(nullif(trim(CAST(practice_code AS VARCHAR)), '')) AS practice_code,
    upper(nullif(trim(CAST(identity_level AS VARCHAR)), '')) AS identity_level,
    lower(nullif(trim(CAST(channel AS VARCHAR)), '')) AS channel,
    upper(nullif(trim(CAST(p9_route AS VARCHAR)), '')) AS p9_route,
    lower(nullif(trim(CAST(record_type AS VARCHAR)), '')) AS record_type,
    nullif(trim(CAST(provider AS VARCHAR)), '') AS provider,
    nullif(trim(CAST(service AS VARCHAR)), '') AS service
  FROM raw_event
),
checked AS (
  SELECT
    *,
    CASE
      WHEN event_id IS NULL THEN 'event_id|is required'
      WHEN length(event_id) > 128 THEN 'event_id|is longer than 128 characters'
      WHEN event_time_text IS NULL OR trim(event_time_text) = '' THEN 'event_time|is required'
      WHEN event_time IS NULL THEN 'event_time|"' || left(event_time_text, 40) || '" is not an ISO 8601 instant with a time zone (e.g. 2026-03-29T01:30:00Z)'
      WHEN event_type IS NULL THEN 'event_type|is required'
      WHEN NOT list_contains($1, event_type) THEN 'event_type|"' || left(event_type, 40) || '" is not a known event type'
      WHEN user_id IS NULL THEN 'user_id|is required'
      WHEN length(user_id) > 128 THEN 'user_id|is longer than 128 characters'
      WHEN contains(user_id, '@') OR regexp_full_match(replace(replace(user_id, ' ', ''), '-', ''), '\d{10}')
        THEN 'user_id|looks like personal data (an email address or NHS number): user ids must be pseudonymised before loading'
      WHEN session_id IS NULL AND event_type = 'login' THEN 'session_id|is required on login events'
      WHEN length(session_id) > 128 THEN 'session_id|is longer than 128 characters'
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
  CAST(timezone('Europe/London', event_time) AS DATE) AS event_date,
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
