-- How many cells the cube stores for metric $1, per structure, grain and level (`metrics explain`).
SELECT structure, grain, area_level, count(*) AS cells, min(period_start) AS first, max(period_start) AS last
FROM metric_value
WHERE metric_id = $1
GROUP BY ALL
