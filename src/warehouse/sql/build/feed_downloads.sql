-- App downloads, England only, on both structures, for weeks and months lying wholly within $1..$2.
INSERT INTO metric_value_build
WITH by_period AS (
  SELECT s.metric_id, g.grain, CAST(date_trunc(g.grain, f.date) AS DATE) AS period_start, sum(f.downloads) AS value
  FROM feed_downloads_daily f
  JOIN feed_selector s ON s.source = 'downloads' AND (s.device_type IS NULL OR f.device_type = s.device_type)
  CROSS JOIN (VALUES ('week'), ('month')) g(grain)
  WHERE f.date BETWEEN $1 AND $2
  GROUP BY ALL
)
SELECT st.structure, b.metric_id, b.grain, b.period_start, 'england', 'E92000001', b.value, NULL
FROM by_period b
CROSS JOIN (VALUES ('current'), ('as_recorded')) st(structure)
WHERE b.period_start >= $1
  AND CASE b.grain WHEN 'week' THEN b.period_start + 6 ELSE last_day(b.period_start) END <= $2
