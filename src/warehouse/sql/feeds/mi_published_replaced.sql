-- The rows of the same edition already loaded for the (month, level) pairs the staged file covers.
SELECT t.month AS period, t.load_id, count(*) AS rows
FROM mi_figure t
WHERE EXISTS (
  SELECT 1 FROM feed_stage_mi_published s
  WHERE s.edition = t.edition AND s.month = t.month AND s.level = t.level
)
GROUP BY t.month, t.load_id
ORDER BY 1, 2
