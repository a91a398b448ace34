SELECT
  count(*) AS rows,
  min(month) AS first_date,
  max(month) AS last_date,
  count(DISTINCT month) AS periods,
  count(DISTINCT practice_code) AS practices
FROM feed_stage_pomi
