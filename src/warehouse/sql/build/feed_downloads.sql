-- App downloads, England only ($3 = its key), on both structures, for weeks and months lying wholly within
-- $1..$2.
INSERT INTO cell_build
WITH by_period AS (
  SELECT s.metric_key, g.grain, x.period_start, sum(f.downloads) AS value
  FROM feed_downloads_daily f
  JOIN feed_selector s ON s.source = 'downloads' AND (s.device_type IS NULL OR f.device_type = s.device_type)
  CROSS JOIN (VALUES (0::UTINYINT), (1::UTINYINT)) g(grain)
  CROSS JOIN LATERAL (
    SELECT CAST(CASE g.grain WHEN 0 THEN date_trunc('week', f.date) ELSE date_trunc('month', f.date) END AS DATE) AS period_start
  ) x
  WHERE f.date BETWEEN $1 AND $2
  GROUP BY ALL
)
SELECT st.structure, b.metric_key, 0, b.grain, b.period_start, $3, b.value, NULL
FROM by_period b
CROSS JOIN (VALUES (0::UTINYINT), (1::UTINYINT)) st(structure)
WHERE b.period_start >= $1
  AND CASE b.grain WHEN 0 THEN b.period_start + 6 ELSE last_day(b.period_start) END <= $2
