-- Unique users in the 12 months ending with each month, at the practice of their most recent qualifying
-- event in those months. A user's last event in month m is their most recent one for every month from m
-- until the month before their next active month (at most 11 months on); months after the last month
-- with data are not produced. Only target months from $1 to $2 are kept (an incremental build reads the
-- events of the 11 months before $1 as well, through build_event_12m).
INSERT INTO unique_practice_count
WITH qualifying AS (
  SELECT s.metric_id, e.user_id, e.event_time, e.event_id, e.event_date, e.practice_code
  FROM build_event_12m e
  JOIN metric_selector s
    ON s.kind = 'unique_12m'
   AND e.event_type = s.event_type
   AND (s.identity_level IS NULL OR e.identity_level = s.identity_level)
   AND (s.record_type IS NULL OR e.record_type = s.record_type)
   AND (s.channel IS NULL OR e.channel = s.channel)
   AND (s.provider IS NULL OR e.provider = s.provider)
   AND (s.service IS NULL OR e.service = s.service)
),
user_month AS (
  SELECT metric_id, user_id, CAST(date_trunc('month', event_date) AS DATE) AS m,
         arg_max(struct_pack(practice_code := practice_code, event_date := event_date),
                 struct_pack(t := event_time, id := event_id)) AS last_event
  FROM qualifying
  GROUP BY ALL
),
spans AS (
  SELECT metric_id, last_event, m,
         least(coalesce(CAST(lead(m) OVER (PARTITION BY metric_id, user_id ORDER BY m) - INTERVAL 1 MONTH AS DATE),
                        CAST(m + INTERVAL 11 MONTH AS DATE)),
               CAST(m + INTERVAL 11 MONTH AS DATE),
               (SELECT CAST(date_trunc('month', max(event_date)) AS DATE) FROM activity_event)) AS last_target
  FROM user_month
),
expanded AS (
  SELECT metric_id, last_event, CAST(unnest(generate_series(m, last_target, INTERVAL 1 MONTH)) AS DATE) AS period_start
  FROM spans
)
SELECT x.metric_id, 'month' AS grain, x.period_start, x.last_event.event_date AS attr_date,
       coalesce(p.area_code, 'UNKNOWN') AS practice_code, count(*) AS n
FROM expanded x
LEFT JOIN area p ON p.area_level = 'practice' AND p.area_code = x.last_event.practice_code
WHERE x.period_start BETWEEN $1 AND $2
GROUP BY ALL
