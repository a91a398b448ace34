-- The stored peer bands of one rate (build step peer-bands), as peers_rate_bands.sql gives them.
-- $1 rate id, $2 level, $3 grain, $4 first period start, $5 last period start.
SELECT period_start, n, [p10, p25, p50, p75, p90] AS q
FROM peer_band
WHERE metric_id = $1 AND area_level = $2 AND grain = $3 AND period_start BETWEEN $4 AND $5
ORDER BY period_start
