-- Adds the recomputed figures, sorted for zone-map pruning. Run inside the build's transaction.
INSERT INTO metric_value
SELECT * FROM metric_value_build
ORDER BY structure, metric_id, area_level, area_code, grain, period_start
