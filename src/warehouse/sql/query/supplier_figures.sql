-- An area's practices grouped by GP system supplier (the practice map's SUPPLIER_NAME on today's map; blank →
-- 'Unknown'), today's structure: per supplier and period the sum of each metric's practice figures and of the
-- part from practices without a 13+ list size (kind 'value'); the 13+ patients of its practices with a list
-- size and how many (kind 'patients'); and how many practices it has (kind 'practices', open today in
-- `open_practices`). Activity with no recognised practice (UNKNOWN) is in no group. $1 area level, $2 area code, $3 grain, $4 first and $5 last period start, $6 metric ids.
WITH members AS (
  SELECT pa.practice_code AS code,
         coalesce(nullif(trim(a.supplier_name), ''), 'Unknown') AS supplier,
         coalesce(a.is_current, false) AS is_current
  FROM practice_ancestry pa
  LEFT JOIN area a ON a.area_level = 'practice' AND a.area_code = pa.practice_code
  WHERE pa.structure = 'current' AND pa.practice_code <> 'UNKNOWN'
    AND CASE $1::VARCHAR
          WHEN 'england' THEN true
          WHEN 'region' THEN pa.region_code = $2::VARCHAR
          WHEN 'icb' THEN pa.icb_code = $2::VARCHAR
          WHEN 'sub_icb' THEN pa.sub_icb_code = $2::VARCHAR
          WHEN 'pcn' THEN pa.pcn_code = $2::VARCHAR
          WHEN 'practice' THEN pa.practice_code = $2::VARCHAR
          ELSE false
        END
)
SELECT 'value' AS kind, m.supplier, v.metric_id, CAST(v.period_start AS VARCHAR) AS period_start,
       sum(v.value) AS value, sum(coalesce(v.uncovered, 0)) AS uncovered,
       NULL::BIGINT AS practices, NULL::BIGINT AS open_practices
FROM metric_value v
JOIN members m ON m.code = v.area_code
WHERE v.structure = 'current' AND v.area_level = 'practice' AND v.grain = $3::VARCHAR
  AND v.period_start BETWEEN $4::DATE AND $5::DATE AND list_contains($6::VARCHAR[], v.metric_id)
GROUP BY m.supplier, v.metric_id, v.period_start
UNION ALL
SELECT 'patients', m.supplier, NULL, CAST(d.period_start AS VARCHAR), sum(d.patients_13plus), NULL, count(*), NULL
FROM area_denominator d
JOIN members m ON m.code = d.area_code
WHERE d.area_level = 'practice' AND d.grain = $3::VARCHAR AND d.period_start BETWEEN $4::DATE AND $5::DATE
GROUP BY m.supplier, d.period_start
UNION ALL
SELECT 'practices', supplier, NULL, NULL, NULL, NULL, count(*), count(*) FILTER (WHERE is_current)
FROM members
GROUP BY supplier
ORDER BY 1, 2, 3, 4
