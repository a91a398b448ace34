-- Running totals per practice (today's structure) for an incremental build, into rollup_in as
-- cumulative_practices does, from the period containing $1 (after the first loaded period): each practice's
-- opening total is its stored running total at the last period before, so only the new periods' figures of
-- the base metric are read.
CREATE OR REPLACE TEMP TABLE rollup_in AS
WITH p0 AS (
  SELECT 0::UTINYINT AS grain, CAST(date_trunc('week', $1::DATE) AS DATE) AS p0
  UNION ALL SELECT 1, CAST(date_trunc('month', $1::DATE) AS DATE)
),
last_prev AS (
  SELECT c.metric_key AS cum_key, c.grain, max(c.period_start) AS period_start
  FROM metric_cell c
  JOIN p0 ON p0.grain = c.grain AND c.period_start < p0.p0
  WHERE c.structure = 0 AND c.metric_key IN (SELECT cum_key FROM cum_map)
  GROUP BY ALL
),
opening AS (
  SELECT l.cum_key, c.grain, c.area_key AS practice_key, c.value AS opening
  FROM metric_cell c
  JOIN last_prev l ON l.cum_key = c.metric_key AND l.grain = c.grain AND l.period_start = c.period_start
  WHERE c.structure = 0 AND c.area_key IN (SELECT practice_key FROM anc_current)
),
base AS (
  SELECT m.cum_key, c.grain, c.period_start, c.area_key AS practice_key, c.value
  FROM metric_cell c
  JOIN cum_map m ON m.base_key = c.metric_key
  JOIN p0 ON p0.grain = c.grain AND c.period_start >= p0.p0
  WHERE c.structure = 0 AND c.area_key IN (SELECT practice_key FROM anc_current)
),
practices AS (
  SELECT cum_key, grain, practice_key, sum(opening) AS opening, min(first_period) AS first_period
  FROM (
    SELECT o.cum_key, o.grain, o.practice_key, o.opening, p0.p0 AS first_period
    FROM opening o JOIN p0 USING (grain)
    UNION ALL
    SELECT cum_key, grain, practice_key, 0, min(period_start) FROM base GROUP BY ALL
  )
  GROUP BY ALL
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
