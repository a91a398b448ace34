-- Rolls practice counts up to every level of today's structure. uncovered sums the counts of practices
-- with no 13+ list size in force for the period (Unknown included), which rates leave out.
INSERT INTO metric_value_build
WITH by_practice AS (
  SELECT metric_id, grain, period_start, practice_code, sum(n) AS n
  FROM practice_period_count
  GROUP BY ALL
),
by_period AS (
  SELECT d.metric_id, d.grain, d.period_start,
         a.practice_code, a.pcn_code, a.sub_icb_code, a.icb_code, a.region_code,
         d.n, den.den IS NULL AS no_den
  FROM by_practice d
  JOIN practice_ancestry a
    ON a.structure = 'current' AND a.practice_code = d.practice_code
  LEFT JOIN practice_den den
    ON den.grain = d.grain AND den.period_start = d.period_start AND den.practice_code = d.practice_code
)
SELECT 'current' AS structure, metric_id, grain, period_start,
  CASE
    WHEN GROUPING(practice_code) = 0 THEN 'practice'
    WHEN GROUPING(pcn_code) = 0 THEN 'pcn'
    WHEN GROUPING(sub_icb_code) = 0 THEN 'sub_icb'
    WHEN GROUPING(icb_code) = 0 THEN 'icb'
    WHEN GROUPING(region_code) = 0 THEN 'region'
    ELSE 'england'
  END AS area_level,
  coalesce(practice_code, pcn_code, sub_icb_code, icb_code, region_code, 'E92000001') AS area_code,
  sum(n) AS value,
  coalesce(sum(n) FILTER (WHERE no_den), 0) AS uncovered
FROM by_period
GROUP BY GROUPING SETS (
  (metric_id, grain, period_start, practice_code),
  (metric_id, grain, period_start, pcn_code),
  (metric_id, grain, period_start, sub_icb_code),
  (metric_id, grain, period_start, icb_code),
  (metric_id, grain, period_start, region_code),
  (metric_id, grain, period_start)
)
