-- POMI monthly practice figures (month grain only), for months lying wholly within $1..$2. Unrecognised
-- practice codes count as Unknown ($3 = its key).
INSERT INTO build_fact
SELECT s.metric_key, 0, 1, f.month, coalesce(p.practice_key, $3), r.release, sum(f.value)
FROM feed_pomi f
JOIN feed_selector s ON s.source = 'pomi' AND s.pomi_field = f.field
LEFT JOIN build_practice p ON p.practice_code = f.practice_code
JOIN date_release r ON r.attr_date = f.month
WHERE f.month >= $1 AND last_day(f.month) <= $2
GROUP BY ALL
