-- How many releases of month $1 (first day) exist.
SELECT count(*) FROM open_data_release WHERE month = $1::DATE
