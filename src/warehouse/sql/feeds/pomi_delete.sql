-- Deletes every row of the months the staged file covers: a new delivery replaces those months.
DELETE FROM feed_pomi
WHERE month IN (SELECT DISTINCT month FROM feed_stage_pomi)
