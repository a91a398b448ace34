-- Refresh runs (issue 10 item 2): every refresh the server (or the CLI) ran over the inbox, with each file's
-- outcome. Written outside the loads' transactions, so a failed or killed run still leaves its row (a run
-- left 'running' by a killed process is marked 'interrupted' at the next start).
CREATE TABLE refresh_run (
  run_id INTEGER PRIMARY KEY,
  triggered_by VARCHAR NOT NULL,    -- schedule | admin | cli
  started_at TIMESTAMP NOT NULL,    -- UTC
  finished_at TIMESTAMP,            -- UTC; NULL while running or when interrupted
  status VARCHAR NOT NULL,          -- running | succeeded | files-rejected | failed | interrupted
  files_loaded INTEGER NOT NULL DEFAULT 0,
  files_already_loaded INTEGER NOT NULL DEFAULT 0,
  files_rejected INTEGER NOT NULL DEFAULT 0,
  files_waiting INTEGER NOT NULL DEFAULT 0,
  rows_loaded BIGINT NOT NULL DEFAULT 0,
  rows_rejected BIGINT NOT NULL DEFAULT 0,
  build_kind VARCHAR,               -- full | incremental; NULL when nothing needed building
  first_period DATE,                -- first and last week or month the build recomputed
  last_period DATE,
  figures_written BIGINT,
  data_version INTEGER,             -- after the run's build
  error VARCHAR                     -- why the run failed (the build or the inbox), NULL otherwise
);

CREATE TABLE refresh_file (
  run_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  file_name VARCHAR NOT NULL,       -- base name as dropped into the inbox
  kind VARCHAR,                     -- events | reference | a feed kind; NULL when the name was not recognised
  outcome VARCHAR NOT NULL,         -- loaded | already-loaded | rejected | waiting
  rows_loaded BIGINT NOT NULL DEFAULT 0,
  rows_rejected BIGINT NOT NULL DEFAULT 0,
  line INTEGER,                     -- the first problem of a rejected file (or of rejected rows)
  field VARCHAR,
  reason VARCHAR,
  moved_to VARCHAR,                 -- where the file went: loaded/NAME or rejected/NAME; NULL when it waits
  PRIMARY KEY (run_id, seq)
);
