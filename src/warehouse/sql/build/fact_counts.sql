-- Event counts per metric, period and practice, for weeks and months lying wholly within $1..$2 (build_event
-- may hold part of the others): first per metric, London day and practice (small integer keys), then per
-- week and month. Unrecognised practices count as Unknown ($3 = its key).
INSERT INTO build_fact
WITH by_day AS (
  SELECT s.metric_key, e.event_date, coalesce(p.practice_key, $3) AS practice_key, count(*) AS n
  FROM build_event e
  JOIN metric_selector s
    ON s.kind = 'count'
   AND e.event_type = s.event_type
   AND (s.identity_level IS NULL OR e.identity_level = s.identity_level)
   AND (s.record_type IS NULL OR e.record_type = s.record_type)
   AND (s.channel IS NULL OR e.channel = s.channel)
   AND (s.provider IS NULL OR e.provider = s.provider)
   AND (s.service IS NULL OR e.service = s.service)
   AND (s.p9_route IS NULL OR e.p9_route = s.p9_route)
  LEFT JOIN build_practice p ON p.practice_code = e.practice_code
  GROUP BY ALL
)
SELECT d.metric_key, 0, g.grain, x.period_start, d.practice_key, r.release, sum(d.n)
FROM by_day d
CROSS JOIN (VALUES (0::UTINYINT), (1::UTINYINT)) g(grain)
CROSS JOIN LATERAL (
  SELECT CAST(CASE g.grain WHEN 0 THEN date_trunc('week', d.event_date) ELSE date_trunc('month', d.event_date) END AS DATE) AS period_start
) x
JOIN date_release r ON r.attr_date = d.event_date
WHERE x.period_start >= $1
  AND CASE g.grain WHEN 0 THEN x.period_start + 6 ELSE last_day(x.period_start) END <= $2
GROUP BY ALL
