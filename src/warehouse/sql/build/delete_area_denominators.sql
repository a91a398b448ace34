-- Denominators of the periods from the one containing $1 (all of them on a full build), about to be recomputed.
DELETE FROM area_den_cell
WHERE period_start >= CASE grain WHEN 0 THEN CAST(date_trunc('week', $1::DATE) AS DATE)
                                 ELSE CAST(date_trunc('month', $1::DATE) AS DATE) END
