-- Rolls practice figures up the structure in force on each attribution date (its release): one pass to the
-- PCN chains of each release, then every level from those. Practices are the same areas on both structures,
-- so only PCN and above are written here. $1 = the England area key.
INSERT INTO cell_build
WITH chain AS (
  SELECT f.metric_key, f.dim_key, f.grain, f.period_start, a.pcn_key, a.sub_icb_key, a.icb_key, a.region_key,
         sum(f.n) AS value
  FROM build_fact f
  JOIN anc_recorded a ON a.release = f.release AND a.practice_key = f.practice_key
  GROUP BY ALL
)
SELECT 1, metric_key, dim_key, grain, period_start, coalesce(pcn_key, sub_icb_key, icb_key, region_key, $1),
       sum(value), NULL
FROM chain
GROUP BY GROUPING SETS (
  (metric_key, dim_key, grain, period_start, pcn_key),
  (metric_key, dim_key, grain, period_start, sub_icb_key),
  (metric_key, dim_key, grain, period_start, icb_key),
  (metric_key, dim_key, grain, period_start, region_key),
  (metric_key, dim_key, grain, period_start)
)
