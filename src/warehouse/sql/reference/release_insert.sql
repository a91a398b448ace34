-- Records a loaded release. $1 = kind, $2 = extract date, $3 = publication, $4 = source file name,
-- $5 = sha256 of the file's (decompressed) content, $6 = rows stored.
INSERT INTO reference_release (kind, extract_date, publication, source_file, sha256, row_count, loaded_at)
VALUES ($1, CAST($2 AS DATE), $3, $4, $5, $6, CAST(now() AS TIMESTAMP))
