-- $1 release id, $2 month (first day), $3 files, $4 notes, $5 disclosure, $6 data version.
INSERT INTO open_data_release VALUES ($1, $2::DATE, CAST(now() AS TIMESTAMP), $3, $4, $5, $6)
