-- A delivery replaces the days it covers, for the device types it carries (an Apple-only weekly file leaves
-- Google's figures for the same days alone).
DELETE FROM feed_downloads_daily t
WHERE EXISTS (
  SELECT 1 FROM feed_stage_downloads_daily s WHERE s.date = t.date AND s.device_type = t.device_type
)
