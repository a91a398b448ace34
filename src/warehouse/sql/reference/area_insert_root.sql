-- England (the root) and the Unknown chain (code 'UNKNOWN' at every level under England), for activity with no
-- or an unrecognised practice code. Always current.
INSERT INTO area (area_level, area_code, ons_code, name, parent_level, parent_code, postcode, supplier_name,
                  first_extract, last_extract, is_current)
WITH span AS (
  SELECT min(extract_date) AS first_extract, max(extract_date) AS last_extract FROM practice_map
)
SELECT 'england', 'E92000001', 'E92000001', 'England', NULL, NULL, NULL, NULL, first_extract, last_extract, TRUE
FROM span
UNION ALL
SELECT u.area_level, 'UNKNOWN', NULL, 'Unknown', u.parent_level, u.parent_code, NULL, NULL, NULL, NULL, TRUE
FROM (
  VALUES ('region', 'england', 'E92000001'),
         ('icb', 'region', 'UNKNOWN'),
         ('sub_icb', 'icb', 'UNKNOWN'),
         ('pcn', 'sub_icb', 'UNKNOWN'),
         ('practice', 'pcn', 'UNKNOWN')
) AS u (area_level, parent_level, parent_code)
