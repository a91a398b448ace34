-- One area on today's structure and every area above it, from England down to the area itself.
-- $1 level, $2 code. No rows when there is no such area.
WITH RECURSIVE chain (area_level, area_code, ons_code, name, parent_level, parent_code, postcode,
                      supplier_name, first_extract, last_extract, is_current, place_name, depth) AS (
  SELECT area_level, area_code, ons_code, name, parent_level, parent_code, postcode,
         supplier_name, first_extract, last_extract, is_current, place_name, 0
  FROM area
  WHERE area_level = $1 AND area_code = $2
  UNION ALL
  SELECT a.area_level, a.area_code, a.ons_code, a.name, a.parent_level, a.parent_code, a.postcode,
         a.supplier_name, a.first_extract, a.last_extract, a.is_current, a.place_name, c.depth + 1
  FROM area a
  JOIN chain c ON a.area_level = c.parent_level AND a.area_code = c.parent_code
  WHERE c.depth < 10
)
SELECT area_level AS level, area_code AS code, ons_code, name, parent_level, parent_code, postcode,
       supplier_name, first_extract, last_extract, is_current, place_name, depth
FROM chain
ORDER BY depth DESC
