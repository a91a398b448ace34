-- Practice figures to roll up on today's structure, summed over releases, with the part from practices
-- without a 13+ list size in force (Unknown included), which rates leave out.
CREATE OR REPLACE TEMP TABLE rollup_in AS
WITH p AS (
  SELECT metric_key, dim_key, grain, period_start, practice_key, sum(n) AS value
  FROM build_fact
  GROUP BY ALL
)
SELECT p.metric_key, p.dim_key, p.grain, p.period_start, p.practice_key, p.value,
       CASE WHEN d.practice_key IS NULL THEN p.value ELSE 0 END AS uncovered
FROM p
LEFT JOIN period_extract e ON e.grain = p.grain AND e.period_start = p.period_start
LEFT JOIN practice_has_den d ON d.extract_date = e.extract_date AND d.practice_key = p.practice_key
