-- Running totals, recomputed over the whole cube after the counts are in place: for each area with any activity of the base metric, every period from its first
-- to the last period with data, so a quiet period carries the total forward. $1 cumulative id, $2 base id.
-- Rows are (re)computed from the period containing $3: the first loaded day on a full build (earlier
-- history, such as registrations before the activity window, is carried in as an opening total), or the
-- first period an incremental build touched (everything before it is unchanged and becomes the opening).
-- uncovered is filled in afterwards from the practices' own running totals (cumulative_uncovered).
INSERT INTO metric_value
WITH base AS (
  SELECT * FROM metric_value WHERE metric_id = $2
),
periods AS (
  SELECT DISTINCT grain, period_start FROM metric_value
  WHERE period_start >= CAST(date_trunc(grain, $3::DATE) AS DATE)
),
areas AS (
  SELECT structure, grain, area_level, area_code, min(period_start) AS first_period
  FROM base GROUP BY ALL
),
opening AS (
  SELECT structure, grain, area_level, area_code, sum(value) AS value
  FROM base
  WHERE period_start < CAST(date_trunc(grain, $3::DATE) AS DATE)
  GROUP BY ALL
),
grid AS (
  SELECT a.structure, a.grain, a.area_level, a.area_code, p.period_start
  FROM areas a JOIN periods p ON p.grain = a.grain AND p.period_start >= a.first_period
)
SELECT g.structure, $1 AS metric_id, g.grain, g.period_start, g.area_level, g.area_code,
  coalesce(o.value, 0) + sum(coalesce(b.value, 0)) OVER (
    PARTITION BY g.structure, g.grain, g.area_level, g.area_code ORDER BY g.period_start
    ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS value,
  CASE WHEN g.structure = 'current' THEN 0 END AS uncovered
FROM grid g
LEFT JOIN base b USING (structure, grain, area_level, area_code, period_start)
LEFT JOIN opening o USING (structure, grain, area_level, area_code)
