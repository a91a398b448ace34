-- Jump-off clicks of one area in one period by provider and service, from events ($1 = jump_off_clicks) or
-- the integrated-partners feed ($1 = partner_jump_off_clicks). $2 structure, $3 grain, $4 period start,
-- $5 area level, $6 area code.
SELECT provider, service, value
FROM jump_off_value
WHERE metric_id = $1 AND structure = $2 AND grain = $3 AND period_start = $4 AND area_level = $5 AND area_code = $6
ORDER BY value DESC, provider, service
