-- Rolls practice counts up on the structure in force on each attribution date: the latest practice map
-- release on or before it (a practice's earliest release also covers the days before it).
-- Practices are the same areas on both structures, so only PCN and above are written here.
INSERT INTO metric_value_build
WITH by_release AS (
  SELECT d.metric_id, d.grain, d.period_start, d.practice_code, r.release, sum(d.n) AS n
  FROM practice_period_count d
  JOIN date_release r ON r.attr_date = d.attr_date
  GROUP BY ALL
),
by_period AS (
  SELECT b.metric_id, b.grain, b.period_start, b.n,
         a.parents.pcn AS pcn_code, a.parents.sub_icb AS sub_icb_code, a.parents.icb AS icb_code,
         a.parents.region AS region_code
  FROM by_release b
  JOIN release_ancestry a ON a.release = b.release AND a.practice_code = b.practice_code
)
SELECT 'as_recorded' AS structure, metric_id, grain, period_start,
  CASE
    WHEN GROUPING(pcn_code) = 0 THEN 'pcn'
    WHEN GROUPING(sub_icb_code) = 0 THEN 'sub_icb'
    WHEN GROUPING(icb_code) = 0 THEN 'icb'
    WHEN GROUPING(region_code) = 0 THEN 'region'
    ELSE 'england'
  END AS area_level,
  coalesce(pcn_code, sub_icb_code, icb_code, region_code, 'E92000001') AS area_code,
  sum(n) AS value,
  NULL AS uncovered
FROM by_period
GROUP BY GROUPING SETS (
  (metric_id, grain, period_start, pcn_code),
  (metric_id, grain, period_start, sub_icb_code),
  (metric_id, grain, period_start, icb_code),
  (metric_id, grain, period_start, region_code),
  (metric_id, grain, period_start)
)
