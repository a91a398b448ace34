SELECT
  count(*) AS rows,
  min(date) AS first_date,
  max(date) AS last_date,
  count(DISTINCT date) AS periods,
  string_agg(DISTINCT device_type, ',' ORDER BY device_type) AS device_types
FROM feed_stage_downloads_daily
