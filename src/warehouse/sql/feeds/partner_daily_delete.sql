-- Deletes every row of the days the staged file covers: a new delivery replaces those days.
DELETE FROM feed_partner_daily
WHERE date IN (SELECT DISTINCT date FROM feed_stage_partner_daily)
