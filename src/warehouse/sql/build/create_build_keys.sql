-- Keys the build works with. build_practice: recognised practice codes (anything else counts as Unknown).
-- anc_current: each practice's ancestors on today's structure. anc_recorded: its ancestors under each
-- practice-map release (its own row in that release, else its latest earlier row — a practice that has
-- since closed — else its earliest row, one that opened later). build_release: the practice-map releases.
CREATE OR REPLACE TEMP TABLE build_practice AS
SELECT d.area_code AS practice_code, d.area_key AS practice_key
FROM area_dim d
JOIN area a ON a.area_level = 'practice' AND a.area_code = d.area_code
WHERE d.area_level = 'practice';

CREATE OR REPLACE TEMP TABLE anc_current AS
SELECT p.area_key AS practice_key, n.area_key AS pcn_key, s.area_key AS sub_icb_key, i.area_key AS icb_key,
       r.area_key AS region_key
FROM practice_ancestry x
JOIN area_dim p ON p.area_level = 'practice' AND p.area_code = x.practice_code
JOIN area_dim n ON n.area_level = 'pcn' AND n.area_code = x.pcn_code
JOIN area_dim s ON s.area_level = 'sub_icb' AND s.area_code = x.sub_icb_code
JOIN area_dim i ON i.area_level = 'icb' AND i.area_code = x.icb_code
JOIN area_dim r ON r.area_level = 'region' AND r.area_code = x.region_code
WHERE x.structure = 'current';

CREATE OR REPLACE TEMP TABLE build_release AS
SELECT DISTINCT valid_from AS release FROM practice_ancestry WHERE structure = 'as_recorded';

CREATE OR REPLACE TEMP TABLE anc_recorded AS
WITH recorded AS (
  SELECT * FROM practice_ancestry WHERE structure = 'as_recorded'
),
picked AS (
  SELECT r.release, x.practice_code,
    arg_max(struct_pack(pcn := x.pcn_code, sub_icb := x.sub_icb_code, icb := x.icb_code, region := x.region_code),
            CASE WHEN x.valid_from <= r.release THEN date_diff('day', DATE '1900-01-01', x.valid_from)
                 ELSE -date_diff('day', DATE '1900-01-01', x.valid_from) END) AS parents
  FROM build_release r
  CROSS JOIN recorded x
  GROUP BY r.release, x.practice_code
)
SELECT x.release, p.area_key AS practice_key, n.area_key AS pcn_key, s.area_key AS sub_icb_key,
       i.area_key AS icb_key, r.area_key AS region_key
FROM picked x
JOIN area_dim p ON p.area_level = 'practice' AND p.area_code = x.practice_code
JOIN area_dim n ON n.area_level = 'pcn' AND n.area_code = x.parents.pcn
JOIN area_dim s ON s.area_level = 'sub_icb' AND s.area_code = x.parents.sub_icb
JOIN area_dim i ON i.area_level = 'icb' AND i.area_code = x.parents.icb
JOIN area_dim r ON r.area_level = 'region' AND r.area_code = x.parents.region
