-- The peer bands of one rate over patients aged 13+ at every level below England, per grain and period
-- from $4 on: the rows query/peers_rate_bands.sql gives for each level and grain, with the same figure per
-- area and the same quantiles, so that a page reading them sees exactly what it would have computed.
-- $1 numerator metric id or '', $2 rate id, $3 patient scale, $4 first period start, $5 multiplier.
INSERT INTO peer_band
WITH peer AS (
  SELECT d.area_level, d.grain, d.period_start,
         CASE WHEN $1 = '' THEN d.patients_13plus
              ELSE (coalesce(v.value, 0) - coalesce(v.uncovered, 0)) / (d.patients_13plus * $3) * $5
         END AS value
  FROM area_denominator d
  LEFT JOIN metric_value v
    ON v.structure = 'current' AND v.metric_id = $1 AND v.grain = d.grain AND v.period_start = d.period_start
   AND v.area_level = d.area_level AND v.area_code = d.area_code
  JOIN area a ON a.area_level = d.area_level AND a.area_code = d.area_code
  WHERE d.area_level <> 'england' AND d.period_start >= $4 AND d.patients_13plus > 0
    AND d.area_code <> 'UNKNOWN' AND (a.is_current OR v.value IS NOT NULL)
),
bands AS (
  SELECT area_level, grain, period_start, count(*) AS n,
         quantile_cont(value, [0.1, 0.25, 0.5, 0.75, 0.9]) AS q
  FROM peer
  GROUP BY area_level, grain, period_start
)
SELECT $2, area_level, grain, period_start, n, q[1], q[2], q[3], q[4], q[5]
FROM bands
