-- One area's values of one metric over a range of periods.
-- $1 structure, $2 metric id, $3 grain, $4 area level, $5 area code, $6 first period start, $7 last period start.
SELECT period_start, value
FROM metric_value
WHERE structure = $1 AND metric_id = $2 AND grain = $3 AND area_level = $4 AND area_code = $5
  AND period_start BETWEEN $6 AND $7
ORDER BY period_start
