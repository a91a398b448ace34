-- Running totals on the structure as recorded, per area from its own figures of the base metric (areas
-- there are not sums of today's practices), from the period containing $1 with earlier history as an
-- opening total; every period from the area's first figure to the last period of the cube.
INSERT INTO cell_build
WITH p0 AS (
  SELECT 0::UTINYINT AS grain, CAST(date_trunc('week', $1::DATE) AS DATE) AS p0
  UNION ALL SELECT 1, CAST(date_trunc('month', $1::DATE) AS DATE)
),
base AS (
  SELECT m.cum_key, c.grain, c.period_start, c.area_key, c.value
  FROM metric_cell c
  JOIN cum_map m ON m.base_key = c.metric_key
  WHERE c.structure = 1
),
areas AS (
  SELECT b.cum_key, b.grain, b.area_key,
         coalesce(sum(b.value) FILTER (WHERE b.period_start < p0.p0), 0) AS opening,
         greatest(min(b.period_start), p0.p0) AS first_period
  FROM base b JOIN p0 USING (grain)
  GROUP BY b.cum_key, b.grain, b.area_key, p0.p0
),
periods AS (
  SELECT DISTINCT c.grain, c.period_start
  FROM metric_cell c JOIN p0 ON p0.grain = c.grain AND c.period_start >= p0.p0
),
grid AS (
  SELECT x.cum_key, x.grain, x.area_key, x.opening, p.period_start
  FROM areas x JOIN periods p ON p.grain = x.grain AND p.period_start >= x.first_period
)
SELECT 1, g.cum_key, 0, g.grain, g.period_start, g.area_key,
       g.opening + sum(coalesce(b.value, 0)) OVER (
         PARTITION BY g.cum_key, g.grain, g.area_key ORDER BY g.period_start
         ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW),
       NULL
FROM grid g
LEFT JOIN base b
  ON b.cum_key = g.cum_key AND b.grain = g.grain AND b.area_key = g.area_key AND b.period_start = g.period_start
