-- Jump-off clicks of one area per period, for one provider (or all: $7 NULL) and one service (or all: $8 NULL).
-- $1 metric id (jump_off_clicks or partner_jump_off_clicks), $2 structure, $3 grain, $4 area level,
-- $5 area code, $6 first and $9 last period start.
SELECT period_start, sum(value) AS value
FROM jump_off_value
WHERE metric_id = $1 AND structure = $2 AND grain = $3 AND area_level = $4 AND area_code = $5
  AND period_start BETWEEN $6 AND $9
  AND ($7::VARCHAR IS NULL OR provider = $7) AND ($8::VARCHAR IS NULL OR service = $8)
GROUP BY period_start
ORDER BY period_start
