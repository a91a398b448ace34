-- Whether the build stored the peer bands of this rate as it is now computed: same numerator, multiplier and
-- patient scale. $1 rate id, $2 numerator id or '', $3 multiplier, $4 patient scale.
SELECT count(*) > 0 AS stored
FROM peer_band_metric
WHERE metric_id = $1 AND numerator_id = $2 AND multiplier = $3 AND patient_scale = $4
