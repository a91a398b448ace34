-- Practice feed figures per period: the daily snapshot (one metric per column) and integrated-partner clicks
-- (also per provider and service, as the breakdown of metric $4 when it is given), for weeks and months lying
-- wholly within $1..$2. Unrecognised practice codes count as Unknown ($3 = its key).
INSERT INTO build_fact
WITH snapshot AS (
  UNPIVOT (SELECT * EXCLUDE (load_id) FROM feed_practice_daily WHERE date BETWEEN $1 AND $2)
  ON COLUMNS(* EXCLUDE (date, practice_code))
  INTO NAME snapshot_column VALUE n
),
figures AS (
  SELECT s.metric_key, 0 AS dim_key, f.date, f.practice_code, f.n
  FROM snapshot f
  JOIN feed_selector s ON s.source = 'practice_snapshot' AND s.snapshot_column = f.snapshot_column
  UNION ALL
  SELECT s.metric_key, 0, f.date, f.practice_code, f.clicks
  FROM feed_partner_daily f
  JOIN feed_selector s
    ON s.source = 'integrated_partners'
   AND (s.provider IS NULL OR f.provider = s.provider)
   AND (s.service IS NULL OR f.service = s.service)
  WHERE f.date BETWEEN $1 AND $2
  UNION ALL
  SELECT $4, j.dim_key, f.date, f.practice_code, f.clicks
  FROM feed_partner_daily f
  JOIN jump_off_dim j ON j.provider = f.provider AND j.service = f.service
  WHERE $4 IS NOT NULL AND f.date BETWEEN $1 AND $2
)
SELECT f.metric_key, f.dim_key, g.grain, x.period_start, coalesce(p.practice_key, $3), r.release, sum(f.n)
FROM figures f
CROSS JOIN (VALUES (0::UTINYINT), (1::UTINYINT)) g(grain)
CROSS JOIN LATERAL (
  SELECT CAST(CASE g.grain WHEN 0 THEN date_trunc('week', f.date) ELSE date_trunc('month', f.date) END AS DATE) AS period_start
) x
LEFT JOIN build_practice p ON p.practice_code = f.practice_code
JOIN date_release r ON r.attr_date = f.date
WHERE x.period_start >= $1
  AND CASE g.grain WHEN 0 THEN x.period_start + 6 ELSE last_day(x.period_start) END <= $2
GROUP BY ALL
