-- Rolls the practice figures of rollup_in up today's structure: practice rows as they are; then one pass
-- to PCN chains (PCN, sub-ICB, ICB, region), which are few, and every level above from those. Sums are exact.
-- $1 = the England area key.
INSERT INTO cell_build
SELECT 0, r.metric_key, r.dim_key, r.grain, r.period_start, r.practice_key, r.value, r.uncovered
FROM rollup_in r
WHERE r.practice_key IN (SELECT practice_key FROM anc_current)
UNION ALL (
  WITH chain AS (
    SELECT r.metric_key, r.dim_key, r.grain, r.period_start, a.pcn_key, a.sub_icb_key, a.icb_key, a.region_key,
           sum(r.value) AS value, sum(r.uncovered) AS uncovered
    FROM rollup_in r
    JOIN anc_current a ON a.practice_key = r.practice_key
    GROUP BY ALL
  )
  SELECT 0, metric_key, dim_key, grain, period_start, coalesce(pcn_key, sub_icb_key, icb_key, region_key, $1),
         sum(value), sum(uncovered)
  FROM chain
  GROUP BY GROUPING SETS (
    (metric_key, dim_key, grain, period_start, pcn_key),
    (metric_key, dim_key, grain, period_start, sub_icb_key),
    (metric_key, dim_key, grain, period_start, icb_key),
    (metric_key, dim_key, grain, period_start, region_key),
    (metric_key, dim_key, grain, period_start)
  )
)
