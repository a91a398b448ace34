-- Rolls practice 13+ list sizes up today's structure for every period of the build.
INSERT INTO area_denominator
WITH d AS (
  SELECT p.grain, p.period_start, p.extract_date, p.den, p.kind,
         a.practice_code, a.pcn_code, a.sub_icb_code, a.icb_code, a.region_code
  FROM practice_den p
  JOIN practice_ancestry a ON a.structure = 'current' AND a.practice_code = p.practice_code
)
SELECT grain, period_start,
  CASE
    WHEN GROUPING(practice_code) = 0 THEN 'practice'
    WHEN GROUPING(pcn_code) = 0 THEN 'pcn'
    WHEN GROUPING(sub_icb_code) = 0 THEN 'sub_icb'
    WHEN GROUPING(icb_code) = 0 THEN 'icb'
    WHEN GROUPING(region_code) = 0 THEN 'region'
    ELSE 'england'
  END AS area_level,
  coalesce(practice_code, pcn_code, sub_icb_code, icb_code, region_code, 'E92000001') AS area_code,
  sum(den) AS patients_13plus,
  count(*) AS practices,
  CASE WHEN bool_and(kind = 'exact') THEN 'exact' ELSE 'estimated' END AS kind_13plus,
  max(extract_date) AS extract_date
FROM d
GROUP BY GROUPING SETS (
  (grain, period_start, practice_code),
  (grain, period_start, pcn_code),
  (grain, period_start, sub_icb_code),
  (grain, period_start, icb_code),
  (grain, period_start, region_code),
  (grain, period_start)
)
