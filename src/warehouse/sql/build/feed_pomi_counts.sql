-- POMI monthly practice figures beside the other practice counts (month grain only), for months lying
-- wholly within $1..$2. Unrecognised practice codes count as UNKNOWN.
INSERT INTO practice_period_count
SELECT s.metric_id, 'month' AS grain, f.month AS period_start, f.month AS attr_date,
       coalesce(p.area_code, 'UNKNOWN') AS practice_code, CAST(sum(f.value) AS BIGINT) AS n
FROM feed_pomi f
JOIN feed_selector s ON s.source = 'pomi' AND s.pomi_field = f.field
LEFT JOIN area p ON p.area_level = 'practice' AND p.area_code = f.practice_code
WHERE f.month >= $1 AND last_day(f.month) <= $2
GROUP BY ALL
