-- $1 = load id.
INSERT INTO feed_pomi (
  month, report_period_end, practice_code, field, value, supplier, region_code, subregion_code, ccg_code,
  effective_snapshot_date, report_period_length, load_id
)
SELECT
  month, report_period_end, practice_code, field, value, supplier, region_code, subregion_code, ccg_code,
  effective_snapshot_date, report_period_length, $1
FROM feed_stage_pomi
ORDER BY month, practice_code, field
