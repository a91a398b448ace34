-- The product's own monthly figures of a metric for the months and areas the official publication covers.
-- $1 structure (current | as_recorded), $2 metric id, $3 area level, $4 area code or NULL, $5 first month,
-- $6 last month (first days).
SELECT strftime(period_start, '%Y-%m') AS month, area_code AS code, value
FROM metric_value
WHERE structure = $1 AND metric_id = $2 AND grain = 'month' AND area_level = $3
  AND ($4::VARCHAR IS NULL OR area_code = $4::VARCHAR)
  AND period_start BETWEEN $5::DATE AND $6::DATE
