-- The days staged per device type (used to check a monthly file holds every day of its month).
SELECT device_type, date AS day, line
FROM feed_stage_downloads_daily
ORDER BY device_type, date
