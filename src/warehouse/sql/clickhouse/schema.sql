-- The unique-user and roll-up steps of the build on ClickHouse (ADR 0027): the tables of ONE shard. In a
-- cluster every shard holds these local tables; `distributed.sql` puts the Distributed tables over them. Events
-- are sharded by cityHash64(user_id), so each user's events, per-period state and per-user monthly state lie
-- on one shard and the per-shard counts add up exactly. The reference tables (practice keys, ancestries,
-- the release in force per date, the metric selectors) are small and the same on every shard.
CREATE TABLE IF NOT EXISTS event (
  event_id String,
  event_time DateTime64(6, 'UTC'),
  -- The Europe/London date, computed by ClickHouse's own time-zone database (BST edges included).
  event_date Date MATERIALIZED toDate(event_time, 'Europe/London'),
  event_type LowCardinality(String),
  user_id String,
  practice_code Nullable(String),
  identity_level LowCardinality(String),
  channel LowCardinality(String),
  p9_route Nullable(String),
  record_type Nullable(String),
  provider Nullable(String),
  service Nullable(String)
) ENGINE = MergeTree ORDER BY (event_date, user_id);

-- Recognised practice codes and their keys (anything else counts as Unknown).
CREATE TABLE IF NOT EXISTS build_practice (practice_code String, practice_key Int32) ENGINE = Memory;
-- Each practice's ancestors on today's structure, and under each practice-map release (as recorded).
CREATE TABLE IF NOT EXISTS anc_current (
  practice_key Int32, pcn_key Int32, sub_icb_key Int32, icb_key Int32, region_key Int32
) ENGINE = Memory;
CREATE TABLE IF NOT EXISTS anc_recorded (
  release Date, practice_key Int32, pcn_key Int32, sub_icb_key Int32, icb_key Int32, region_key Int32
) ENGINE = Memory;
-- The practice-map release in force on each date.
CREATE TABLE IF NOT EXISTS date_release (attr_date Date, release Date) ENGINE = Memory;
-- Which events each metric counts (one row per metric and event type), as in the DuckDB build.
CREATE TABLE IF NOT EXISTS metric_selector (
  metric_key Int16,
  kind LowCardinality(String),
  sig_key UInt16,
  event_type LowCardinality(String),
  identity_level Nullable(String),
  record_type Nullable(String),
  channel Nullable(String),
  provider Nullable(String),
  service Nullable(String),
  p9_route Nullable(String)
) ENGINE = Memory;

-- Each user's last qualifying event per selector and period (grain 0 week, 1 month), for this build.
CREATE TABLE IF NOT EXISTS user_period (
  sig_key UInt16, grain UInt8, period_start Date, user_id String, practice_key Int32, attr_date Date
) ENGINE = MergeTree ORDER BY (sig_key, grain, period_start, user_id);
-- The per-user monthly state kept between builds: rolling 12-month users are computed from it.
CREATE TABLE IF NOT EXISTS user_month (
  sig_key UInt16, month Date, user_id String, practice_key Int32, attr_date Date
) ENGINE = MergeTree ORDER BY (sig_key, user_id, month);
-- Practice-level figures (n users) per metric, grain, period and the release in force on the attribution date.
CREATE TABLE IF NOT EXISTS fact (
  metric_key Int16, grain UInt8, period_start Date, practice_key Int32, release Date, n UInt64
) ENGINE = MergeTree ORDER BY (metric_key, grain, period_start, practice_key);
-- Figures at every level (structure 0 current, 1 as recorded), as the serving store receives them.
CREATE TABLE IF NOT EXISTS cell (
  structure UInt8, metric_key Int16, grain UInt8, period_start Date, area_key Int32, value UInt64
) ENGINE = MergeTree ORDER BY (metric_key, area_key, structure, grain, period_start)
