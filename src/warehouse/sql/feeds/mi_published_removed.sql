-- Figures of the SAME edition already stored for the (month, level) pairs the staged file covers that the staged
-- file does not hold (an area or a measure missing): loading the file would delete them. Other editions are never
-- deleted. One row per month, level and measure; $1 = how many to return.
WITH covered AS (
  SELECT t.month, t.level, t.icb_code, t.measure, t.source_file
  FROM mi_figure t
  WHERE EXISTS (
    SELECT 1 FROM feed_stage_mi_published s
    WHERE s.edition = t.edition AND s.month = t.month AND s.level = t.level
  )
),
gone AS (
  SELECT c.*
  FROM covered c
  WHERE NOT EXISTS (
    SELECT 1
    FROM feed_stage_mi_published s
    WHERE s.month = c.month AND s.level = c.level AND s.icb_code = c.icb_code AND s.measure = c.measure
  )
),
stored AS (
  SELECT month, level, measure, count(*) AS stored
  FROM covered
  GROUP BY ALL
)
SELECT
  strftime(g.month, '%Y-%m') AS month,
  g.level,
  g.measure,
  count(*) AS missing,
  any_value(st.stored) AS stored,
  string_agg(g.icb_code, ', ' ORDER BY g.icb_code) AS codes,
  string_agg(DISTINCT g.source_file, ', ') AS source_files,
  count(*) OVER () AS total
FROM gone g
JOIN stored st ON st.month = g.month AND st.level = g.level AND st.measure = g.measure
GROUP BY g.month, g.level, g.measure
ORDER BY g.month, g.level, g.measure
LIMIT $1
