-- How many releases (of any kind) were loaded from a file with this content hash. $1 = sha256.
SELECT count(*) AS n
FROM reference_release
WHERE sha256 = $1
