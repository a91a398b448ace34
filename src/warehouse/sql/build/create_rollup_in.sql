-- Practice figures to roll up on today's structure, summed over releases, with the part from practices
-- without a 13+ list size in force at the period start (closed practices and Unknown included), which rates
-- leave out.
CREATE OR REPLACE TEMP TABLE rollup_in AS
WITH p AS (
  SELECT metric_key, dim_key, grain, period_start, practice_key, sum(n) AS value
  FROM build_fact
  GROUP BY ALL
)
SELECT p.metric_key, p.dim_key, p.grain, p.period_start, p.practice_key, p.value,
       CASE WHEN d.practice_key IS NULL THEN p.value ELSE 0 END AS uncovered
FROM p
LEFT JOIN practice_den d ON d.grain = p.grain AND d.period_start = p.period_start AND d.practice_key = p.practice_key
