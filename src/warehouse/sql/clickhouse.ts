/**
 * The unique-user and roll-up steps of the build on ClickHouse (ADR 0027): each entry may hold several statements.
 *
 * One exported query object per statement (ADR 0039): import it, pass it to the database (`db.all(q, params)`);
 * positional parameters $1, $2 … only, never values written into the text.
 */
import { query } from '../query.ts';

/**
 * The months about to be recomputed (those lying wholly within {lo}..{hi}), on one shard.
 */
export const deleteUserMonth = query('clickhouse.deleteUserMonth')`
DELETE FROM user_month WHERE month >= {lo:Date} AND toLastDayOfMonth(month) <= {hi:Date}
`;

/**
 * Production only (ADR 0027): the Distributed tables over the shards' local tables of schema, created in
 * database {db} on cluster {cluster} (from configuration). Inserts into `event_all` go to the shard of
 * cityHash64(user_id) % the shards' total weight, so each user's events live on one shard; the user steps run
 * on every shard at once (`INSERT INTO fact SELECT ... FROM event` with distributed_group_by_no_merge = 1 and
 * parallel_distributed_insert_select = 2, each shard reading and writing its own local tables), and the
 * roll-up reads `fact_all`, whose partial sums ClickHouse adds up exactly on the initiator.
 * Not run by the tests (embedded ClickHouse has no cluster): they emulate the shards as databases.
 */
export const distributed = query('clickhouse.distributed')`
CREATE TABLE IF NOT EXISTS event_all ON CLUSTER '{cluster}' AS event
  ENGINE = Distributed('{cluster}', currentDatabase(), event, cityHash64(user_id));
CREATE TABLE IF NOT EXISTS user_month_all ON CLUSTER '{cluster}' AS user_month
  ENGINE = Distributed('{cluster}', currentDatabase(), user_month, cityHash64(user_id));
CREATE TABLE IF NOT EXISTS fact_all ON CLUSTER '{cluster}' AS fact
  ENGINE = Distributed('{cluster}', currentDatabase(), fact, rand())
`;

/**
 * Unique users in the 12 months ending with each target month from {t12lo} to {t12hi}, at the practice of
 * their most recent qualifying event in those months, from the per-user monthly state (as the DuckDB build's
 * factUnique12m): a user's last event in month m is their most recent one for every target from m until
 * the month before their next active month (at most 11 months on); no target after {last_month}, the last
 * month with data. One shard: the window runs over each user's own months, which all lie on that shard.
 */
export const factUnique12m = query('clickhouse.factUnique12m')`
INSERT INTO fact
WITH spans AS (
  SELECT sig_key, practice_key, attr_date, month,
         least(
           if(next_month IS NULL, addMonths(month, 11), addMonths(assumeNotNull(next_month), -1)),
           addMonths(month, 11),
           {last_month:Date}) AS last_target
  FROM (
    SELECT sig_key, user_id, month, practice_key, attr_date,
           leadInFrame(toNullable(month)) OVER (
             PARTITION BY sig_key, user_id ORDER BY month ASC ROWS BETWEEN CURRENT ROW AND 1 FOLLOWING) AS next_month
    FROM user_month
    WHERE sig_key IN (SELECT sig_key FROM metric_selector WHERE kind = 'unique_12m')
      AND month BETWEEN addMonths({t12lo:Date}, -11) AND {t12hi:Date}
  )
),
expanded AS (
  SELECT sig_key, practice_key, attr_date,
         arrayJoin(arrayMap(i -> addMonths(greatest(month, {t12lo:Date}), i),
                            range(toUInt32(dateDiff('month', greatest(month, {t12lo:Date}),
                                                    least(last_target, {t12hi:Date})) + 1)))) AS target
  FROM spans
  WHERE last_target >= {t12lo:Date} AND month <= {t12hi:Date} AND greatest(month, {t12lo:Date}) <= least(last_target, {t12hi:Date})
)
SELECT m.metric_key, toUInt8(1), x.target, x.practice_key, r.release, count() AS n
FROM expanded x
INNER JOIN (SELECT DISTINCT metric_key, sig_key FROM metric_selector WHERE kind = 'unique_12m') m ON m.sig_key = x.sig_key
INNER JOIN date_release r ON r.attr_date = x.attr_date
GROUP BY m.metric_key, x.target, x.practice_key, r.release
`;

/**
 * Unique users per metric, week and month on one shard: each user once, at the practice of their last
 * qualifying event in the period; that event's date picks the release in force. Shards' figures add up.
 */
export const factUniquePeriod = query('clickhouse.factUniquePeriod')`
INSERT INTO fact
SELECT m.metric_key, u.grain, u.period_start, u.practice_key, r.release, count() AS n
FROM user_period u
INNER JOIN (SELECT DISTINCT metric_key, sig_key FROM metric_selector WHERE kind = 'unique') m ON m.sig_key = u.sig_key
INNER JOIN date_release r ON r.attr_date = u.attr_date
GROUP BY m.metric_key, u.grain, u.period_start, u.practice_key, r.release
`;

/**
 * Keeps each user's last qualifying event per month (the per-user monthly state), on the user's shard.
 */
export const insertUserMonth = query('clickhouse.insertUserMonth')`
INSERT INTO user_month
SELECT sig_key, period_start, user_id, practice_key, attr_date FROM user_period WHERE grain = 1
`;

/**
 * Rolls the practice figures up every level, on today's structure (0) and as recorded (1), as the DuckDB
 * build's buildSql.rollupPractices, rollupChainsCurrent and rollupAsRecorded: practice rows as they are (today's structure only),
 * then PCN, sub-ICB location, ICB, region and England ({england} = its key) by GROUPING SETS. Sums are exact,
 * so rolling up each shard's facts and adding the results gives the same cells as rolling up their sum.
 */
export const rollup = query('clickhouse.rollup')`
INSERT INTO cell
SELECT structure, metric_key, grain, period_start, area_key, sum(value) AS value
FROM (
  SELECT toUInt8(0) AS structure, metric_key, grain, period_start, practice_key AS area_key, sum(n) AS value
  FROM fact
  WHERE practice_key IN (SELECT practice_key FROM anc_current)
  GROUP BY metric_key, grain, period_start, practice_key
  UNION ALL
  SELECT toUInt8(0), metric_key, grain, period_start,
         assumeNotNull(coalesce(pcn_key, sub_icb_key, icb_key, region_key, {england:Int32})), sum(n)
  FROM fact f INNER JOIN anc_current a ON a.practice_key = f.practice_key
  GROUP BY GROUPING SETS (
    (metric_key, grain, period_start, pcn_key),
    (metric_key, grain, period_start, sub_icb_key),
    (metric_key, grain, period_start, icb_key),
    (metric_key, grain, period_start, region_key),
    (metric_key, grain, period_start))
  UNION ALL
  SELECT toUInt8(1), metric_key, grain, period_start,
         assumeNotNull(coalesce(pcn_key, sub_icb_key, icb_key, region_key, {england:Int32})), sum(n)
  FROM fact f INNER JOIN anc_recorded a ON a.release = f.release AND a.practice_key = f.practice_key
  GROUP BY GROUPING SETS (
    (metric_key, grain, period_start, pcn_key),
    (metric_key, grain, period_start, sub_icb_key),
    (metric_key, grain, period_start, icb_key),
    (metric_key, grain, period_start, region_key),
    (metric_key, grain, period_start))
)
GROUP BY structure, metric_key, grain, period_start, area_key
SETTINGS group_by_use_nulls = 1
`;

/**
 * The unique-user and roll-up steps of the build on ClickHouse (ADR 0027): the tables of ONE shard. In a
 * cluster every shard holds these local tables; `distributed` puts the Distributed tables over them. Events
 * are sharded by cityHash64(user_id), so each user's events, per-period state and per-user monthly state lie
 * on one shard and the per-shard counts add up exactly. The reference tables (practice keys, ancestries,
 * the release in force per date, the metric selectors) are small and the same on every shard.
 */
export const schema = query('clickhouse.schema')`
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
`;

/**
 * Each user's last qualifying event in each period, once per unique-user selector (as the DuckDB build's
 * buildSql.createUserPeriod): latest event_time, event_id breaking ties (argMax of a tuple). Weeks only for
 * selectors of per-period metrics, months for all. Only periods lying wholly within {lo}..{hi}. Unrecognised
 * practices count as Unknown ({unknown} = its key). Runs on one shard: its users are nobody else's.
 */
export const userPeriod = query('clickhouse.userPeriod')`
INSERT INTO user_period
WITH sel AS (
  SELECT sig_key, event_type, identity_level, record_type, channel, provider, service, p9_route,
         max(kind = 'unique') AS weekly
  FROM metric_selector
  WHERE kind IN ('unique', 'unique_12m')
  GROUP BY sig_key, event_type, identity_level, record_type, channel, provider, service, p9_route
),
qualifying AS (
  SELECT s.sig_key AS sig_key, s.weekly AS weekly, e.user_id AS user_id, e.event_time AS event_time,
         e.event_id AS event_id, e.event_date AS event_date,
         if(p.practice_key IS NULL, {unknown:Int32}, assumeNotNull(p.practice_key)) AS practice_key
  FROM event e
  INNER JOIN sel s ON e.event_type = s.event_type
  LEFT JOIN build_practice p ON p.practice_code = e.practice_code
  WHERE e.event_date BETWEEN {lo:Date} AND {hi:Date}
    AND (s.identity_level IS NULL OR e.identity_level = s.identity_level)
    AND (s.record_type IS NULL OR e.record_type = s.record_type)
    AND (s.channel IS NULL OR e.channel = s.channel)
    AND (s.provider IS NULL OR e.provider = s.provider)
    AND (s.service IS NULL OR e.service = s.service)
    AND (s.p9_route IS NULL OR e.p9_route = s.p9_route)
)
SELECT sig_key, grain, period_start, user_id,
       last.1 AS practice_key, last.2 AS attr_date
FROM (
  SELECT sig_key, grain, if(grain = 0, toMonday(event_date), toStartOfMonth(event_date)) AS period_start, user_id,
         argMax(tuple(practice_key, event_date), tuple(event_time, event_id)) AS last
  FROM qualifying
  ARRAY JOIN [toUInt8(0), toUInt8(1)] AS grain
  WHERE grain = 1 OR weekly
  GROUP BY sig_key, grain, period_start, user_id
)
WHERE period_start >= {lo:Date}
  AND if(grain = 0, period_start + 6, toLastDayOfMonth(period_start)) <= {hi:Date}
SETTINGS join_use_nulls = 1
`;
