-- Areas of one level, optionally only the children of one parent. $1 level, $2 parent code or NULL.
-- Sub-ICB locations sort by place name (docs/adr/0028), as they are labelled.
SELECT area_code AS code, ons_code, name, place_name, area_level AS level, parent_level, parent_code, is_current
FROM area
WHERE area_level = $1 AND ($2::VARCHAR IS NULL OR parent_code = $2::VARCHAR)
ORDER BY coalesce(place_name, name), name, area_code
