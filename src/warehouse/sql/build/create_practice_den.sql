-- The 13+ list size of each practice in force for each period of build_period: the latest practice-level
-- release on or before the period start, or the first release for periods before it. An exact (single year
-- of age) figure beats an estimate from 5-year bands in the same release. period_extract and practice_has_den
-- say the same thing in two small tables, for the roll-ups to find cheaply whether a practice has one.
CREATE OR REPLACE TEMP TABLE period_extract AS
WITH releases AS (
  SELECT DISTINCT extract_date FROM list_size WHERE area_level = 'practice' AND patients_13plus IS NOT NULL
)
SELECT p.grain, p.period_start,
       coalesce((SELECT max(r.extract_date) FROM releases r WHERE r.extract_date <= p.period_start),
                (SELECT min(r.extract_date) FROM releases r)) AS extract_date
FROM build_period p;

CREATE OR REPLACE TEMP TABLE practice_has_den AS
SELECT l.extract_date, k.area_key AS practice_key,
       arg_max(struct_pack(den := l.patients_13plus, kind := l.kind_13plus),
               CASE l.kind_13plus WHEN 'exact' THEN 1 ELSE 0 END) AS pick
FROM list_size l
JOIN area_dim k ON k.area_level = 'practice' AND k.area_code = l.area_code
WHERE l.area_level = 'practice' AND l.patients_13plus IS NOT NULL
GROUP BY ALL;

CREATE OR REPLACE TEMP TABLE practice_den AS
SELECT f.grain, f.period_start, f.extract_date, b.practice_key, b.pick.den AS den, b.pick.kind AS kind
FROM period_extract f
JOIN practice_has_den b USING (extract_date)
