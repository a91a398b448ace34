-- The synthetic users: one row per user registered by the end of the window, with every per-user draw.
-- Positions are on the login-weight scale of the window (0 = its start, $3 = its end): the user registers,
-- uplifts and moves at positions, and a login's position decides the user's state at that login.
-- NULL positions mean "never" (comparisons with them are never true).
-- Uniforms: DuckDB combines the arguments of hash() linearly, so hash(k, 1) and hash(k, 2) are strongly
-- related; each draw hashes the key xor a distinct tag instead, which gives independent uniforms.
-- $1 seed; $2 share registered before the window; $3 total login weight; $4 total registration weight;
-- $5 P9 share of users registered before the window; $6 P9 share of new registrations; $7 P5 users'
-- uplift share; $8 share of users who move practice; JSON arrays of 3: $9 P9 route lower bounds;
-- $10 route names; $11 channel lower bounds.
CREATE TEMP TABLE demo_user AS
WITH base AS (
  SELECT
    practice AS home,
    activity,
    closure_at,
    successor,
    move_group,
    move_index,
    move_group_size,
    -- The user's key; in hex it is their pseudonymous user id.
    hash($1::BIGINT, 'user', practice_code, i) AS k
  FROM (SELECT *, unnest(range(n_users)) AS i FROM demo_practice)
),
draws AS (
  SELECT
    *,
    (hash(xor(k, 1::UBIGINT)) >> 11)::DOUBLE / 9007199254740992.0 AS u_pre,
    (hash(xor(k, 2::UBIGINT)) >> 11)::DOUBLE / 9007199254740992.0 AS u_reg,
    (hash(xor(k, 3::UBIGINT)) >> 11)::DOUBLE / 9007199254740992.0 AS u_seg,
    (hash(xor(k, 4::UBIGINT)) >> 11)::DOUBLE / 9007199254740992.0 AS u_n,
    (hash(xor(k, 5::UBIGINT)) >> 11)::DOUBLE / 9007199254740992.0 AS u_level,
    (hash(xor(k, 6::UBIGINT)) >> 11)::DOUBLE / 9007199254740992.0 AS u_uplift,
    (hash(xor(k, 7::UBIGINT)) >> 11)::DOUBLE / 9007199254740992.0 AS u_uplift_at,
    (hash(xor(k, 8::UBIGINT)) >> 11)::DOUBLE / 9007199254740992.0 AS u_route,
    (hash(xor(k, 9::UBIGINT)) >> 11)::DOUBLE / 9007199254740992.0 AS u_uplift_route,
    (hash(xor(k, 10::UBIGINT)) >> 11)::DOUBLE / 9007199254740992.0 AS u_channel,
    (hash(xor(k, 11::UBIGINT)) >> 11)::DOUBLE / 9007199254740992.0 AS u_move,
    (hash(xor(k, 12::UBIGINT)) >> 11)::DOUBLE / 9007199254740992.0 AS u_move_at,
    (hash(xor(k, 13::UBIGINT)) >> 11)::DOUBLE / 9007199254740992.0 AS u_move_to
  FROM base
),
to_register AS (
  -- Position on the registration-weight scale (NULL: registered before the window).
  SELECT *, CASE WHEN u_pre >= $2 THEN u_reg * $4 END AS reg_v FROM draws
),
registered AS (
  -- Registration time and login-scale position by inverse CDF of the registration weights.
  SELECT
    d.*,
    coalesce(s.login_lo + (d.reg_v - s.reg_lo) / s.reg_w * s.login_w, 0.0) AS reg_pos,
    s.utc_start + to_microseconds(floor((d.reg_v - s.reg_lo) / s.reg_w * s.length_us)::BIGINT) AS reg_time,
    s.month_idx AS reg_month
  FROM to_register d
  ASOF LEFT JOIN demo_slot s ON d.reg_v >= s.reg_lo
),
segmented AS (
  SELECT r.*, g.mean_per_month
  FROM registered r
  ASOF JOIN demo_segment g ON r.u_seg >= g.lo
),
drawn AS (
  SELECT
    *,
    activity * mean_per_month * ($3 - reg_pos) AS mean_logins,
    CASE WHEN reg_v IS NULL THEN u_level < $5 ELSE u_level < $6 END AS starts_p9,
    CASE
      WHEN move_group_size > (CASE WHEN move_index >= 0 THEN 1 ELSE 0 END) AND u_move < $8 THEN
        CASE WHEN move_index >= 0
          THEN (move_index + 1 + floor(u_move_to * (move_group_size - 1))::INTEGER) % move_group_size
          ELSE floor(u_move_to * move_group_size)::INTEGER END
    END AS move_to_index
  FROM segmented
),
placed AS (
  SELECT
    d.*,
    CASE WHEN NOT d.starts_p9 AND d.u_uplift < $7 THEN d.reg_pos + d.u_uplift_at * ($3 - d.reg_pos) END AS uplift_pos,
    CASE WHEN t.practice IS NOT NULL THEN d.reg_pos + d.u_move_at * ($3 - d.reg_pos) END AS move_pos,
    t.practice AS move_dest
  FROM drawn d
  LEFT JOIN demo_move_target t ON t.move_group = d.move_group AND t.move_index = d.move_to_index
),
uplifted AS (
  -- Uplift time by inverse CDF of the login weights (users uplift when they use the App).
  SELECT
    p.*,
    s.utc_start + to_microseconds(floor((p.uplift_pos - s.login_lo) / s.login_w * s.length_us)::BIGINT) AS uplift_time,
    s.month_idx AS uplift_month
  FROM placed p
  ASOF LEFT JOIN demo_slot s ON p.uplift_pos >= s.login_lo
)
SELECT
  k,
  printf('%016x', k) AS user_id,
  home,
  closure_at,
  successor,
  move_pos,
  move_dest,
  reg_pos,
  reg_time,
  reg_month,
  -- Practices are numbers (demo_practice.practice) until the files are written.
  CASE WHEN reg_pos >= move_pos THEN move_dest WHEN reg_pos >= closure_at THEN successor ELSE home END AS reg_practice,
  -- A user's logins over the window: Poisson with an exponential rate, i.e. geometric (closed-form draw).
  CASE WHEN mean_logins <= 0 THEN 0
    ELSE least(floor(ln(1.0 - u_n) / ln(mean_logins / (1.0 + mean_logins))), 1000000)::INTEGER END AS n_logins,
  starts_p9,
  CASE WHEN u_route >= from_json($9, '["DOUBLE"]')[3] THEN from_json($10, '["VARCHAR"]')[3]
    WHEN u_route >= from_json($9, '["DOUBLE"]')[2] THEN from_json($10, '["VARCHAR"]')[2]
    ELSE from_json($10, '["VARCHAR"]')[1] END AS reg_route,
  uplift_pos,
  uplift_time,
  uplift_month,
  CASE WHEN u_uplift_route >= from_json($9, '["DOUBLE"]')[3] THEN from_json($10, '["VARCHAR"]')[3]
    WHEN u_uplift_route >= from_json($9, '["DOUBLE"]')[2] THEN from_json($10, '["VARCHAR"]')[2]
    ELSE from_json($10, '["VARCHAR"]')[1] END AS uplift_route,
  CASE WHEN uplift_pos >= move_pos THEN move_dest WHEN uplift_pos >= closure_at THEN successor ELSE home END AS uplift_practice,
  -- The user's main channel: 0 ios, 1 android, 2 web (the order of the channel lists).
  CASE WHEN u_channel >= from_json($11, '["DOUBLE"]')[3] THEN 2
    WHEN u_channel >= from_json($11, '["DOUBLE"]')[2] THEN 1 ELSE 0 END::UTINYINT AS channel
FROM uplifted
