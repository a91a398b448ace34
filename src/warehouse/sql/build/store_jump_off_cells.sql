INSERT INTO jump_off_cell
SELECT structure, metric_key, dim_key, grain, period_start, area_key, value FROM cell_build WHERE dim_key <> 0
