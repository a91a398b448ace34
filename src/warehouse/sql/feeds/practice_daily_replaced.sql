-- The rows already loaded for the days the staged file covers (they are replaced: a correction).
SELECT t.date AS period, t.load_id, count(*) AS rows
FROM feed_practice_daily t
WHERE t.date IN (SELECT DISTINCT date FROM feed_stage_practice_daily)
GROUP BY t.date, t.load_id
ORDER BY 1, 2
