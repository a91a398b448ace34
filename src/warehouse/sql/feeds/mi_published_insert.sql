-- Keeps the staged edition's figures beside every other edition's. $1 = load id.
INSERT INTO mi_figure (
  edition, month, level, icb_code, icb_name, region_code, region_name, measure, value, source_file, load_id
)
SELECT edition, month, level, icb_code, icb_name, region_code, region_name, measure, value, source_file, $1
FROM feed_stage_mi_published
ORDER BY month, level, icb_code, measure
