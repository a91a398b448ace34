-- Rows repeating (Date, OdsCode, Provider, JumpOff) are summed, as the NHS pipeline did. $1 = load id.
INSERT INTO feed_partner_daily (date, practice_code, provider, jump_off, service, is_cie, clicks, source_rows, load_id)
SELECT date, practice_code, provider, jump_off, min(service), bool_or(is_cie), sum(clicks), count(*), $1
FROM feed_stage_partner_daily
GROUP BY date, practice_code, provider, jump_off
ORDER BY date, practice_code, provider, jump_off
