-- Open GP practices near a postcode that no practice has: those in its outward code first, then those of the
-- same postcode area in the nearest districts by number (LS1 → LS2, LS3 …), with their PCN, sub-ICB location
-- and ICB on today's structure. $1 area letters ('LS'), $2 district number (1), $3 outward code ('LS1'),
-- $4 most rows.
WITH practices AS (
  SELECT a.area_code, a.name, a.postcode, a.parent_code,
         upper(split_part(trim(a.postcode), ' ', 1)) AS outward
  FROM area a
  WHERE a.area_level = 'practice' AND a.is_current AND a.postcode IS NOT NULL
),
near AS (
  SELECT p.*, TRY_CAST(regexp_extract(p.outward, '^[A-Z]+([0-9]+)', 1) AS INTEGER) AS district
  FROM practices p
  WHERE regexp_extract(p.outward, '^([A-Z]+)[0-9]', 1) = $1
)
SELECT n.area_code AS code, n.name, n.postcode, n.parent_code, pcn.name AS parent_name,
       anc.sub_icb_code, sub.name AS sub_icb_name,
       sub.place_name AS sub_icb_place_name, icb.name AS icb_name
FROM near n
LEFT JOIN area pcn ON pcn.area_level = 'pcn' AND pcn.area_code = n.parent_code
LEFT JOIN practice_ancestry anc
  ON anc.structure = 'current' AND anc.practice_code = n.area_code
LEFT JOIN area sub ON sub.area_level = 'sub_icb' AND sub.area_code = anc.sub_icb_code
LEFT JOIN area icb ON icb.area_level = 'icb' AND icb.area_code = anc.icb_code
ORDER BY CASE WHEN n.outward = $3 THEN 0 ELSE 1 END, abs(coalesce(n.district, 999) - $2), n.outward, n.name,
         n.area_code
LIMIT $4
