-- Each practice's parents under each practice-map release, for the as-recorded view: its own row in that
-- release, else its latest earlier row (a practice that has since closed), else its earliest row (one that
-- opened later). Scores: earlier-or-equal releases rank by date above every later one.
CREATE OR REPLACE TEMP TABLE release_ancestry AS
WITH recorded AS (
  SELECT * FROM practice_ancestry WHERE structure = 'as_recorded'
),
releases AS (
  SELECT DISTINCT valid_from AS release FROM recorded
)
SELECT r.release, x.practice_code,
  arg_max(struct_pack(pcn := x.pcn_code, sub_icb := x.sub_icb_code, icb := x.icb_code, region := x.region_code),
          CASE WHEN x.valid_from <= r.release THEN date_diff('day', DATE '1900-01-01', x.valid_from)
               ELSE -date_diff('day', DATE '1900-01-01', x.valid_from) END) AS parents
FROM releases r
CROSS JOIN recorded x
GROUP BY r.release, x.practice_code
