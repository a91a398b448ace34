-- Running totals per practice (today's structure), into rollup_in to be rolled up like the counts (a sum of
-- running totals is the running total of the sums). Rows are (re)computed from the period containing $1:
-- earlier history is carried in as an opening total. Each practice gets every period from its first figure
-- of the base metric (or from $1 when it had one before) to the last period of the cube, so a quiet period
-- carries the total forward; the part held by practices without a 13+ list size in force (or closed) is kept apart.
CREATE OR REPLACE TEMP TABLE rollup_in AS
WITH p0 AS (
  SELECT 0::UTINYINT AS grain, CAST(date_trunc('week', $1::DATE) AS DATE) AS p0
  UNION ALL SELECT 1, CAST(date_trunc('month', $1::DATE) AS DATE)
),
base AS (
  SELECT m.cum_key, c.grain, c.period_start, c.area_key AS practice_key, c.value
  FROM metric_cell c
  JOIN cum_map m ON m.base_key = c.metric_key
  WHERE c.structure = 0 AND c.area_key IN (SELECT practice_key FROM anc_current)
),
practices AS (
  SELECT b.cum_key, b.grain, b.practice_key,
         coalesce(sum(b.value) FILTER (WHERE b.period_start < p0.p0), 0) AS opening,
         greatest(min(b.period_start), p0.p0) AS first_period
  FROM base b JOIN p0 USING (grain)
  GROUP BY b.cum_key, b.grain, b.practice_key, p0.p0
),
periods AS (
  SELECT DISTINCT c.grain, c.period_start
  FROM metric_cell c JOIN p0 ON p0.grain = c.grain AND c.period_start >= p0.p0
),
grid AS (
  SELECT x.cum_key, x.grain, x.practice_key, x.opening, p.period_start
  FROM practices x JOIN periods p ON p.grain = x.grain AND p.period_start >= x.first_period
),
running AS (
  SELECT g.cum_key, g.grain, g.period_start, g.practice_key,
         g.opening + sum(coalesce(b.value, 0)) OVER (
           PARTITION BY g.cum_key, g.grain, g.practice_key ORDER BY g.period_start
           ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS value
  FROM grid g
  LEFT JOIN base b
    ON b.cum_key = g.cum_key AND b.grain = g.grain AND b.practice_key = g.practice_key
   AND b.period_start = g.period_start
)
SELECT r.cum_key AS metric_key, 0 AS dim_key, r.grain, r.period_start, r.practice_key, r.value,
       CASE WHEN d.practice_key IS NULL THEN r.value ELSE 0 END AS uncovered
FROM running r
LEFT JOIN practice_den d ON d.grain = r.grain AND d.period_start = r.period_start AND d.practice_key = r.practice_key
