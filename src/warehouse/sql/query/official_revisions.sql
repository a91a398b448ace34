-- Revisions: a figure an edition publishes differently from the previous edition that published it (old value,
-- new value, both editions), England and ICB rows. $1 measure or NULL, $2 level (england | icb) or NULL,
-- $3 code or NULL.
WITH f AS (
  SELECT
    month, level, icb_code, icb_name, measure, value, edition,
    lag(value) OVER w AS old_value,
    lag(edition) OVER w AS old_edition
  FROM mi_figure
  WHERE ($1::VARCHAR IS NULL OR measure = $1::VARCHAR) AND ($2::VARCHAR IS NULL OR level = $2::VARCHAR)
    AND ($3::VARCHAR IS NULL OR icb_code = $3::VARCHAR)
  WINDOW w AS (PARTITION BY month, level, icb_code, measure ORDER BY edition)
)
SELECT
  strftime(month, '%Y-%m') AS month,
  level,
  icb_code AS code,
  icb_name AS name,
  measure,
  old_value,
  value AS new_value,
  strftime(old_edition, '%Y-%m') AS old_edition,
  strftime(edition, '%Y-%m') AS edition
FROM f
WHERE old_value IS NOT NULL AND old_value <> value
ORDER BY edition DESC, month, level, code, measure
