-- Gives every area (every level of the area model and of every recorded structure, Unknown included) a
-- stable key (existing keys are never changed).
INSERT INTO area_dim
SELECT (SELECT coalesce(max(area_key), 0) FROM area_dim) + row_number() OVER (ORDER BY area_level, area_code),
       area_level, area_code
FROM (
  SELECT area_level, area_code FROM area
  UNION SELECT 'practice', practice_code FROM practice_ancestry
  UNION SELECT 'pcn', pcn_code FROM practice_ancestry
  UNION SELECT 'sub_icb', sub_icb_code FROM practice_ancestry
  UNION SELECT 'icb', icb_code FROM practice_ancestry
  UNION SELECT 'region', region_code FROM practice_ancestry
  UNION SELECT 'england', 'E92000001'
  UNION SELECT level, 'UNKNOWN' FROM (VALUES ('practice'), ('pcn'), ('sub_icb'), ('icb'), ('region')) l(level)
  EXCEPT SELECT area_level, area_code FROM area_dim
)
