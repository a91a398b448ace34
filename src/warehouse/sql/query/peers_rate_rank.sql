-- Where one area stands among the areas of its level for one rate over patients aged 13+ in one period
-- (today's structure): peers are the areas with 13+ patients in the period (closed areas only while they
-- have a figure, as a closed practice's last list size stays in force); each area's rate is its
-- numerator metric less the part from practices without a list size, over its 13+ patients times the
-- demo scale, times the multiplier (docs/adr/0006). With no numerator metric ('') the figure is the 13+
-- patients themselves. Unknown is never a peer. Same columns as peers_count_rank.
-- $1 numerator metric id or '', $2 grain, $3 level, $4 period start, $5 area code, $6 patient scale,
-- $7 multiplier.
WITH peer AS (
  SELECT d.area_code,
         CASE WHEN $1 = '' THEN d.patients_13plus
              ELSE (coalesce(v.value, 0) - coalesce(v.uncovered, 0)) / (d.patients_13plus * $6) * $7
         END AS value
  FROM area_denominator d
  LEFT JOIN metric_value v
    ON v.structure = 'current' AND v.metric_id = $1 AND v.grain = d.grain AND v.period_start = d.period_start
   AND v.area_level = d.area_level AND v.area_code = d.area_code
  JOIN area a ON a.area_level = d.area_level AND a.area_code = d.area_code
  WHERE d.grain = $2 AND d.area_level = $3 AND d.period_start = $4 AND d.patients_13plus > 0
    AND d.area_code <> 'UNKNOWN' AND (a.is_current OR v.value IS NOT NULL)
),
me AS (SELECT value FROM peer WHERE area_code = $5)
SELECT (SELECT count(*) FROM peer) AS n,
       (SELECT quantile_cont(value, [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]) FROM peer) AS deciles,
       (SELECT value FROM me) AS value,
       (SELECT count(*) FROM peer, me WHERE peer.value > me.value) AS higher,
       (SELECT count(*) FROM peer, me WHERE peer.value < me.value) AS lower
