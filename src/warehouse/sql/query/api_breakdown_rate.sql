-- The children of one area (today's structure) with the parts of one rate over patients aged 13+ in one
-- period: the numerator metric's figure, its part from practices without a 13+ list size, and the child's
-- 13+ patients (NULL without a list size). The rate is computed from them as every rate is (docs/adr/0006).
-- $1 numerator metric id or '' (the 13+ patients themselves), $2 grain, $3 period start,
-- $4 parent level, $5 parent code, $6 child level.
SELECT a.area_code AS code, a.name, a.place_name, a.ons_code, a.is_current,
       d.patients_13plus,
       coalesce(v.value, 0) AS numerator_value,
       coalesce(v.uncovered, 0) AS numerator_uncovered
FROM area a
LEFT JOIN area_denominator d
  ON d.grain = $2 AND d.period_start = $3 AND d.area_level = a.area_level AND d.area_code = a.area_code
LEFT JOIN metric_value v
  ON v.structure = 'current' AND v.metric_id = $1 AND v.grain = $2 AND v.period_start = $3
 AND v.area_level = a.area_level AND v.area_code = a.area_code
WHERE a.parent_level = $4 AND a.parent_code = $5 AND a.area_level = $6
ORDER BY a.name, a.area_code
