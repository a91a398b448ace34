-- One row per feature event (prescription ordered, record viewed, jump-off …): the session's n-th event
-- follows its login by n × 15 s – 2¼ min (never past the window end); its kind is drawn from the level's
-- distribution through demo_feature_cell. The London month moves on when the event passes the month end.
-- $1 window end (exclusive instant, as text); $2 number of cells of demo_feature_cell.
CREATE TEMP TABLE demo_feature AS
WITH f AS (
  SELECT
    k,
    j,
    f,
    event_time AS login_time,
    month_idx AS login_month,
    practice,
    p9,
    channel,
    hash(lk, f) AS fk
  FROM (SELECT *, unnest(range(n_features)) AS f FROM demo_login WHERE n_features > 0)
),
d AS (
  SELECT
    *,
    (hash(xor(fk, 1::UBIGINT)) >> 11)::DOUBLE / 9007199254740992.0 AS u_type,
    (hash(xor(fk, 2::UBIGINT)) >> 11)::DOUBLE / 9007199254740992.0 AS u_offset
  FROM f
),
x AS (
  SELECT
    *,
    least(
      login_time + to_microseconds(((f + 1) * (15 + 120 * u_offset) * 1000000)::BIGINT),
      $1::TIMESTAMPTZ - INTERVAL 1 MICROSECOND
    ) AS event_time,
    ((CASE WHEN p9 THEN 1 ELSE 0 END) * $2 + least(floor(u_type * $2), $2 - 1))::INTEGER AS feature_key
  FROM d
)
SELECT
  x.k,
  x.j,
  x.f::UTINYINT AS f,
  x.event_time,
  CASE WHEN x.event_time >= m.month_end THEN x.login_month + 1 ELSE x.login_month END AS month_idx,
  x.practice,
  x.p9,
  x.channel,
  (CASE WHEN x.u_type >= c.boundary THEN c.type_b ELSE c.type_a END)::SMALLINT AS type_id
FROM x
JOIN demo_feature_cell c ON c.feature_key = x.feature_key
JOIN demo_month m ON m.month_idx = x.login_month
