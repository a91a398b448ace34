-- How many releases of a kind were loaded from a file with this content hash. $1 = kind, $2 = sha256.
SELECT count(*) AS n
FROM reference_release
WHERE kind = $1 AND sha256 = $2
