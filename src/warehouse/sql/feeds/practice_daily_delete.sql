-- Deletes every row of the days the staged file covers: a new delivery replaces those days.
DELETE FROM feed_practice_daily
WHERE date IN (SELECT DISTINCT date FROM feed_stage_practice_daily)
