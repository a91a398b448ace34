-- One area by level and code. $1 level, $2 code.
SELECT area_code AS code, ons_code, name, place_name, area_level AS level, parent_level, parent_code,
       postcode, supplier_name, is_current
FROM area
WHERE area_level = $1 AND area_code = $2
