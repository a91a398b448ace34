-- The 13+ list size of each practice in force for each period of build_period: the latest practice-level
-- release on or before the period start, or the first release for periods before it. An exact (single year
-- of age) figure beats an estimate from 5-year bands in the same release. Only practices open at the period
-- start have one (period_open): a closed practice leaves the denominators from the first period whose
-- list-size release or practice-map release no longer lists it, even though an older list-size release
-- still gives its patients (ADR 0024). practice_den (one row per period and practice with a denominator)
-- also decides which figures a rate covers (rollup_in, running totals).
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

-- The practices open at each period start: those in the practice-map release in force then (the latest release
-- on or before the period start; before the first release, the first). The NHS publishes no open or close
-- dates in these files: a practice is open from the first release that lists it until the first that does
-- not (ADR 0024).
CREATE OR REPLACE TEMP TABLE period_open AS
WITH map_release AS (
  SELECT p.grain, p.period_start,
         coalesce((SELECT max(r.release) FROM build_release r WHERE r.release <= p.period_start),
                  (SELECT min(r.release) FROM build_release r)) AS release
  FROM build_period p
)
SELECT m.grain, m.period_start, k.area_key AS practice_key
FROM map_release m
JOIN practice_ancestry x ON x.structure = 'as_recorded' AND x.valid_from = m.release
JOIN area_dim k ON k.area_level = 'practice' AND k.area_code = x.practice_code
WHERE x.practice_code <> 'UNKNOWN';

CREATE OR REPLACE TEMP TABLE practice_den AS
SELECT f.grain, f.period_start, f.extract_date, b.practice_key, b.pick.den AS den, b.pick.kind AS kind
FROM period_extract f
JOIN practice_has_den b USING (extract_date)
JOIN period_open o ON o.grain = f.grain AND o.period_start = f.period_start AND o.practice_key = b.practice_key
