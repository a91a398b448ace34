-- Unique users per metric, week and month: each user once per period, at the practice of their last
-- qualifying event in that period (latest event_time; event_id breaks ties), as in the NHS App MI publication.
-- attr_date is that event's London date, which picks the structure in force for the as-recorded view.
-- Only periods lying wholly within $1..$2 are kept: build_event may hold just part of the others.
CREATE OR REPLACE TEMP TABLE unique_practice_count AS
WITH qualifying AS (
  SELECT s.metric_id, e.user_id, e.event_time, e.event_id, e.event_date, e.practice_code
  FROM build_event e
  JOIN metric_selector s
    ON s.kind = 'unique'
   AND e.event_type = s.event_type
   AND (s.identity_level IS NULL OR e.identity_level = s.identity_level)
   AND (s.record_type IS NULL OR e.record_type = s.record_type)
   AND (s.channel IS NULL OR e.channel = s.channel)
   AND (s.provider IS NULL OR e.provider = s.provider)
   AND (s.service IS NULL OR e.service = s.service)
),
per_user AS (
  SELECT q.metric_id, g.grain, CAST(date_trunc(g.grain, q.event_date) AS DATE) AS period_start, q.user_id,
         arg_max(struct_pack(practice_code := q.practice_code, event_date := q.event_date),
                 struct_pack(t := q.event_time, id := q.event_id)) AS last_event
  FROM qualifying q
  CROSS JOIN (VALUES ('week'), ('month')) g(grain)
  GROUP BY ALL
)
SELECT u.metric_id, u.grain, u.period_start, u.last_event.event_date AS attr_date,
       coalesce(p.area_code, 'UNKNOWN') AS practice_code, count(*) AS n
FROM per_user u
LEFT JOIN area p ON p.area_level = 'practice' AND p.area_code = u.last_event.practice_code
WHERE u.period_start >= $1
  AND CASE u.grain WHEN 'week' THEN u.period_start + 6 ELSE last_day(u.period_start) END <= $2
GROUP BY ALL
