-- One row per login (= session). A user's logins are spread between their registration and the window
-- end by inverse CDF of the login weights (day, then hour, each by an equality-join lookup; then uniform
-- within the hour); the user's practice, identity level and channel follow from the login's position;
-- the session's number of feature events is Poisson by identity level. Kept narrow and numeric (practice
-- numbers, P9 flag, channel number): ids and strings are built when the files are written.
-- $1 total login weight; $2 share of sessions with no practice code; $3 probability of a session on a
-- freshly drawn channel; $4 channel lower bounds (JSON, 3 numbers: ios, android, web); $5 cumulative
-- Poisson probabilities of 0 … 5 feature events in a P9 session (JSON, 6 numbers; else 6); $6 the same for
-- P5 sessions; $7 cells of demo_day_cell; $8 cells of demo_hour_cell.
-- (from_json of a parameter is folded to a constant: parsed once, not per row.)
CREATE TEMP TABLE demo_login AS
WITH l AS (
  SELECT
    x.k,
    x.j,
    x.lk,
    u.home,
    u.closure_at,
    u.successor,
    u.move_pos,
    u.move_dest,
    u.uplift_pos,
    u.starts_p9,
    u.channel,
    u.reg_pos + ((hash(xor(x.lk, 1::UBIGINT)) >> 11)::DOUBLE / 9007199254740992.0) * ($1 - u.reg_pos) AS v
  FROM demo_login_key x
  JOIN demo_user u ON u.k = x.k
),
by_day AS (
  SELECT
    l.*,
    CASE WHEN l.v >= c.boundary THEN c.b_day ELSE c.a_day END AS day_index,
    CASE WHEN l.v >= c.boundary THEN (l.v - c.b_lo) / c.b_w ELSE (l.v - c.a_lo) / c.a_w END AS x,
    CASE WHEN l.v >= c.boundary THEN c.b_kind ELSE c.a_kind END AS day_kind
  FROM l
  JOIN demo_day_cell c ON c.cell = least(floor(l.v / $1 * $7), $7 - 1)::INTEGER
),
by_hour AS (
  SELECT b.*, CASE WHEN b.x >= c.boundary THEN c.hour_b ELSE c.hour_a END AS hour
  FROM by_day b
  JOIN demo_hour_cell c ON c.hour_key = (b.day_kind * $8 + least(floor(b.x * $8), $8 - 1))::INTEGER
),
timed AS (
  SELECT
    h.*,
    s.utc_start + to_microseconds(
      floor(least(greatest((h.x - s.hour_lo) / s.hour_w, 0.0), 0.999999999) * s.length_us)::BIGINT
    ) AS event_time,
    s.month_idx,
    h.starts_p9 OR h.v >= h.uplift_pos AS p9,
    hash(xor(h.lk, 2::UBIGINT)) AS hh,
    (hash(xor(h.lk, 3::UBIGINT)) >> 11)::DOUBLE / 9007199254740992.0 AS u_features
  FROM by_hour h
  JOIN demo_slot s ON s.slot = h.day_index * 24 + h.hour
),
u AS (
  -- Three 21-bit uniforms from one hash: enough resolution for these small categorical draws.
  SELECT
    *,
    (hh & 2097151)::DOUBLE / 2097152.0 AS u_unknown,
    ((hh >> 21) & 2097151)::DOUBLE / 2097152.0 AS u_switch,
    ((hh >> 42) & 2097151)::DOUBLE / 2097152.0 AS u_other
  FROM timed
)
SELECT
  k,
  j,
  lk,
  event_time,
  month_idx,
  CASE
    WHEN u_unknown < $2 THEN NULL
    WHEN v >= move_pos THEN move_dest
    WHEN v >= closure_at THEN successor
    ELSE home
  END AS practice,
  coalesce(p9, false) AS p9,
  CASE
    WHEN u_switch >= $3 THEN channel
    WHEN u_other >= from_json($4, '["DOUBLE"]')[3] THEN 2
    WHEN u_other >= from_json($4, '["DOUBLE"]')[2] THEN 1
    ELSE 0
  END::UTINYINT AS channel,
  CASE WHEN p9 THEN
    CASE
      WHEN u_features < from_json($5, '["DOUBLE"]')[1] THEN 0
      WHEN u_features < from_json($5, '["DOUBLE"]')[2] THEN 1
      WHEN u_features < from_json($5, '["DOUBLE"]')[3] THEN 2
      WHEN u_features < from_json($5, '["DOUBLE"]')[4] THEN 3
      WHEN u_features < from_json($5, '["DOUBLE"]')[5] THEN 4
      WHEN u_features < from_json($5, '["DOUBLE"]')[6] THEN 5
      ELSE 6
    END
  ELSE
    CASE
      WHEN u_features < from_json($6, '["DOUBLE"]')[1] THEN 0
      WHEN u_features < from_json($6, '["DOUBLE"]')[2] THEN 1
      WHEN u_features < from_json($6, '["DOUBLE"]')[3] THEN 2
      WHEN u_features < from_json($6, '["DOUBLE"]')[4] THEN 3
      WHEN u_features < from_json($6, '["DOUBLE"]')[5] THEN 4
      WHEN u_features < from_json($6, '["DOUBLE"]')[6] THEN 5
      ELSE 6
    END
  END::UTINYINT AS n_features
FROM u
