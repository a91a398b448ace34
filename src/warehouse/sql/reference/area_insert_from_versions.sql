-- Today's structure: every area that ever appeared in a practice-map release, with the details (name, ONS code,
-- parent; postcode and supplier for practices) of the last release it appears in. Areas of the latest release are
-- current; the others (closed practices, merged ICBs …) are kept with is_current = FALSE under their last known
-- parent, which is itself kept (current, or closed by the same rule), so every chain reaches England.
-- Sub-ICB locations get their place name from sub_icb_place (docs/adr/0028).
INSERT INTO area (area_level, area_code, ons_code, name, parent_level, parent_code, postcode, supplier_name,
                  first_extract, last_extract, is_current, place_name)
WITH latest AS (
  SELECT max(extract_date) AS extract_date FROM practice_map
),
spans AS (
  SELECT area_level, area_code, min(extract_date) AS first_extract, max(extract_date) AS last_extract
  FROM area_version
  WHERE area_level <> 'england' AND area_code <> 'UNKNOWN'
  GROUP BY area_level, area_code
)
SELECT v.area_level, v.area_code, v.ons_code, v.name, v.parent_level, v.parent_code,
       p.practice_postcode, p.supplier_name, s.first_extract, s.last_extract,
       s.last_extract = l.extract_date, pl.place_name
FROM spans s
JOIN area_version v
  ON v.area_level = s.area_level AND v.area_code = s.area_code AND v.extract_date = s.last_extract
CROSS JOIN latest l
LEFT JOIN (
  SELECT 'practice' AS area_level, practice_code, extract_date, practice_postcode, supplier_name FROM practice_map
) p
  ON p.area_level = v.area_level AND p.practice_code = v.area_code AND p.extract_date = s.last_extract
LEFT JOIN sub_icb_place pl ON v.area_level = 'sub_icb' AND pl.sub_icb_code = v.area_code
