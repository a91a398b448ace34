-- Every area of one level on today's structure (open areas only, Unknown left out) with one metric's stored
-- figure for one period, the part of it from practices without a 13+ list size, and the area's patients
-- aged 13+ (the parts of a rate, docs/adr/0006), for the map. `stored` counts the areas of the level with a
-- stored figure, so that a metric with no figures at all in the period is told apart from zeros. Each area's
-- region (itself for a region; none for England), through the parent chain, is for zooming to a region.
-- Sub-ICB locations sort by their place name (docs/adr/0028).
-- $1 area level, $2 metric id (a rate's numerator), $3 grain, $4 period start.
WITH areas AS (
  SELECT a.area_code, a.area_level, a.name, a.place_name, a.ons_code,
         CASE a.area_level WHEN 'region' THEN a.area_code
                           WHEN 'icb' THEN a.parent_code
                           WHEN 'sub_icb' THEN p.parent_code END AS region_code
  FROM area a
  LEFT JOIN area p ON p.area_level = a.parent_level AND p.area_code = a.parent_code
  WHERE a.area_level = $1 AND a.is_current AND a.area_code <> 'UNKNOWN'
)
SELECT a.area_code AS code, a.name, a.place_name, a.ons_code, a.region_code, r.name AS region_name,
       v.value, v.uncovered, d.patients_13plus,
       count(v.value) OVER () AS stored
FROM areas a
LEFT JOIN area r ON r.area_level = 'region' AND r.area_code = a.region_code
LEFT JOIN metric_value v
  ON v.structure = 'current' AND v.metric_id = $2 AND v.grain = $3 AND v.period_start = $4
 AND v.area_level = a.area_level AND v.area_code = a.area_code
LEFT JOIN area_denominator d
  ON d.grain = $3 AND d.period_start = $4 AND d.area_level = a.area_level AND d.area_code = a.area_code
ORDER BY coalesce(a.place_name, a.name), a.name, a.area_code
