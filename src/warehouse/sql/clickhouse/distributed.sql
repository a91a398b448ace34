-- Production only (ADR 0027): the Distributed tables over the shards' local tables of schema.sql, created in
-- database {db} on cluster {cluster} (from configuration). Inserts into `event_all` go to the shard of
-- cityHash64(user_id) % the shards' total weight, so each user's events live on one shard; the user steps run
-- on every shard at once (`INSERT INTO fact SELECT ... FROM event` with distributed_group_by_no_merge = 1 and
-- parallel_distributed_insert_select = 2, each shard reading and writing its own local tables), and the
-- roll-up reads `fact_all`, whose partial sums ClickHouse adds up exactly on the initiator.
-- Not run by the tests (embedded ClickHouse has no cluster): they emulate the shards as databases.
CREATE TABLE IF NOT EXISTS event_all ON CLUSTER '{cluster}' AS event
  ENGINE = Distributed('{cluster}', currentDatabase(), event, cityHash64(user_id));
CREATE TABLE IF NOT EXISTS user_month_all ON CLUSTER '{cluster}' AS user_month
  ENGINE = Distributed('{cluster}', currentDatabase(), user_month, cityHash64(user_id));
CREATE TABLE IF NOT EXISTS fact_all ON CLUSTER '{cluster}' AS fact
  ENGINE = Distributed('{cluster}', currentDatabase(), fact, rand())
