-- The practice-map release in force on each date from $1 to $2: the latest on or before it, else the first.
CREATE OR REPLACE TEMP TABLE date_release AS
SELECT CAST(d AS DATE) AS attr_date,
       coalesce((SELECT max(release) FROM build_release WHERE release <= CAST(d AS DATE)),
                (SELECT min(release) FROM build_release)) AS release
FROM generate_series(CAST($1::DATE AS TIMESTAMP), CAST($2::DATE AS TIMESTAMP), INTERVAL 1 DAY) t(d)
