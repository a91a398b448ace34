-- The children of one area for one metric and period, with their values: 0 for a child without activity in a
-- period the metric has figures for, NULL (no data, never 0) when the metric has no figure at all for the period.
-- $1 structure, $2 metric id, $3 grain, $4 period start, $5 parent level, $6 parent code, $7 child level.
WITH has_period AS (
  SELECT EXISTS (
    SELECT 1 FROM metric_value
    WHERE structure = $1 AND metric_id = $2 AND grain = $3 AND period_start = $4
  ) AS any_figure
)
SELECT
  a.area_code AS code,
  a.name,
  a.place_name,
  a.ons_code,
  a.is_current,
  CASE WHEN (SELECT any_figure FROM has_period) THEN coalesce(v.value, 0) END AS value
FROM area a
LEFT JOIN metric_value v
  ON v.structure = $1 AND v.metric_id = $2 AND v.grain = $3 AND v.period_start = $4
 AND v.area_level = a.area_level AND v.area_code = a.area_code
WHERE a.parent_level = $5 AND a.parent_code = $6 AND a.area_level = $7
ORDER BY value DESC NULLS LAST, a.name
