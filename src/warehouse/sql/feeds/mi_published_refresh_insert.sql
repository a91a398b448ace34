-- Then put back, for each (month, level, measure) the staged file touches, the figures of the latest edition that
-- covers it, whatever order the editions were loaded in.
INSERT INTO mi_published (
  month, level, icb_code, icb_name, region_code, region_name, measure, value, source_file, load_id, edition
)
WITH pairs AS (
  SELECT DISTINCT month, level FROM feed_stage_mi_published
),
latest AS (
  SELECT f.month, f.level, f.measure, max(f.edition) AS edition
  FROM mi_figure f
  JOIN pairs p ON p.month = f.month AND p.level = f.level
  GROUP BY f.month, f.level, f.measure
)
SELECT f.month, f.level, f.icb_code, f.icb_name, f.region_code, f.region_name, f.measure, f.value,
  f.source_file, f.load_id, f.edition
FROM mi_figure f
JOIN latest l ON l.month = f.month AND l.level = f.level AND l.measure = f.measure AND l.edition = f.edition
ORDER BY f.month, f.level, f.icb_code, f.measure
