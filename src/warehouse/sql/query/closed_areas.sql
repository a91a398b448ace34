-- Closed areas of one level: when they closed (the extract date of the first practice-map release without
-- them) and their successor (the open area of the same level that most of their last practices belong to
-- today; none for practices, or when none of their practices is open). $1 level.
WITH closed AS (
  SELECT area_code, last_extract
  FROM area
  WHERE area_level = $1 AND NOT is_current AND area_code <> 'UNKNOWN'
),
level_code AS (
  SELECT r.practice_code, r.valid_from,
         CASE $1 WHEN 'pcn' THEN r.pcn_code WHEN 'sub_icb' THEN r.sub_icb_code WHEN 'icb' THEN r.icb_code
                 WHEN 'region' THEN r.region_code END AS old_code,
         CASE $1 WHEN 'pcn' THEN c.pcn_code WHEN 'sub_icb' THEN c.sub_icb_code WHEN 'icb' THEN c.icb_code
                 WHEN 'region' THEN c.region_code END AS new_code
  FROM practice_ancestry r
  JOIN practice_ancestry c ON c.structure = 'current' AND c.practice_code = r.practice_code
  JOIN area p ON p.area_level = 'practice' AND p.area_code = r.practice_code AND p.is_current
  WHERE r.structure = 'as_recorded' AND $1 <> 'practice'
),
moves AS (
  SELECT cl.area_code, l.new_code, count(*) AS practices
  FROM closed cl
  JOIN level_code l ON l.old_code = cl.area_code AND l.valid_from = cl.last_extract
  JOIN area n ON n.area_level = $1 AND n.area_code = l.new_code AND n.is_current
  GROUP BY cl.area_code, l.new_code
),
successor AS (
  SELECT area_code, arg_max(new_code, practices * 1000000 - rank) AS successor_code
  FROM (SELECT *, row_number() OVER (PARTITION BY area_code ORDER BY new_code) AS rank FROM moves)
  GROUP BY area_code
)
SELECT cl.area_code AS code,
       (SELECT min(pm.extract_date) FROM practice_map pm WHERE pm.extract_date > cl.last_extract) AS closed_at,
       s.successor_code, n.name AS successor_name, n.place_name AS successor_place_name
FROM closed cl
LEFT JOIN successor s ON s.area_code = cl.area_code
LEFT JOIN area n ON n.area_level = $1 AND n.area_code = s.successor_code
ORDER BY cl.area_code
