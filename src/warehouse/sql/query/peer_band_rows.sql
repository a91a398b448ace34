-- The stored peer bands of one rate (build step peer-bands), as peers_rate_bands.sql gives them, in one
-- round trip with whether the build stored that rate as it is now computed (same numerator, multiplier and
-- patient scale): `stored` false (one row of NULLs) means compute them; stored without bands in the range
-- gives one row with a NULL period.
-- $1 rate id, $2 level, $3 grain, $4 first period start, $5 last period start, $6 numerator id or '',
-- $7 multiplier, $8 patient scale.
WITH ok AS (
  SELECT count(*) > 0 AS stored
  FROM peer_band_metric
  WHERE metric_id = $1 AND numerator_id = $6 AND multiplier = $7 AND patient_scale = $8
)
SELECT ok.stored, b.period_start, b.n, [b.p10, b.p25, b.p50, b.p75, b.p90] AS q
FROM ok
LEFT JOIN peer_band b
  ON ok.stored AND b.metric_id = $1 AND b.area_level = $2 AND b.grain = $3
 AND b.period_start BETWEEN $4 AND $5
ORDER BY b.period_start
