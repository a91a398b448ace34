-- How many areas the data table has for a selection (today's structure); the table has one row per area,
-- metric and period, so its total is this times the number of (metric, period) pairs.
-- Without an area: every open area at the level, closed practices (they keep their history) and Unknown.
-- Within an area: the area itself when it is at the level, or the areas at the level that its practices
-- belong to (practice_ancestry, so practices outside any PCN count in their own sub-ICB).
-- Keep the WHERE clause the same as in data_table_rows.sql.
-- $1 level, $2 area level (NULL: no area), $3 area code (NULL: no area).
SELECT count(*) AS n
FROM area a
WHERE a.area_level = $1
  AND CASE
        WHEN $2::VARCHAR IS NULL THEN a.is_current OR a.area_level = 'practice'
        WHEN $2::VARCHAR = $1 THEN a.area_code = $3::VARCHAR
        ELSE a.area_code IN (
          SELECT CASE $1 WHEN 'region' THEN p.region_code WHEN 'icb' THEN p.icb_code
                         WHEN 'sub_icb' THEN p.sub_icb_code WHEN 'pcn' THEN p.pcn_code
                         ELSE p.practice_code END
          FROM practice_ancestry p
          WHERE p.structure = 'current'
            AND CASE $2::VARCHAR WHEN 'region' THEN p.region_code WHEN 'icb' THEN p.icb_code
                                 WHEN 'sub_icb' THEN p.sub_icb_code WHEN 'pcn' THEN p.pcn_code
                                 ELSE p.practice_code END = $3::VARCHAR)
      END
