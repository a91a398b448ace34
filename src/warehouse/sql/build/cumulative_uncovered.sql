-- For a running total on today's structure: the part held by practices with no 13+ list size in force
-- in each period (and Unknown), summed up the hierarchy from the practices' own running totals. $1 metric id;
-- only periods from the one containing $2 (those just recomputed).
UPDATE metric_value AS t
SET uncovered = u.uncovered
FROM (
  WITH p AS (
    SELECT v.grain, v.period_start, v.value, den.den IS NULL AS no_den,
           a.practice_code, a.pcn_code, a.sub_icb_code, a.icb_code, a.region_code
    FROM metric_value v
    JOIN practice_ancestry a ON a.structure = 'current' AND a.practice_code = v.area_code
    LEFT JOIN practice_den den
      ON den.grain = v.grain AND den.period_start = v.period_start AND den.practice_code = v.area_code
    WHERE v.metric_id = $1 AND v.structure = 'current' AND v.area_level = 'practice'
      AND v.period_start >= CAST(date_trunc(v.grain, $2::DATE) AS DATE)
  )
  SELECT grain, period_start,
    CASE
      WHEN GROUPING(practice_code) = 0 THEN 'practice'
      WHEN GROUPING(pcn_code) = 0 THEN 'pcn'
      WHEN GROUPING(sub_icb_code) = 0 THEN 'sub_icb'
      WHEN GROUPING(icb_code) = 0 THEN 'icb'
      WHEN GROUPING(region_code) = 0 THEN 'region'
      ELSE 'england'
    END AS area_level,
    coalesce(practice_code, pcn_code, sub_icb_code, icb_code, region_code, 'E92000001') AS area_code,
    coalesce(sum(value) FILTER (WHERE no_den), 0) AS uncovered
  FROM p
  GROUP BY GROUPING SETS (
    (grain, period_start, practice_code),
    (grain, period_start, pcn_code),
    (grain, period_start, sub_icb_code),
    (grain, period_start, icb_code),
    (grain, period_start, region_code),
    (grain, period_start)
  )
) u
WHERE t.metric_id = $1 AND t.structure = 'current'
  AND t.grain = u.grain AND t.period_start = u.period_start
  AND t.area_level = u.area_level AND t.area_code = u.area_code
