-- For the months the staged file covers, where the warehouse holds both levels: each England figure against the
-- sum of the ICB rows (the "Unknown" row included) for the same month and measure.
WITH months AS (
  SELECT DISTINCT month FROM feed_stage_mi_published
),
e AS (
  SELECT month, measure, value
  FROM mi_published
  WHERE level = 'england' AND month IN (SELECT month FROM months)
),
i AS (
  SELECT month, measure, CAST(sum(value) AS BIGINT) AS icb_sum, count(*) AS icb_rows
  FROM mi_published
  WHERE level = 'icb' AND month IN (SELECT month FROM months)
  GROUP BY month, measure
)
SELECT e.month, e.measure, e.value AS england, i.icb_sum, i.icb_rows
FROM e
JOIN i ON i.month = e.month AND i.measure = e.measure
ORDER BY e.month, e.measure
