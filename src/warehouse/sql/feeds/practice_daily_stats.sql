SELECT
  count(*) AS rows,
  min(date) AS first_date,
  max(date) AS last_date,
  count(DISTINCT date) AS periods
FROM feed_stage_practice_daily
