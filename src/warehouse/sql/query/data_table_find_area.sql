-- The area a data table selection is within, by code at any level (Unknown is not an area to choose).
-- ODS codes of different levels do not collide; if one ever did, the highest level wins.
-- $1 code (upper case).
SELECT area_level AS level, area_code AS code, name, place_name, is_current
FROM area
WHERE area_code = $1 AND area_code <> 'UNKNOWN'
ORDER BY CASE area_level
           WHEN 'england' THEN 0 WHEN 'region' THEN 1 WHEN 'icb' THEN 2 WHEN 'sub_icb' THEN 3
           WHEN 'pcn' THEN 4 ELSE 5
         END
LIMIT 1
