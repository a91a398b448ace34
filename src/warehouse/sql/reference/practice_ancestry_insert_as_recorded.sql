-- Each practice in each practice-map release with its parents as recorded in that release, valid from the
-- release's extract date (until the next release); plus UNKNOWN in every release.
INSERT INTO practice_ancestry (structure, valid_from, practice_code, pcn_code, sub_icb_code, icb_code, region_code)
SELECT 'as_recorded', extract_date, practice_code, pcn_code, sub_icb_code, icb_code, region_code
FROM practice_map
UNION ALL
SELECT DISTINCT 'as_recorded', extract_date, 'UNKNOWN', 'UNKNOWN', 'UNKNOWN', 'UNKNOWN', 'UNKNOWN'
FROM practice_map
