-- Each practice (current and closed, plus UNKNOWN) on today's structure: its PCN and sub-ICB location as in the
-- last release it appears in, then the sub-ICB location's ICB and the ICB's region as in the area table (today's
-- parents; a closed sub-ICB or ICB keeps its last known parent). For a current practice this is exactly its row
-- in the latest release. Valid from 0001-01-01.
INSERT INTO practice_ancestry (structure, valid_from, practice_code, pcn_code, sub_icb_code, icb_code, region_code)
SELECT 'current', DATE '0001-01-01', p.practice_code, p.pcn_code, p.sub_icb_code, s.parent_code, i.parent_code
FROM area a
JOIN practice_map p ON p.practice_code = a.area_code AND p.extract_date = a.last_extract
JOIN area s ON s.area_level = 'sub_icb' AND s.area_code = p.sub_icb_code
JOIN area i ON i.area_level = 'icb' AND i.area_code = s.parent_code
WHERE a.area_level = 'practice' AND a.area_code <> 'UNKNOWN'
UNION ALL
SELECT 'current', DATE '0001-01-01', 'UNKNOWN', 'UNKNOWN', 'UNKNOWN', 'UNKNOWN', 'UNKNOWN'
