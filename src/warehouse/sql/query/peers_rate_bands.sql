-- The spread of one rate over patients aged 13+ across the areas of one level, per period (today's
-- structure): p10, p25, p50, p75, p90 (linear interpolation) and the number of areas. Peers and figures
-- as in peers_rate_rank (closed areas only while they have a figure).
-- $1 numerator metric id or '', $2 grain, $3 level, $4 first period start, $5 last period start,
-- $6 patient scale, $7 multiplier.
WITH peer AS (
  SELECT d.period_start,
         CASE WHEN $1 = '' THEN d.patients_13plus
              ELSE (coalesce(v.value, 0) - coalesce(v.uncovered, 0)) / (d.patients_13plus * $6) * $7
         END AS value
  FROM area_denominator d
  LEFT JOIN metric_value v
    ON v.structure = 'current' AND v.metric_id = $1 AND v.grain = d.grain AND v.period_start = d.period_start
   AND v.area_level = d.area_level AND v.area_code = d.area_code
  JOIN area a ON a.area_level = d.area_level AND a.area_code = d.area_code
  WHERE d.grain = $2 AND d.area_level = $3 AND d.period_start BETWEEN $4 AND $5 AND d.patients_13plus > 0
    AND d.area_code <> 'UNKNOWN' AND (a.is_current OR v.value IS NOT NULL)
)
SELECT period_start, count(*) AS n, quantile_cont(value, [0.1, 0.25, 0.5, 0.75, 0.9]) AS q
FROM peer
GROUP BY period_start
ORDER BY period_start
