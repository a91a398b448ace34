-- Every week (grain 0) and month (grain 1) from the one containing $1 to the last loaded day, plus any other
-- period with figures from there on: the periods list sizes (denominators, patients of all ages) and running
-- totals are computed for.
CREATE OR REPLACE TEMP TABLE build_period AS
SELECT 0::UTINYINT AS grain, CAST(d AS DATE) AS period_start
FROM generate_series(CAST(date_trunc('week', $1::DATE) AS TIMESTAMP),
                     CAST((SELECT max(day) FROM data_day) AS TIMESTAMP), INTERVAL 7 DAY) t(d)
UNION
SELECT 1, CAST(d AS DATE)
FROM generate_series(CAST(date_trunc('month', $1::DATE) AS TIMESTAMP),
                     CAST((SELECT max(day) FROM data_day) AS TIMESTAMP), INTERVAL 1 MONTH) t(d)
UNION
SELECT DISTINCT grain, period_start FROM build_fact
WHERE period_start >= CASE grain WHEN 0 THEN CAST(date_trunc('week', $1::DATE) AS DATE)
                                 ELSE CAST(date_trunc('month', $1::DATE) AS DATE) END
