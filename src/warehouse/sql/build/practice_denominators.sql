-- The 13+ list size of each practice in force for each period: the latest practice-level release on or
-- before the period start, or the first release for periods before it. An exact (single year of age)
-- figure beats an estimate from 5-year bands in the same release. Every period of the cube is covered,
-- as running totals are recomputed over all periods, from the first period with loaded activity ($1).
CREATE OR REPLACE TEMP TABLE practice_den AS
WITH periods AS (
  -- Every week and month from the one containing $1 to the last loaded day, plus any other period with
  -- figures to build.
  SELECT 'week' AS grain, CAST(d AS DATE) AS period_start
  FROM generate_series(CAST(date_trunc('week', $1::DATE) AS TIMESTAMP),
                       CAST((SELECT max(day) FROM data_day) AS TIMESTAMP), INTERVAL 7 DAY) t(d)
  UNION
  SELECT 'month', CAST(d AS DATE)
  FROM generate_series(CAST(date_trunc('month', $1::DATE) AS TIMESTAMP),
                       CAST((SELECT max(day) FROM data_day) AS TIMESTAMP), INTERVAL 1 MONTH) t(d)
  UNION
  SELECT DISTINCT grain, period_start FROM practice_period_count
  WHERE period_start >= CAST(date_trunc(grain, $1::DATE) AS DATE)
),
releases AS (
  SELECT DISTINCT extract_date FROM list_size WHERE area_level = 'practice' AND patients_13plus IS NOT NULL
),
in_force AS (
  SELECT p.grain, p.period_start,
         coalesce((SELECT max(r.extract_date) FROM releases r WHERE r.extract_date <= p.period_start),
                  (SELECT min(r.extract_date) FROM releases r)) AS extract_date
  FROM periods p
),
best AS (
  SELECT extract_date, area_code AS practice_code,
         arg_max(struct_pack(den := patients_13plus, kind := kind_13plus),
                 CASE kind_13plus WHEN 'exact' THEN 1 ELSE 0 END) AS pick
  FROM list_size
  WHERE area_level = 'practice' AND patients_13plus IS NOT NULL
  GROUP BY ALL
)
SELECT f.grain, f.period_start, f.extract_date, b.practice_code, b.pick.den AS den, b.pick.kind AS kind
FROM in_force f
JOIN best b USING (extract_date)
