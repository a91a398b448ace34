-- The metrics with at least one stored figure for areas of one level on today's structure, at one grain, in
-- a range of periods, plus 'patients_13plus' when the level has patients aged 13+ then: pickers mark the
-- other metrics "(no data)" (issue 11). $1 area level, $2 grain, $3 first period start, $4 last period start.
SELECT DISTINCT metric_id
FROM metric_value
WHERE structure = 'current' AND area_level = $1 AND grain = $2 AND period_start BETWEEN $3 AND $4
UNION
SELECT 'patients_13plus'
WHERE EXISTS (
  SELECT 1 FROM area_denominator
  WHERE area_level = $1 AND grain = $2 AND period_start BETWEEN $3 AND $4
)
