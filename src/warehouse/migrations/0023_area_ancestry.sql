-- The area hierarchy as one closure table (issue 9 item 4, ADR 0040): for each structure and release, every
-- area at every level with each of its ancestors, itself included (depth 0) up to England. "Is X within Y" is one
-- lookup at any level, and roll-ups join each practice's figures to its ancestors instead of naming a column per
-- level. Written by reference ingest (src/ingest/reference/areas.ts) after every practice-map release.
--
-- A practice's rows are its own chain (its PCN and its own sub-ICB location from the practice map, then that
-- sub-ICB location's ICB and region), which figures roll up by; a PCN's, sub-ICB location's, ICB's or region's
-- rows follow area.parent_code (today's structure) or area_version.parent_code (as recorded in that release).
-- PCNs do not nest strictly in sub-ICB locations, so a practice's sub-ICB location may differ from its PCN's.
CREATE TABLE area_ancestry (
  structure VARCHAR NOT NULL,       -- current | as_recorded
  valid_from DATE NOT NULL,         -- 0001-01-01 for current; the release's extract date as recorded
  area_level VARCHAR NOT NULL,      -- practice | pcn | sub_icb | icb | region | england
  area_code VARCHAR NOT NULL,
  ancestor_level VARCHAR NOT NULL,
  ancestor_code VARCHAR NOT NULL,
  depth INTEGER NOT NULL,           -- 0 for the area itself, 1 for its parent … up to England
  PRIMARY KEY (structure, valid_from, area_level, area_code, ancestor_level)
);

-- Existing warehouses: practices from practice_ancestry, the other levels from area and area_version.
INSERT INTO area_ancestry
WITH RECURSIVE up_current (area_level, area_code, ancestor_level, ancestor_code, depth) AS (
  SELECT area_level, area_code, area_level, area_code, 0 FROM area WHERE area_level <> 'practice'
  UNION ALL
  SELECT u.area_level, u.area_code, a.parent_level, a.parent_code, u.depth + 1
  FROM up_current u
  JOIN area a ON a.area_level = u.ancestor_level AND a.area_code = u.ancestor_code
  WHERE a.parent_code IS NOT NULL
),
up_recorded (valid_from, area_level, area_code, ancestor_level, ancestor_code, depth) AS (
  SELECT extract_date, area_level, area_code, area_level, area_code, 0 FROM area_version WHERE area_level <> 'practice'
  UNION ALL
  SELECT u.valid_from, u.area_level, u.area_code, v.parent_level, v.parent_code, u.depth + 1
  FROM up_recorded u
  JOIN area_version v
    ON v.extract_date = u.valid_from AND v.area_level = u.ancestor_level AND v.area_code = u.ancestor_code
  WHERE v.parent_code IS NOT NULL
)
SELECT 'current', DATE '0001-01-01', area_level, area_code, ancestor_level, ancestor_code, depth FROM up_current
UNION ALL
SELECT 'as_recorded', valid_from, area_level, area_code, ancestor_level, ancestor_code, depth FROM up_recorded
UNION ALL
SELECT structure, valid_from, 'practice', practice_code,
       unnest(['practice', 'pcn', 'sub_icb', 'icb', 'region', 'england']),
       unnest([practice_code, pcn_code, sub_icb_code, icb_code, region_code, 'E92000001']),
       unnest(range(6))
FROM practice_ancestry;

-- The wide shape, for reads written against it before the closure (tests, ad-hoc SQL); nothing in src/ uses it.
DROP TABLE practice_ancestry;
CREATE VIEW practice_ancestry AS
SELECT structure, valid_from, area_code AS practice_code,
       min(ancestor_code) FILTER (WHERE ancestor_level = 'pcn') AS pcn_code,
       min(ancestor_code) FILTER (WHERE ancestor_level = 'sub_icb') AS sub_icb_code,
       min(ancestor_code) FILTER (WHERE ancestor_level = 'icb') AS icb_code,
       min(ancestor_code) FILTER (WHERE ancestor_level = 'region') AS region_code
FROM area_ancestry
WHERE area_level = 'practice'
GROUP BY structure, valid_from, area_code;
