-- Records a build inside its own transaction. $1 build id, $2 started_at, $3 finished_at (ISO instants, UTC),
-- $4 kind, $5 first and $6 last period start recomputed, $7 rows written, $8 data version, $9 events in the
-- warehouse.
INSERT INTO build_log
VALUES ($1, CAST($2::TIMESTAMPTZ AS TIMESTAMP), CAST($3::TIMESTAMPTZ AS TIMESTAMP), $4, $5::DATE, $6::DATE, $7,
        $8, $9)
