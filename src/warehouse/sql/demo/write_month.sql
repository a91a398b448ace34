-- The canonical events of one London calendar month (the caller wraps it in COPY … TO a Parquet file).
-- Ids: user id = the user's 64-bit key in hex; session id = user id + '-' + login number ('-r' for the
-- registration session, '-u' for the uplift session); event id = session id + '-' + number in the session.
-- $1 month index (year * 12 + month - 1); $2 channel names (JSON, 3 strings: ios, android, web).
WITH logins AS (
  SELECT l.*, printf('%016x', l.k) AS user_id, p.practice_code
  FROM demo_login l
  LEFT JOIN demo_practice p ON p.practice = l.practice
  WHERE l.month_idx = $1
),
features AS (
  SELECT f.*, printf('%016x', f.k) AS user_id, p.practice_code, t.event_type, t.record_type, t.provider, t.service
  FROM demo_feature f
  JOIN demo_feature_type t ON t.type_id = f.type_id
  LEFT JOIN demo_practice p ON p.practice = f.practice
  WHERE f.month_idx = $1
),
users AS (
  SELECT u.*, r.practice_code AS reg_practice_code, up.practice_code AS uplift_practice_code
  FROM demo_user u
  LEFT JOIN demo_practice r ON r.practice = u.reg_practice
  LEFT JOIN demo_practice up ON up.practice = u.uplift_practice
  WHERE u.reg_month = $1 OR u.uplift_month = $1
)
SELECT
  user_id || '-' || j || '-0' AS event_id,
  event_time,
  'login' AS event_type,
  user_id || '-' || j AS session_id,
  user_id,
  practice_code,
  CASE WHEN p9 THEN 'P9' ELSE 'P5' END AS identity_level,
  from_json($2, '["VARCHAR"]')[channel + 1] AS channel,
  NULL::VARCHAR AS p9_route,
  NULL::VARCHAR AS record_type,
  NULL::VARCHAR AS provider,
  NULL::VARCHAR AS service
FROM logins
UNION ALL
SELECT
  user_id || '-' || j || '-' || (f + 1),
  event_time,
  event_type,
  user_id || '-' || j,
  user_id,
  practice_code,
  CASE WHEN p9 THEN 'P9' ELSE 'P5' END,
  from_json($2, '["VARCHAR"]')[channel + 1],
  NULL,
  record_type,
  provider,
  service
FROM features
UNION ALL
-- Registrations in the window, in their own session.
SELECT
  user_id || '-r-0',
  reg_time,
  'registration',
  user_id || '-r',
  user_id,
  reg_practice_code,
  CASE WHEN starts_p9 THEN 'P9' ELSE 'P5' END,
  from_json($2, '["VARCHAR"]')[channel + 1],
  CASE WHEN starts_p9 THEN reg_route END,
  NULL,
  NULL,
  NULL
FROM users
WHERE reg_month = $1
UNION ALL
-- P5 users proving their identity to P9, in their own session.
SELECT
  user_id || '-u-0',
  uplift_time,
  'identity_uplift',
  user_id || '-u',
  user_id,
  uplift_practice_code,
  'P9',
  from_json($2, '["VARCHAR"]')[channel + 1],
  uplift_route,
  NULL,
  NULL,
  NULL
FROM users
WHERE uplift_month = $1
