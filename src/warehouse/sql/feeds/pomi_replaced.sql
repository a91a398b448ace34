-- The rows already loaded for the months the staged file covers (they are replaced: a correction).
SELECT t.month AS period, t.load_id, count(*) AS rows
FROM feed_pomi t
WHERE t.month IN (SELECT DISTINCT month FROM feed_stage_pomi)
GROUP BY t.month, t.load_id
ORDER BY 1, 2
