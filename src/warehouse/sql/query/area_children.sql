-- The children of one area on today's structure with the figures of their table for one period: two
-- counts, and the parts of two rates over patients aged 13+ (the numerator, its part from practices
-- without a 13+ list size, and the child's 13+ patients; see docs/adr/0006). Running totals are stored for
-- every period from an area's first one (build/cumulative.sql), so a numerator that is one is read in the
-- period too. Figures an area does not have are 0; patients are NULL for an area without a list size.
-- $1 parent level, $2 parent code, $3 child level, $4 grain, $5 period start,
-- $6 first count metric, $7 second count metric, $8 first rate's numerator, $9 second rate's numerator.
WITH children AS (
  SELECT area_code, name, place_name, ons_code, postcode, is_current
  FROM area
  WHERE parent_level = $1 AND parent_code = $2 AND area_level = $3 AND area_code <> 'UNKNOWN'
),
at_period AS (
  SELECT v.area_code, v.metric_id, v.value, v.uncovered
  FROM metric_value v
  JOIN children c ON c.area_code = v.area_code
  WHERE v.structure = 'current' AND v.grain = $4 AND v.area_level = $3 AND v.period_start = $5
    AND v.metric_id IN ($6, $7, $8, $9)
),
patients AS (
  SELECT d.area_code, d.patients_13plus
  FROM area_denominator d
  JOIN children c ON c.area_code = d.area_code
  WHERE d.grain = $4 AND d.period_start = $5 AND d.area_level = $3
)
SELECT c.area_code AS code, c.name, c.place_name, c.ons_code, c.postcode, c.is_current,
       coalesce(a.value, 0) AS count_1,
       coalesce(b.value, 0) AS count_2,
       coalesce(r1.value, 0) AS rate_1_value,
       coalesce(r1.uncovered, 0) AS rate_1_uncovered,
       coalesce(r2.value, 0) AS rate_2_value,
       coalesce(r2.uncovered, 0) AS rate_2_uncovered,
       p.patients_13plus
FROM children c
LEFT JOIN at_period a ON a.area_code = c.area_code AND a.metric_id = $6
LEFT JOIN at_period b ON b.area_code = c.area_code AND b.metric_id = $7
LEFT JOIN at_period r1 ON r1.area_code = c.area_code AND r1.metric_id = $8
LEFT JOIN at_period r2 ON r2.area_code = c.area_code AND r2.metric_id = $9
LEFT JOIN patients p ON p.area_code = c.area_code
ORDER BY coalesce(c.place_name, c.name), c.name, c.area_code
