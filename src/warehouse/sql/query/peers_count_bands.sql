-- The spread of one count metric across the areas of one level, per period: p10, p25, p50, p75, p90
-- (linear interpolation) and the number of areas. Peers as in peers_count_rank.
-- $1 structure, $2 metric id, $3 grain, $4 level, $5 period starts (DATE[]).
WITH periods AS (SELECT DISTINCT unnest($5::DATE[]) AS period_start),
current_area AS (
  SELECT area_code FROM area WHERE area_level = $4 AND is_current AND area_code <> 'UNKNOWN'
),
stored AS (
  SELECT v.period_start, v.area_code, v.value
  FROM metric_value v
  JOIN periods p ON p.period_start = v.period_start
  WHERE v.structure = $1 AND v.metric_id = $2 AND v.grain = $3 AND v.area_level = $4
    AND v.area_code <> 'UNKNOWN'
),
peer AS (
  SELECT p.period_start, coalesce(s.value, 0) AS value
  FROM periods p
  CROSS JOIN current_area a
  LEFT JOIN stored s ON s.period_start = p.period_start AND s.area_code = a.area_code
  WHERE $1 = 'current'
  UNION ALL
  SELECT s.period_start, s.value
  FROM stored s
  WHERE $1 <> 'current' OR s.area_code NOT IN (SELECT area_code FROM current_area)
)
SELECT period_start, count(*) AS n, quantile_cont(value, [0.1, 0.25, 0.5, 0.75, 0.9]) AS q
FROM peer
GROUP BY period_start
ORDER BY period_start
