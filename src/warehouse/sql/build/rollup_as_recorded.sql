-- Rolls practice counts up on the structure in force on each attribution date: the latest practice map
-- release on or before it (a practice's earliest release also covers the days before it).
-- Practices are the same areas on both structures, so only PCN and above are written here.
INSERT INTO metric_value_build
WITH ancestry AS (
  SELECT practice_code, pcn_code, sub_icb_code, icb_code, region_code,
         CASE WHEN valid_from = min(valid_from) OVER (PARTITION BY practice_code)
              THEN DATE '0001-01-01' ELSE valid_from END AS valid_from
  FROM practice_ancestry
  WHERE structure = 'as_recorded'
),
by_period AS (
  SELECT d.metric_id, d.grain, d.period_start, d.n, a.pcn_code, a.sub_icb_code, a.icb_code, a.region_code
  FROM practice_period_count d
  ASOF JOIN ancestry a
    ON a.practice_code = d.practice_code AND d.attr_date >= a.valid_from
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
