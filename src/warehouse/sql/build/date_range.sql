-- The first and last dates any figure of a build can be attributed to (events, feeds, periods from $1 on):
-- the span of date_release, never outside the plausible span $2..$3 (a stray far-dated row stays out).
SELECT CAST(greatest(min(d), $2::DATE) AS VARCHAR) AS first, CAST(least(max(d), $3::DATE) AS VARCHAR) AS last FROM (
  SELECT min(event_date) AS d FROM activity_event
  UNION ALL SELECT max(event_date) FROM activity_event
  UNION ALL SELECT min(date) FROM feed_practice_daily
  UNION ALL SELECT max(date) FROM feed_practice_daily
  UNION ALL SELECT min(date) FROM feed_partner_daily
  UNION ALL SELECT max(date) FROM feed_partner_daily
  UNION ALL SELECT min(month) FROM feed_pomi
  UNION ALL SELECT max(month) FROM feed_pomi
  UNION ALL SELECT max(day) FROM data_day
  UNION ALL SELECT least(CAST(date_trunc('month', $1::DATE) AS DATE), CAST(date_trunc('week', $1::DATE) AS DATE))
)
