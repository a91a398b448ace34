-- The releases of one reference kind already loaded. $1 = kind.
SELECT CAST(extract_date AS VARCHAR) AS extract_date, sha256, row_count
FROM reference_release
WHERE kind = $1
ORDER BY extract_date
