-- A rate's parts for one area over a range of periods (today's structure): the numerator metric's value
-- and the part of it from practices without a 13+ list size, beside the area's 13+ patients.
-- $1 numerator metric id, $2 grain, $3 area level, $4 area code, $5 first period start, $6 last period start.
SELECT d.period_start, v.value, v.uncovered, d.patients_13plus, d.practices, d.kind_13plus
FROM area_denominator d
LEFT JOIN metric_value v
  ON v.structure = 'current' AND v.metric_id = $1 AND v.grain = d.grain
 AND v.area_level = d.area_level AND v.area_code = d.area_code AND v.period_start = d.period_start
WHERE d.grain = $2 AND d.area_level = $3 AND d.area_code = $4
  AND d.period_start BETWEEN $5 AND $6
ORDER BY d.period_start
