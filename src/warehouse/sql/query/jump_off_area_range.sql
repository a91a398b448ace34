-- One area's jump-off clicks by provider and service per period over a range, from events ($1 =
-- jump_off_clicks) or the integrated-partners feed ($1 = partner_jump_off_clicks) (the partners page, issue 14).
-- $2 structure, $3 grain, $4 area level, $5 area code, $6 first and $7 last period start.
SELECT period_start, provider, service, value
FROM jump_off_value
WHERE metric_id = $1 AND structure = $2 AND grain = $3 AND area_level = $4 AND area_code = $5
  AND period_start BETWEEN $6 AND $7
ORDER BY period_start, provider, service
