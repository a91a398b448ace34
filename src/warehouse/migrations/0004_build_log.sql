-- Every metric build that committed, one row each (written inside the build's transaction, so a failed
-- build leaves no row). Shown on the About and admin pages. Written in SQL that PostgreSQL also accepts.
CREATE TABLE build_log (
  build_id INTEGER PRIMARY KEY,
  started_at TIMESTAMP NOT NULL,    -- UTC
  finished_at TIMESTAMP NOT NULL,   -- UTC
  kind VARCHAR NOT NULL,            -- full | incremental
  first_period DATE,                -- first day of the earliest week or month recomputed (NULL: nothing)
  last_period DATE,                 -- first day of the latest week or month recomputed
  rows_written BIGINT NOT NULL,     -- figures (re)computed and written to metric_value
  data_version INTEGER NOT NULL,    -- warehouse data version after the build (keys HTTP caches)
  events_total BIGINT NOT NULL      -- activity events in the warehouse when the build ran
);
