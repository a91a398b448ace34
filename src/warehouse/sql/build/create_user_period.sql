-- Each user's last qualifying event in each period, once per unique-user selector (metrics with the same
-- selector share it): latest event_time, event_id breaking ties, as in the NHS App MI publication. Weeks only
-- for selectors of per-period metrics; months for all (rolling 12-month users are built from them). Only
-- periods lying wholly within $1..$2 (build_event may hold part of the others). Unrecognised practices count
-- as Unknown ($3 = its key). Users are grouped on their integer key, and only
-- partition $5 of $4 by the key's hash is computed (ADR 0027): every user's events lie in one partition.
CREATE OR REPLACE TEMP TABLE build_user_period AS
WITH sel AS (
  SELECT sig_key, event_type, identity_level, record_type, channel, provider, service, p9_route,
         bool_or(kind = 'unique') AS weekly
  FROM metric_selector
  WHERE kind IN ('unique', 'unique_12m')
  GROUP BY ALL
),
qualifying AS (
  SELECT s.sig_key, s.weekly, e.user_key, e.event_time, e.event_id, e.event_date,
         coalesce(p.practice_key, $3) AS practice_key
  FROM build_event e
  JOIN sel s
    ON e.event_type = s.event_type
   AND (s.identity_level IS NULL OR e.identity_level = s.identity_level)
   AND (s.record_type IS NULL OR e.record_type = s.record_type)
   AND (s.channel IS NULL OR e.channel = s.channel)
   AND (s.provider IS NULL OR e.provider = s.provider)
   AND (s.service IS NULL OR e.service = s.service)
   AND (s.p9_route IS NULL OR e.p9_route = s.p9_route)
  LEFT JOIN build_practice p ON p.practice_code = e.practice_code
)
SELECT q.sig_key, g.grain, x.period_start, q.user_key,
       arg_max(struct_pack(practice_key := q.practice_key, event_date := q.event_date),
               struct_pack(t := q.event_time, id := q.event_id)) AS last_event
FROM qualifying q
CROSS JOIN (VALUES (0::UTINYINT), (1::UTINYINT)) g(grain)
CROSS JOIN LATERAL (
  SELECT CAST(CASE g.grain WHEN 0 THEN date_trunc('week', q.event_date) ELSE date_trunc('month', q.event_date) END AS DATE) AS period_start
) x
WHERE (g.grain = 1 OR q.weekly)
  AND hash(q.user_key) % CAST($4 AS UBIGINT) = CAST($5 AS UBIGINT)
  AND x.period_start >= $1
  AND CASE g.grain WHEN 0 THEN x.period_start + 6 ELSE last_day(x.period_start) END <= $2
GROUP BY q.sig_key, g.grain, x.period_start, q.user_key
