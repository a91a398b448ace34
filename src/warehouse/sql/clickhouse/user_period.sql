-- Each user's last qualifying event in each period, once per unique-user selector (as the DuckDB build's
-- create_user_period.sql): latest event_time, event_id breaking ties (argMax of a tuple). Weeks only for
-- selectors of per-period metrics, months for all. Only periods lying wholly within {lo}..{hi}. Unrecognised
-- practices count as Unknown ({unknown} = its key). Runs on one shard: its users are nobody else's.
INSERT INTO user_period
WITH sel AS (
  SELECT sig_key, event_type, identity_level, record_type, channel, provider, service, p9_route,
         max(kind = 'unique') AS weekly
  FROM metric_selector
  WHERE kind IN ('unique', 'unique_12m')
  GROUP BY sig_key, event_type, identity_level, record_type, channel, provider, service, p9_route
),
qualifying AS (
  SELECT s.sig_key AS sig_key, s.weekly AS weekly, e.user_id AS user_id, e.event_time AS event_time,
         e.event_id AS event_id, e.event_date AS event_date,
         if(p.practice_key IS NULL, {unknown:Int32}, assumeNotNull(p.practice_key)) AS practice_key
  FROM event e
  INNER JOIN sel s ON e.event_type = s.event_type
  LEFT JOIN build_practice p ON p.practice_code = e.practice_code
  WHERE e.event_date BETWEEN {lo:Date} AND {hi:Date}
    AND (s.identity_level IS NULL OR e.identity_level = s.identity_level)
    AND (s.record_type IS NULL OR e.record_type = s.record_type)
    AND (s.channel IS NULL OR e.channel = s.channel)
    AND (s.provider IS NULL OR e.provider = s.provider)
    AND (s.service IS NULL OR e.service = s.service)
    AND (s.p9_route IS NULL OR e.p9_route = s.p9_route)
)
SELECT sig_key, grain, period_start, user_id,
       last.1 AS practice_key, last.2 AS attr_date
FROM (
  SELECT sig_key, grain, if(grain = 0, toMonday(event_date), toStartOfMonth(event_date)) AS period_start, user_id,
         argMax(tuple(practice_key, event_date), tuple(event_time, event_id)) AS last
  FROM qualifying
  ARRAY JOIN [toUInt8(0), toUInt8(1)] AS grain
  WHERE grain = 1 OR weekly
  GROUP BY sig_key, grain, period_start, user_id
)
WHERE period_start >= {lo:Date}
  AND if(grain = 0, period_start + 6, toLastDayOfMonth(period_start)) <= {hi:Date}
SETTINGS join_use_nulls = 1
