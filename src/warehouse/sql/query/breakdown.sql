-- The children of one area for one metric and period, with their values (0 when they had none).
-- $1 structure, $2 metric id, $3 grain, $4 period start, $5 parent level, $6 parent code, $7 child level.
SELECT a.area_code AS code, a.name, a.ons_code, a.is_current, coalesce(v.value, 0) AS value
FROM area a
LEFT JOIN metric_value v
  ON v.structure = $1 AND v.metric_id = $2 AND v.grain = $3 AND v.period_start = $4
 AND v.area_level = a.area_level AND v.area_code = a.area_code
WHERE a.parent_level = $5 AND a.parent_code = $6 AND a.area_level = $7
ORDER BY value DESC, a.name
