-- Registrations of the users who registered before the window, so that running totals and the share of
-- patients registered start from the App's whole history, not from the window. One event per such user,
-- dated between the App's launch (1 January 2019) and the window start, more of them later (density
-- rising as t^0.67, as uptake accelerated). $1 microseconds from launch to the window start; $2 channels (JSON).
SELECT
  u.user_id || '-r-0' AS event_id,
  TIMESTAMPTZ '2019-01-01 00:00:00+00'
    + to_microseconds(floor(pow((hash(xor(u.k, 14::UBIGINT)) >> 11)::DOUBLE / 9007199254740992.0, 0.6) * $1)::BIGINT)
    AS event_time,
  'registration' AS event_type,
  u.user_id || '-r' AS session_id,
  u.user_id,
  p.practice_code,
  CASE WHEN u.starts_p9 THEN 'P9' ELSE 'P5' END AS identity_level,
  from_json($2, '["VARCHAR"]')[u.channel + 1] AS channel,
  CASE WHEN u.starts_p9 THEN u.reg_route END AS p9_route,
  NULL::VARCHAR AS record_type,
  NULL::VARCHAR AS provider,
  NULL::VARCHAR AS service
FROM demo_user u
LEFT JOIN demo_practice p ON p.practice = u.home
WHERE u.reg_month IS NULL
