-- rows = rows to insert (one per date, practice, provider and jump-off; repeats are summed);
-- duplicate_rows = file rows folded into an earlier row with the same key.
SELECT
  count(DISTINCT (date, practice_code, provider, jump_off)) AS rows,
  min(date) AS first_date,
  max(date) AS last_date,
  count(DISTINCT date) AS periods,
  count(*) - count(DISTINCT (date, practice_code, provider, jump_off)) AS duplicate_rows,
  count(*) FILTER (WHERE is_cie) AS cie_rows
FROM feed_stage_partner_daily
