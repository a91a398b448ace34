-- How many 13+ patient denominators are stored, per grain and level (today's structure only).
SELECT 'current' AS structure, grain, area_level, count(*) AS cells, min(period_start) AS first,
       max(period_start) AS last
FROM area_denominator
GROUP BY ALL
