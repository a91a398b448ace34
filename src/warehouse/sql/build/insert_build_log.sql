-- Records a build inside its own transaction. $1 started_at, $2 finished_at (ISO instants, UTC), $3 kind,
-- $4 first and $5 last period start recomputed, $6 rows written, $7 data version, $8 events in the warehouse.
INSERT INTO build_log
SELECT coalesce(max(build_id), 0) + 1, CAST($1::TIMESTAMPTZ AS TIMESTAMP), CAST($2::TIMESTAMPTZ AS TIMESTAMP), $3,
       $4::DATE, $5::DATE, $6, $7, $8
FROM build_log
