-- The areas of one level within one area (any level above it, England for all), as the hierarchy stood for
-- one period, for rankings (src/query/ranking.ts). Membership comes from practice_ancestry: on today's
-- structure each practice's one 'current' row; as recorded, the rows of the practice-map release in force
-- for the period (the latest on or before its first day; before the first release, the first). Each area
-- comes with its name, whether it is open today, and for practices whether the release in force for the
-- period lists it (`in_release`: false for a practice closed by then, or not yet open) and its first and last
-- releases. Unknown is never a member.
-- $1 structure (current | as_recorded), $2 period start, $3 ranked level, $4 within level, $5 within code.
WITH rel AS (
  SELECT coalesce(
           (SELECT max(valid_from) FROM practice_ancestry WHERE structure = $1 AND valid_from <= $2::DATE),
           (SELECT min(valid_from) FROM practice_ancestry WHERE structure = $1)
         ) AS valid_from,
         coalesce(
           (SELECT max(extract_date) FROM practice_map WHERE extract_date <= $2::DATE),
           (SELECT min(extract_date) FROM practice_map)
         ) AS release_date
),
anc AS (
  SELECT pa.*
  FROM practice_ancestry pa, rel
  WHERE pa.structure = $1 AND pa.valid_from = rel.valid_from
),
members AS (
  SELECT DISTINCT CASE $3::VARCHAR
           WHEN 'practice' THEN practice_code
           WHEN 'pcn' THEN pcn_code
           WHEN 'sub_icb' THEN sub_icb_code
           WHEN 'icb' THEN icb_code
           WHEN 'region' THEN region_code
         END AS code
  FROM anc
  WHERE CASE $4::VARCHAR
          WHEN 'england' THEN true
          WHEN 'region' THEN region_code = $5
          WHEN 'icb' THEN icb_code = $5
          WHEN 'sub_icb' THEN sub_icb_code = $5
          WHEN 'pcn' THEN pcn_code = $5
          ELSE false
        END
)
SELECT m.code,
       coalesce(v.name, a.name, m.code) AS name,
       a.place_name,
       a.ons_code,
       coalesce(a.is_current, false) AS is_current,
       a.first_extract,
       a.last_extract,
       rel.release_date,
       EXISTS (SELECT 1 FROM practice_map p
               WHERE p.extract_date = rel.release_date AND p.practice_code = m.code) AS in_release
FROM members m
CROSS JOIN rel
LEFT JOIN area a ON a.area_level = $3 AND a.area_code = m.code
LEFT JOIN area_version v
  ON $1 = 'as_recorded' AND v.extract_date = rel.release_date AND v.area_level = $3 AND v.area_code = m.code
WHERE m.code IS NOT NULL AND m.code <> 'UNKNOWN'
ORDER BY m.code
