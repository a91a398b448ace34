-- The last period, up to a given one, in which one area has a non-zero figure for one metric (an activity
-- count, so that running totals carried on after an area closed do not count).
-- $1 structure, $2 metric id, $3 grain, $4 area level, $5 area code, $6 last period start to consider.
SELECT max(period_start) AS period_start
FROM metric_value
WHERE structure = $1 AND metric_id = $2 AND grain = $3 AND area_level = $4 AND area_code = $5
  AND period_start <= $6 AND value <> 0
