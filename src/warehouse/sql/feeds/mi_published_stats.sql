SELECT
  count(*) AS rows,
  min(month) AS first_date,
  max(month) AS last_date,
  count(DISTINCT month) AS periods
FROM feed_stage_mi_published
