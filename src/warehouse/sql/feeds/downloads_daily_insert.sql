-- $1 = load id.
INSERT INTO feed_downloads_daily (date, device_type, downloads, file_kind, load_id)
SELECT date, device_type, downloads, file_kind, $1
FROM feed_stage_downloads_daily
ORDER BY date, device_type
