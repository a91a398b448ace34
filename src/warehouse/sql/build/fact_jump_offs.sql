-- Jump-off events per provider and service (the breakdown of metric $4), per period and practice, for weeks
-- and months lying wholly within $1..$2. Unrecognised practices count as Unknown ($3 = its key).
INSERT INTO build_fact
SELECT $4, j.dim_key, g.grain, x.period_start, coalesce(p.practice_key, $3), r.release, count(*)
FROM build_event e
JOIN jump_off_dim j ON j.provider = e.provider AND j.service = e.service
CROSS JOIN (VALUES (0::UTINYINT), (1::UTINYINT)) g(grain)
CROSS JOIN LATERAL (
  SELECT CAST(CASE g.grain WHEN 0 THEN date_trunc('week', e.event_date) ELSE date_trunc('month', e.event_date) END AS DATE) AS period_start
) x
LEFT JOIN build_practice p ON p.practice_code = e.practice_code
JOIN date_release r ON r.attr_date = e.event_date
WHERE e.event_type = 'jump_off'
  AND x.period_start >= $1
  AND CASE g.grain WHEN 0 THEN x.period_start + 6 ELSE last_day(x.period_start) END <= $2
GROUP BY ALL
