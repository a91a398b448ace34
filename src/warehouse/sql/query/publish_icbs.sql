-- Today's ICBs with their NHS England region (the official Table 2 columns), Unknown left out.
SELECT i.area_code AS icb_code, i.name AS icb_name, r.area_code AS region_code, r.name AS region_name
FROM area i
JOIN area r ON r.area_level = 'region' AND r.area_code = i.parent_code
WHERE i.area_level = 'icb' AND i.is_current AND i.area_code <> 'UNKNOWN'
ORDER BY r.area_code, i.area_code
