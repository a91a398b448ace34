-- GP registered patients of all ages (metric $1) per practice for every period of build_period: the latest
-- practice-level release on or before the period start (else the first), the list_size_all figure where a
-- release has several. Only practices of the area model open at the period start (period_open: a closed
-- practice's patients are not carried forward from an older release); attributed as recorded at the period start.
INSERT INTO build_fact
WITH releases AS (
  SELECT DISTINCT extract_date FROM list_size WHERE area_level = 'practice' AND patients_all IS NOT NULL
),
in_force AS (
  SELECT p.grain, p.period_start,
         coalesce((SELECT max(r.extract_date) FROM releases r WHERE r.extract_date <= p.period_start),
                  (SELECT min(r.extract_date) FROM releases r)) AS extract_date
  FROM build_period p
),
best AS (
  SELECT extract_date, area_code AS practice_code,
         arg_max(patients_all, CASE source_kind WHEN 'list_size_all' THEN 1 ELSE 0 END) AS patients
  FROM list_size
  WHERE area_level = 'practice' AND patients_all IS NOT NULL
  GROUP BY ALL
)
SELECT $1, 0, f.grain, f.period_start, p.practice_key, r.release, b.patients
FROM in_force f
JOIN best b USING (extract_date)
JOIN build_practice p ON p.practice_code = b.practice_code
JOIN period_open o ON o.grain = f.grain AND o.period_start = f.period_start AND o.practice_key = p.practice_key
JOIN date_release r ON r.attr_date = f.period_start
