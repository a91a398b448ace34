-- Denominators of the periods from the one containing $1 (all of them on a full build), about to be recomputed.
DELETE FROM area_denominator WHERE period_start >= CAST(date_trunc(grain, $1::DATE) AS DATE)
