-- Rolls practice 13+ list sizes up today's structure for every period of the build. $1 = the England key.
-- Estimated list sizes are fractional: summed as decimals (exact, so the same in any order) rather than as
-- doubles, whose sums once differed between builds (1623146.9999999993 and 1623147.0000000007, issue 16.7).
INSERT INTO area_den_cell
WITH d AS (
  SELECT p.grain, p.period_start, p.extract_date, p.den, p.kind = 'exact' AS exact,
         a.practice_key, a.pcn_key, a.sub_icb_key, a.icb_key, a.region_key
  FROM practice_den p
  JOIN anc_current a ON a.practice_key = p.practice_key
)
SELECT grain, period_start, coalesce(practice_key, pcn_key, sub_icb_key, icb_key, region_key, $1),
       CAST(sum(CAST(den AS DECIMAL(18, 6))) AS DOUBLE), count(*), bool_and(exact), max(extract_date)
FROM d
GROUP BY GROUPING SETS (
  (grain, period_start, practice_key),
  (grain, period_start, pcn_key),
  (grain, period_start, sub_icb_key),
  (grain, period_start, icb_key),
  (grain, period_start, region_key),
  (grain, period_start)
)
