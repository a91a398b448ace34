-- Official statistics (the NHS App MI publication) for one measure at one level, monthly. A month with no figure
-- has no row (never 0). Regions are derived from the ICB rows (the Unknown row kept as region UNKNOWN).
-- $1 edition (first day of its month; NULL = the latest edition covering each month), $2 measure,
-- $3 level (england | region | icb), $4 from month or NULL, $5 to month or NULL, $6 area code or NULL.
WITH src AS (
  SELECT month, level, icb_code, icb_name, region_code, region_name, measure, value, edition
  FROM mi_published
  WHERE $1::DATE IS NULL AND measure = $2
  UNION ALL
  SELECT month, level, icb_code, icb_name, region_code, region_name, measure, value, edition
  FROM mi_figure
  WHERE edition = $1::DATE AND measure = $2
),
f AS (
  SELECT *
  FROM src
  WHERE ($4::DATE IS NULL OR month >= $4::DATE) AND ($5::DATE IS NULL OR month <= $5::DATE)
),
r AS (
  SELECT month, 'england' AS level, icb_code AS code, icb_name AS name, measure, value, edition
  FROM f
  WHERE level = 'england' AND $3 = 'england'
  UNION ALL
  SELECT month, 'icb', icb_code, icb_name, measure, value, edition
  FROM f
  WHERE level = 'icb' AND $3 = 'icb'
  UNION ALL
  SELECT month, 'region', region_code, min(region_name), measure, CAST(sum(value) AS BIGINT), max(edition)
  FROM f
  WHERE level = 'icb' AND $3 = 'region'
  GROUP BY month, region_code, measure
)
SELECT
  strftime(month, '%Y-%m') AS month,
  level,
  code,
  name,
  measure,
  value,
  strftime(edition, '%Y-%m') AS edition
FROM r
WHERE $6::VARCHAR IS NULL OR code = $6::VARCHAR
ORDER BY month, code = 'UNKNOWN', code
