-- The rows already loaded for the (month, level) pairs the staged file covers (replaced: a revision).
SELECT t.month AS period, t.load_id, count(*) AS rows
FROM mi_published t
WHERE EXISTS (SELECT 1 FROM feed_stage_mi_published s WHERE s.month = t.month AND s.level = t.level)
GROUP BY t.month, t.load_id
ORDER BY 1, 2
