-- Adds the computed figures to the cube (the jump-off breakdown goes to store_jump_off_cells), ordered by
-- metric and area: pages and the API read one metric of one area (or one area's metrics) at a time, and with
-- the cube in this order DuckDB's zone maps skip almost all of it (a series read drops from ~50 ms to ~10 ms
-- on the national demo cube). An incremental build appends its recent periods as a further sorted run.
INSERT INTO metric_cell
SELECT structure, metric_key, grain, period_start, area_key, value, uncovered FROM cell_build WHERE dim_key = 0
ORDER BY metric_key, area_key, structure, grain, period_start
