-- Every area at every level in every practice-map release, with its name, ONS code and parent as recorded then;
-- plus England and the Unknown chain in each release.
-- A PCN's parent is the sub-ICB location holding most of its practices (ties: the lowest code): about ten real
-- PCNs span sub-ICB locations, and the unallocated PCN 'U' spans dozens. Each practice keeps its own sub-ICB
-- location in practice_map and practice_ancestry, which is what figures roll up by.
INSERT INTO area_version (extract_date, area_level, area_code, ons_code, name, parent_level, parent_code)
WITH releases AS (
  SELECT DISTINCT extract_date FROM practice_map
),
pcn_sub_icb AS (
  SELECT extract_date, pcn_code, sub_icb_code,
         row_number() OVER (PARTITION BY extract_date, pcn_code ORDER BY count(*) DESC, sub_icb_code) AS rank
  FROM practice_map
  GROUP BY extract_date, pcn_code, sub_icb_code
),
unknown_chain (area_level, parent_level, parent_code) AS (
  VALUES ('region', 'england', 'E92000001'),
         ('icb', 'region', 'UNKNOWN'),
         ('sub_icb', 'icb', 'UNKNOWN'),
         ('pcn', 'sub_icb', 'UNKNOWN'),
         ('practice', 'pcn', 'UNKNOWN')
)
SELECT extract_date, 'england', 'E92000001', 'E92000001', 'England', NULL, NULL
FROM releases
UNION ALL
SELECT r.extract_date, u.area_level, 'UNKNOWN', NULL, 'Unknown', u.parent_level, u.parent_code
FROM releases r CROSS JOIN unknown_chain u
UNION ALL
SELECT extract_date, 'region', region_code, min(region_ons_code), min(region_name), 'england', 'E92000001'
FROM practice_map
GROUP BY extract_date, region_code
UNION ALL
SELECT extract_date, 'icb', icb_code, min(icb_ons_code), min(icb_name), 'region', min(region_code)
FROM practice_map
GROUP BY extract_date, icb_code
UNION ALL
SELECT extract_date, 'sub_icb', sub_icb_code, min(sub_icb_ons_code), min(sub_icb_name), 'icb', min(icb_code)
FROM practice_map
GROUP BY extract_date, sub_icb_code
UNION ALL
SELECT p.extract_date, 'pcn', p.pcn_code, NULL, min(p.pcn_name), 'sub_icb', min(s.sub_icb_code)
FROM practice_map p
JOIN pcn_sub_icb s ON s.extract_date = p.extract_date AND s.pcn_code = p.pcn_code AND s.rank = 1
GROUP BY p.extract_date, p.pcn_code
UNION ALL
SELECT extract_date, 'practice', practice_code, NULL, practice_name, 'pcn', pcn_code
FROM practice_map
