-- Every metric's stored figures for one area over a range of periods, with the part of each figure from
-- practices without a 13+ list size (today's structure only), for computing several series at once.
-- $1 structure, $2 grain, $3 area level, $4 area code, $5 first period start, $6 last period start.
SELECT metric_id, period_start, value, uncovered
FROM metric_value
WHERE structure = $1 AND grain = $2 AND area_level = $3 AND area_code = $4
  AND period_start BETWEEN $5 AND $6
