-- The areas of one level under an area of any level above it (not only the direct parent), on today's
-- structure (closed areas included, hung under their nearest open ancestor): for /api/v1/areas?parent=.
-- The ancestor is found by its ODS or ONS code at any level above the one listed; none found: no rows and
-- found = false. $1 level listed, $2 ancestor code.
WITH RECURSIVE depth(level, d) AS (
  VALUES ('england', 0), ('region', 1), ('icb', 2), ('sub_icb', 3), ('pcn', 4), ('practice', 5)
),
target AS (SELECT d FROM depth WHERE level = $1),
root AS (
  SELECT a.area_level, a.area_code
  FROM area a
  JOIN depth ON depth.level = a.area_level
  WHERE (a.area_code = $2 OR a.ons_code = $2) AND depth.d < (SELECT d FROM target)
),
tree(area_level, area_code) AS (
  SELECT area_level, area_code FROM root
  UNION
  SELECT a.area_level, a.area_code
  FROM area a
  JOIN tree t ON a.parent_level = t.area_level AND a.parent_code = t.area_code
  JOIN depth ON depth.level = a.area_level
  WHERE depth.d <= (SELECT d FROM target)
)
SELECT a.area_code AS code, a.ons_code, a.name, a.place_name, a.area_level AS level, a.parent_level, a.parent_code,
       a.is_current, (SELECT count(*) FROM root) > 0 AS found
FROM (SELECT 1) AS one
LEFT JOIN tree t ON t.area_level = $1
LEFT JOIN area a ON a.area_level = t.area_level AND a.area_code = t.area_code
ORDER BY coalesce(a.place_name, a.name), a.name, a.area_code
