-- One metric's stored figures for a list of areas of one level over a range of periods (rankings): the
-- figure and the part of it from practices without a 13+ list size (docs/adr/0006), beside the area's 13+
-- patients (today's structure only; NULL as recorded, where rates are not offered). Practices are stored
-- once, under 'current'. `has_value` tells a stored figure from an area with only a denominator.
-- $1 structure, $2 metric id ('' for none), $3 grain, $4 level, $5 area codes (VARCHAR[]),
-- $6 first period start, $7 last period start.
WITH codes AS (SELECT DISTINCT unnest($5::VARCHAR[]) AS area_code),
v AS (
  SELECT v.area_code, v.period_start, v.value, v.uncovered
  FROM metric_value v
  JOIN codes c ON c.area_code = v.area_code
  WHERE v.structure = CASE WHEN $4 = 'practice' THEN 'current' ELSE $1 END
    AND v.metric_id = $2 AND v.grain = $3 AND v.area_level = $4
    AND v.period_start BETWEEN $6::DATE AND $7::DATE
),
d AS (
  SELECT d.area_code, d.period_start, d.patients_13plus
  FROM area_denominator d
  JOIN codes c ON c.area_code = d.area_code
  WHERE ($1 = 'current' OR $4 = 'practice') AND d.grain = $3 AND d.area_level = $4
    AND d.period_start BETWEEN $6::DATE AND $7::DATE
)
SELECT coalesce(v.area_code, d.area_code) AS area_code,
       coalesce(v.period_start, d.period_start) AS period_start,
       v.value, v.uncovered, d.patients_13plus
FROM v
FULL OUTER JOIN d ON d.area_code = v.area_code AND d.period_start = v.period_start
ORDER BY 1, 2
