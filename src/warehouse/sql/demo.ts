/**
 * Synthetic demo data generated in the warehouse (src/demo/generate.ts), calibrated to published figures.
 *
 * One exported query object per statement (ADR 0039): import it, pass it to the database (`db.all(q, params)`);
 * positional parameters $1, $2 … only, never values written into the text.
 */
import { query } from '../query.ts';

/**
 * Lookup for the day of a login-weight position v by equality join (no search): [0, total) is cut into
 * $1 equal cells, narrower than any day; cell floor(v / $2 * $1) gives the day at the cell's start
 * (a_*), or the next day (b_*) when v is at or above the boundary. $2 total login weight.
 */
export const createDayCells = query('demo.createDayCells')`
CREATE TEMP TABLE demo_day_cell AS
WITH d AS (
  SELECT
    day_index,
    login_lo AS lo,
    login_w,
    day_kind,
    lead(login_lo, 1, $2::DOUBLE) OVER (ORDER BY day_index) AS hi,
    lead(day_index, 1, day_index) OVER (ORDER BY day_index) AS next_day,
    lead(login_lo, 1, login_lo) OVER (ORDER BY day_index) AS next_lo,
    lead(login_w, 1, login_w) OVER (ORDER BY day_index) AS next_w,
    lead(day_kind, 1, day_kind) OVER (ORDER BY day_index) AS next_kind
  FROM demo_day
)
SELECT
  cell::INTEGER AS cell,
  hi AS boundary,
  day_index AS a_day,
  lo AS a_lo,
  login_w AS a_w,
  day_kind AS a_kind,
  next_day AS b_day,
  next_lo AS b_lo,
  next_w AS b_w,
  next_kind AS b_kind
FROM (SELECT *, unnest(range(ceil(lo / $2 * $1)::BIGINT, ceil(hi / $2 * $1)::BIGINT)) AS cell FROM d)
WHERE cell < $1
`;

/**
 * The window's London days: cumulative login weight at the start of the day, the day's login weight and
 * its kind (1 = the 23-hour day the clocks go forward, else 0). JSON arrays: $1 login weight before the
 * day; $2 the day's login weight; $3 kind.
 */
export const createDays = query('demo.createDays')`
CREATE TEMP TABLE demo_day AS
SELECT
  (generate_subscripts(from_json($1, '["DOUBLE"]'), 1) - 1)::INTEGER AS day_index,
  unnest(from_json($1, '["DOUBLE"]')) AS login_lo,
  unnest(from_json($2, '["DOUBLE"]')) AS login_w,
  unnest(from_json($3, '["INTEGER"]')) AS day_kind
`;

/**
 * Lookup for the kind of a feature event by equality join (no search) on p9 * $1 + floor(u * $1)
 * (p9 = 1 in P9 sessions, 0 in P5 ones): [0, 1) is cut into $1 equal cells, narrower than any kind's
 * probability, so a cell holds at most one boundary; it gives the kind at its start, or the next kind
 * when u is at or above the boundary.
 */
export const createFeatureCells = query('demo.createFeatureCells')`
CREATE TEMP TABLE demo_feature_cell AS
WITH t AS (
  SELECT
    CASE WHEN identity_level = 'P9' THEN 1 ELSE 0 END AS p9,
    type_id,
    lo,
    lead(lo, 1, 1.0) OVER (PARTITION BY identity_level ORDER BY lo) AS hi,
    lead(type_id, 1, type_id) OVER (PARTITION BY identity_level ORDER BY lo) AS next_type
  FROM demo_feature_type
)
SELECT (p9 * $1 + cell)::INTEGER AS feature_key, type_id AS type_a, hi AS boundary, next_type AS type_b
FROM (SELECT *, unnest(range(ceil(lo * $1)::BIGINT, ceil(hi * $1)::BIGINT)) AS cell FROM t)
WHERE cell < $1
`;

/**
 * In-session feature events: per identity level, each kind's id and cumulative probability (lower bound).
 * JSON arrays: $1 level; $2 type id; $3 lower bound; $4 event type; $5 record type; $6 provider;
 * $7 service (null where not applicable).
 */
export const createFeatureTypes = query('demo.createFeatureTypes')`
CREATE TEMP TABLE demo_feature_type AS
SELECT
  unnest(from_json($1, '["VARCHAR"]')) AS identity_level,
  unnest(from_json($2, '["INTEGER"]')) AS type_id,
  unnest(from_json($3, '["DOUBLE"]')) AS lo,
  unnest(from_json($4, '["VARCHAR"]')) AS event_type,
  unnest(from_json($5, '["VARCHAR"]')) AS record_type,
  unnest(from_json($6, '["VARCHAR"]')) AS provider,
  unnest(from_json($7, '["VARCHAR"]')) AS service
`;

/**
 * One row per feature event (prescription ordered, record viewed, jump-off …): the session's n-th event
 * follows its login by n × 15 s – 2¼ min (never past the window end); its kind is drawn from the level's
 * distribution through demo_feature_cell. The London month moves on when the event passes the month end.
 * $1 window end (exclusive instant, as text); $2 number of cells of demo_feature_cell.
 */
export const createFeatures = query('demo.createFeatures')`
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
`;

/**
 * Lookup for the London hour of a position x in [0, 1) within a day, by equality join on
 * day kind * $1 + floor(x * $1) (day kind 0 = normal, 1 = the day the clocks go forward): $1 equal cells,
 * narrower than any hour's share. Built from the slots of the first day of each kind.
 */
export const createHourCells = query('demo.createHourCells')`
CREATE TEMP TABLE demo_hour_cell AS
WITH kinds AS (
  SELECT day_kind, min(day_index) AS day_index FROM demo_day GROUP BY day_kind
),
h AS (
  SELECT
    k.day_kind,
    s.hour,
    s.hour_lo AS lo,
    lead(s.hour_lo, 1, 1.0) OVER (PARTITION BY k.day_kind ORDER BY s.hour) AS hi,
    lead(s.hour, 1, s.hour) OVER (PARTITION BY k.day_kind ORDER BY s.hour) AS next_hour
  FROM kinds k
  JOIN demo_slot s ON s.day_index = k.day_index
)
SELECT (day_kind * $1 + cell)::INTEGER AS hour_key, hour AS hour_a, hi AS boundary, next_hour AS hour_b
FROM (SELECT *, unnest(range(ceil(lo * $1)::BIGINT, ceil(hi * $1)::BIGINT)) AS cell FROM h)
WHERE cell < $1
`;

/**
 * One row per login: the user's key, the login's number j (0 … n_logins - 1) and the login's own key.
 * A separate step: expanding and computing in one statement keeps DuckDB on one thread.
 */
export const createLoginKeys = query('demo.createLoginKeys')`
CREATE TEMP TABLE demo_login_key AS
SELECT k, j, hash(k, j) AS lk
FROM (SELECT k, unnest(range(n_logins)) AS j FROM demo_user WHERE n_logins > 0)
`;

/**
 * One row per login (= session). A user's logins are spread between their registration and the window
 * end by inverse CDF of the login weights (day, then hour, each by an equality-join lookup; then uniform
 * within the hour); the user's practice, identity level and channel follow from the login's position;
 * the session's number of feature events is Poisson by identity level. Kept narrow and numeric (practice
 * numbers, P9 flag, channel number): ids and strings are built when the files are written.
 * $1 total login weight; $2 share of sessions with no practice code; $3 probability of a session on a
 * freshly drawn channel; $4 channel lower bounds (JSON, 3 numbers: ios, android, web); $5 cumulative
 * Poisson probabilities of 0 … 5 feature events in a P9 session (JSON, 6 numbers; else 6); $6 the same for
 * P5 sessions; $7 cells of demo_day_cell; $8 cells of demo_hour_cell.
 * (from_json of a parameter is folded to a constant: parsed once, not per row.)
 */
export const createLogins = query('demo.createLogins')`
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
`;

/**
 * The London calendar months of the window: index (year * 12 + month - 1), label and the UTC instant at
 * which the next month starts. Built from demo_slot.
 */
export const createMonths = query('demo.createMonths')`
CREATE TEMP TABLE demo_month AS
SELECT
  month_idx,
  strftime(make_date(month_idx // 12, month_idx % 12 + 1, 1), '%Y-%m') AS month,
  make_date(month_idx // 12, month_idx % 12 + 1, 1) + INTERVAL 1 MONTH AS next_local,
  (make_date(month_idx // 12, month_idx % 12 + 1, 1) + INTERVAL 1 MONTH)::TIMESTAMP AT TIME ZONE 'Europe/London' AS month_end
FROM (SELECT DISTINCT month_idx FROM demo_slot)
`;

/**
 * Practices users can move to, by move group (sub-ICB location) and index: JSON arrays $1 group;
 * $2 index in the group; $3 practice number (see demo_practice).
 */
export const createMoveTargets = query('demo.createMoveTargets')`
CREATE TEMP TABLE demo_move_target AS
SELECT
  unnest(from_json($1, '["INTEGER"]')) AS move_group,
  unnest(from_json($2, '["INTEGER"]')) AS move_index,
  unnest(from_json($3, '["INTEGER"]')) AS practice
`;

/**
 * The run's practice plan (computed by the model), practices numbered 0 … n-1 in list order. JSON arrays,
 * one item per practice: $1 code; $2 synthetic users; $3 login-activity factor; $4 login-weight position
 * at which it closes (null: never); $5 number of its successor after closure (null: none); $6 move group;
 * $7 index of the practice in its move group (-1 when it is not a destination); $8 size of the move group.
 */
export const createPractices = query('demo.createPractices')`
CREATE TEMP TABLE demo_practice AS
SELECT
  (generate_subscripts(from_json($1, '["VARCHAR"]'), 1) - 1)::INTEGER AS practice,
  unnest(from_json($1, '["VARCHAR"]')) AS practice_code,
  unnest(from_json($2, '["INTEGER"]')) AS n_users,
  unnest(from_json($3, '["DOUBLE"]')) AS activity,
  unnest(from_json($4, '["DOUBLE"]')) AS closure_at,
  unnest(from_json($5, '["INTEGER"]')) AS successor,
  unnest(from_json($6, '["INTEGER"]')) AS move_group,
  unnest(from_json($7, '["INTEGER"]')) AS move_index,
  unnest(from_json($8, '["INTEGER"]')) AS move_group_size
`;

/**
 * Login segments. JSON arrays: $1 cumulative share (lower bound); $2 mean logins a month.
 */
export const createSegments = query('demo.createSegments')`
CREATE TEMP TABLE demo_segment AS
SELECT unnest(from_json($1, '["DOUBLE"]')) AS lo, unnest(from_json($2, '["DOUBLE"]')) AS mean_per_month
`;

/**
 * The window's London hour slots with their UTC bounds and weights: the inverse-CDF tables the generator
 * samples event times from. Hours that do not exist (the clocks going forward) are not in the lists.
 * $1 first day of the window (DATE); JSON arrays, one item per slot: $2 day index in the window;
 * $3 London hour; $4 login weight before the slot; $5 login weight of the slot; $6 registration weight
 * before the slot; $7 registration weight of the slot; $8 share of the day before the slot; $9 the
 * slot's share of the day.
 */
export const createSlots = query('demo.createSlots')`
CREATE TEMP TABLE demo_slot AS
WITH s AS (
  SELECT
    unnest(from_json($2, '["INTEGER"]')) AS day_index,
    unnest(from_json($3, '["INTEGER"]')) AS hour,
    unnest(from_json($4, '["DOUBLE"]')) AS login_lo,
    unnest(from_json($5, '["DOUBLE"]')) AS login_w,
    unnest(from_json($6, '["DOUBLE"]')) AS reg_lo,
    unnest(from_json($7, '["DOUBLE"]')) AS reg_w,
    unnest(from_json($8, '["DOUBLE"]')) AS hour_lo,
    unnest(from_json($9, '["DOUBLE"]')) AS hour_w
),
local AS (
  SELECT *, ($1::DATE + day_index) + hour * INTERVAL 1 HOUR AS local_start FROM s
)
SELECT
  day_index * 24 + hour AS slot,
  day_index,
  hour,
  login_lo,
  login_w,
  reg_lo,
  reg_w,
  hour_lo,
  hour_w,
  local_start::TIMESTAMP AT TIME ZONE 'Europe/London' AS utc_start,
  -- The slot ends where the next local hour starts: 2 hours for 00:00 on the day the clocks go back.
  epoch_us((local_start + INTERVAL 1 HOUR)::TIMESTAMP AT TIME ZONE 'Europe/London')
    - epoch_us(local_start::TIMESTAMP AT TIME ZONE 'Europe/London') AS length_us,
  -- The London calendar month, as year * 12 + month - 1.
  (year(local_start) * 12 + month(local_start) - 1)::INTEGER AS month_idx
FROM local
`;

/**
 * The synthetic users: one row per user registered by the end of the window, with every per-user draw.
 * Positions are on the login-weight scale of the window (0 = its start, $3 = its end): the user registers,
 * uplifts and moves at positions, and a login's position decides the user's state at that login.
 * NULL positions mean "never" (comparisons with them are never true).
 * Uniforms: DuckDB combines the arguments of hash() linearly, so hash(k, 1) and hash(k, 2) are strongly
 * related; each draw hashes the key xor a distinct tag instead, which gives independent uniforms.
 * $1 seed; $2 share registered before the window; $3 total login weight; $4 total registration weight;
 * $5 P9 share of users registered before the window; $6 P9 share of new registrations; $7 P5 users'
 * uplift share; $8 share of users who move practice; JSON arrays of 3: $9 P9 route lower bounds;
 * $10 route names; $11 channel lower bounds.
 */
export const createUsers = query('demo.createUsers')`
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
`;

/**
 * Drops the generator's temporary tables.
 */
export const dropTemp = query('demo.dropTemp')`
DROP TABLE IF EXISTS demo_feature;
DROP TABLE IF EXISTS demo_login;
DROP TABLE IF EXISTS demo_login_key;
DROP TABLE IF EXISTS demo_user;
DROP TABLE IF EXISTS demo_feature_cell;
DROP TABLE IF EXISTS demo_feature_type;
DROP TABLE IF EXISTS demo_segment;
DROP TABLE IF EXISTS demo_move_target;
DROP TABLE IF EXISTS demo_practice;
DROP TABLE IF EXISTS demo_month;
DROP TABLE IF EXISTS demo_hour_cell;
DROP TABLE IF EXISTS demo_day_cell;
DROP TABLE IF EXISTS demo_day;
DROP TABLE IF EXISTS demo_slot;
`;

/**
 * Every GP practice of every practice-map release, for the demo generator: where it sits in its last
 * release, when it was last listed and the first later release that no longer lists it (closed practices),
 * and its patients aged 13+: the latest practice-level figure (exact before estimated; the practice rows
 * of the 5-year-band file are estimates), else an equal share of its PCN's 13+ figure, else the mean.
 * pcnCode is NULL for practices not allocated to a PCN (PCN_NAME 'Unallocated'; code 'U' or a U-code).
 */
export const practices = query('demo.practices')`
WITH releases AS (
  SELECT DISTINCT extract_date FROM practice_map
),
last_row AS (
  SELECT *, (pcn_code = 'U' OR lower(pcn_name) = 'unallocated') AS unallocated
  FROM practice_map
  QUALIFY row_number() OVER (PARTITION BY practice_code ORDER BY extract_date DESC) = 1
),
gone AS (
  SELECT l.practice_code, min(r.extract_date) AS gone_by
  FROM last_row l
  JOIN releases r ON r.extract_date > l.extract_date
  GROUP BY l.practice_code
),
practice_13 AS (
  SELECT area_code, patients_13plus
  FROM list_size
  WHERE area_level = 'practice' AND patients_13plus IS NOT NULL AND patients_13plus > 0
  QUALIFY row_number() OVER (
    PARTITION BY area_code
    ORDER BY extract_date DESC, (kind_13plus = 'exact') DESC, source_kind
  ) = 1
),
pcn_13 AS (
  SELECT area_code, patients_13plus
  FROM list_size
  WHERE area_level = 'pcn' AND patients_13plus IS NOT NULL AND patients_13plus > 0
  QUALIFY row_number() OVER (
    PARTITION BY area_code
    ORDER BY extract_date DESC, (kind_13plus = 'exact') DESC, source_kind
  ) = 1
),
pcn_size AS (
  SELECT extract_date, pcn_code, count(*) AS practices
  FROM practice_map
  GROUP BY extract_date, pcn_code
),
known_mean AS (
  SELECT avg(patients_13plus) AS mean_13plus FROM practice_13
)
SELECT
  l.practice_code AS code,
  coalesce(
    p.patients_13plus,
    CASE WHEN NOT l.unallocated THEN c.patients_13plus / s.practices END,
    (SELECT mean_13plus FROM known_mean),
    0
  )::DOUBLE AS patients13plus,
  CASE
    WHEN p.patients_13plus IS NOT NULL THEN 'practice'
    WHEN NOT l.unallocated AND c.patients_13plus IS NOT NULL THEN 'pcn_share'
    ELSE 'mean'
  END AS list_size_source,
  CASE WHEN NOT l.unallocated THEN l.pcn_code END AS pcnCode,
  l.sub_icb_code AS subIcbCode,
  l.icb_code AS icbCode,
  strftime(l.extract_date, '%Y-%m-%d') AS lastSeen,
  strftime(g.gone_by, '%Y-%m-%d') AS goneBy
FROM last_row l
LEFT JOIN gone g ON g.practice_code = l.practice_code
LEFT JOIN practice_13 p ON p.area_code = l.practice_code
LEFT JOIN pcn_13 c ON c.area_code = l.pcn_code
LEFT JOIN pcn_size s ON s.extract_date = l.extract_date AND s.pcn_code = l.pcn_code
ORDER BY l.practice_code
`;

/**
 * Counts of the run: events by kind, users with at least one event, and months with events.
 */
export const runStats = query('demo.runStats')`
SELECT
  (SELECT count(*) FROM demo_login) AS logins,
  (SELECT count(*) FROM demo_feature) AS features,
  (SELECT count(*) FILTER (WHERE reg_time IS NOT NULL) FROM demo_user) AS registrations,
  (SELECT count(*) FILTER (WHERE uplift_time IS NOT NULL) FROM demo_user) AS uplifts,
  (SELECT count(*) FILTER (WHERE n_logins > 0 OR reg_time IS NOT NULL OR uplift_time IS NOT NULL) FROM demo_user) AS users
`;

/**
 * Registrations of the users who registered before the window, so that running totals and the share of
 * patients registered start from the App's whole history, not from the window. One event per such user,
 * dated between the App's launch (1 January 2019) and the window start, more of them later (density
 * rising as t^0.67, as uptake accelerated). $1 microseconds from launch to the window start; $2 channels (JSON).
 */
export const writeHistory = query('demo.writeHistory')`
SELECT
  u.user_id || '-r-0' AS event_id,
  TIMESTAMPTZ '2019-01-01 00:00:00+00'
    + to_microseconds(floor(pow((hash(xor(u.k, 14::UBIGINT)) >> 11)::DOUBLE / 9007199254740992.0, 0.6) * $1)::BIGINT)
    AS event_time,
  'registration' AS event_type,
  u.user_id || '-r' AS session_id,
  u.user_id,
  p.practice_code,
  CASE WHEN u.starts_p9 THEN 'P9' ELSE 'P5' END AS identity_level,
  from_json($2, '["VARCHAR"]')[u.channel + 1] AS channel,
  CASE WHEN u.starts_p9 THEN u.reg_route END AS p9_route,
  NULL::VARCHAR AS record_type,
  NULL::VARCHAR AS provider,
  NULL::VARCHAR AS service
FROM demo_user u
LEFT JOIN demo_practice p ON p.practice = u.home
WHERE u.reg_month IS NULL
`;

/**
 * The canonical events of one London calendar month (the caller wraps it in COPY … TO a Parquet file).
 * Ids: user id = the user's 64-bit key in hex; session id = user id + '-' + login number ('-r' for the
 * registration session, '-u' for the uplift session); event id = session id + '-' + number in the session.
 * $1 month index (year * 12 + month - 1); $2 channel names (JSON, 3 strings: ios, android, web).
 */
export const writeMonth = query('demo.writeMonth')`
WITH logins AS (
  SELECT l.*, printf('%016x', l.k) AS user_id, p.practice_code
  FROM demo_login l
  LEFT JOIN demo_practice p ON p.practice = l.practice
  WHERE l.month_idx = $1
),
features AS (
  SELECT f.*, printf('%016x', f.k) AS user_id, p.practice_code, t.event_type, t.record_type, t.provider, t.service
  FROM demo_feature f
  JOIN demo_feature_type t ON t.type_id = f.type_id
  LEFT JOIN demo_practice p ON p.practice = f.practice
  WHERE f.month_idx = $1
),
users AS (
  SELECT u.*, r.practice_code AS reg_practice_code, up.practice_code AS uplift_practice_code
  FROM demo_user u
  LEFT JOIN demo_practice r ON r.practice = u.reg_practice
  LEFT JOIN demo_practice up ON up.practice = u.uplift_practice
  WHERE u.reg_month = $1 OR u.uplift_month = $1
)
SELECT
  user_id || '-' || j || '-0' AS event_id,
  event_time,
  'login' AS event_type,
  user_id || '-' || j AS session_id,
  user_id,
  practice_code,
  CASE WHEN p9 THEN 'P9' ELSE 'P5' END AS identity_level,
  from_json($2, '["VARCHAR"]')[channel + 1] AS channel,
  NULL::VARCHAR AS p9_route,
  NULL::VARCHAR AS record_type,
  NULL::VARCHAR AS provider,
  NULL::VARCHAR AS service
FROM logins
UNION ALL
SELECT
  user_id || '-' || j || '-' || (f + 1),
  event_time,
  event_type,
  user_id || '-' || j,
  user_id,
  practice_code,
  CASE WHEN p9 THEN 'P9' ELSE 'P5' END,
  from_json($2, '["VARCHAR"]')[channel + 1],
  NULL,
  record_type,
  provider,
  service
FROM features
UNION ALL
-- Registrations in the window, in their own session.
SELECT
  user_id || '-r-0',
  reg_time,
  'registration',
  user_id || '-r',
  user_id,
  reg_practice_code,
  CASE WHEN starts_p9 THEN 'P9' ELSE 'P5' END,
  from_json($2, '["VARCHAR"]')[channel + 1],
  CASE WHEN starts_p9 THEN reg_route END,
  NULL,
  NULL,
  NULL
FROM users
WHERE reg_month = $1
UNION ALL
-- P5 users proving their identity to P9, in their own session.
SELECT
  user_id || '-u-0',
  uplift_time,
  'identity_uplift',
  user_id || '-u',
  user_id,
  uplift_practice_code,
  'P9',
  from_json($2, '["VARCHAR"]')[channel + 1],
  uplift_route,
  NULL,
  NULL,
  NULL
FROM users
WHERE uplift_month = $1
`;
