-- The rows already loaded for the days and device types the staged file covers (replaced: a correction).
SELECT t.date AS period, t.load_id, count(*) AS rows
FROM feed_downloads_daily t
WHERE EXISTS (
  SELECT 1 FROM feed_stage_downloads_daily s WHERE s.date = t.date AND s.device_type = t.device_type
)
GROUP BY t.date, t.load_id
ORDER BY 1, 2
