-- One metric's computed monthly figures for England and every ICB (Unknown included), on today's structure.
-- $1 metric id, $2 month (first day).
SELECT area_level, area_code, value
FROM metric_value
WHERE structure = 'current' AND grain = 'month' AND metric_id = $1 AND period_start = $2::DATE
  AND area_level IN ('england', 'icb')
