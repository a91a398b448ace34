-- Rolls the practice figures up every level, on today's structure (0) and as recorded (1), as the DuckDB
-- build's rollup_current.sql and rollup_as_recorded.sql: practice rows as they are (today's structure only),
-- then PCN, sub-ICB location, ICB, region and England ({england} = its key) by GROUPING SETS. Sums are exact,
-- so rolling up each shard's facts and adding the results gives the same cells as rolling up their sum.
INSERT INTO cell
SELECT structure, metric_key, grain, period_start, area_key, sum(value) AS value
FROM (
  SELECT toUInt8(0) AS structure, metric_key, grain, period_start, practice_key AS area_key, sum(n) AS value
  FROM fact
  WHERE practice_key IN (SELECT practice_key FROM anc_current)
  GROUP BY metric_key, grain, period_start, practice_key
  UNION ALL
  SELECT toUInt8(0), metric_key, grain, period_start,
         assumeNotNull(coalesce(pcn_key, sub_icb_key, icb_key, region_key, {england:Int32})), sum(n)
  FROM fact f INNER JOIN anc_current a ON a.practice_key = f.practice_key
  GROUP BY GROUPING SETS (
    (metric_key, grain, period_start, pcn_key),
    (metric_key, grain, period_start, sub_icb_key),
    (metric_key, grain, period_start, icb_key),
    (metric_key, grain, period_start, region_key),
    (metric_key, grain, period_start))
  UNION ALL
  SELECT toUInt8(1), metric_key, grain, period_start,
         assumeNotNull(coalesce(pcn_key, sub_icb_key, icb_key, region_key, {england:Int32})), sum(n)
  FROM fact f INNER JOIN anc_recorded a ON a.release = f.release AND a.practice_key = f.practice_key
  GROUP BY GROUPING SETS (
    (metric_key, grain, period_start, pcn_key),
    (metric_key, grain, period_start, sub_icb_key),
    (metric_key, grain, period_start, icb_key),
    (metric_key, grain, period_start, region_key),
    (metric_key, grain, period_start))
)
GROUP BY structure, metric_key, grain, period_start, area_key
SETTINGS group_by_use_nulls = 1
