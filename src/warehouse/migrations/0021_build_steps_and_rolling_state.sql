-- Build steps (issue 9) and the rolling 12-month state (issue 15).
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

-- The rolling 12-month users' state at one month (ADR 0034): for each unique-12-month selector and user active
-- in the 12 months ending with `month`, their most recent active month with its practice and attribution
-- date. A build carries it forward a month at a time with the users joining and leaving, instead of reading a
-- year of user_month. Holds one month's state (the month before the last month with events). user_id holds
-- the user's integer key (user_dim), and keeps this per-user table out of published figures (ADR 0026).
CREATE TABLE user_12m (
  month DATE NOT NULL,
  sig VARCHAR NOT NULL,
  user_id INTEGER NOT NULL,
  last_month DATE NOT NULL,
  practice_key INTEGER NOT NULL,
  attr_date DATE NOT NULL
);
