-- The build's named steps (src/metrics/build.ts, BUILD_STEPS; `build --explain`) with their wall-clock time,
-- one row per step of each committed build, written in the build's transaction beside its build_log row.
-- Written in SQL that PostgreSQL also accepts.
CREATE TABLE build_step (
  build_id INTEGER NOT NULL,        -- build_log.build_id
  step_no INTEGER NOT NULL,         -- 1, 2, … in the order run
  step VARCHAR NOT NULL,            -- the step's name
  millis DECIMAL(12, 3) NOT NULL,   -- wall-clock milliseconds
  PRIMARY KEY (build_id, step_no)
);
