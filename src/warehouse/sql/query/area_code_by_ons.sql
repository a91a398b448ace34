-- The ODS code of the area of a level with this ONS code (a current area first). $1 level, $2 ONS code.
SELECT area_code
FROM area
WHERE area_level = $1 AND ons_code = $2
ORDER BY is_current DESC, area_code
LIMIT 1
