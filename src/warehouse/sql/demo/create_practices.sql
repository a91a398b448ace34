-- The run's practice plan (computed by the model), practices numbered 0 … n-1 in list order. JSON arrays,
-- one item per practice: $1 code; $2 synthetic users; $3 login-activity factor; $4 login-weight position
-- at which it closes (null: never); $5 number of its successor after closure (null: none); $6 move group;
-- $7 index of the practice in its move group (-1 when it is not a destination); $8 size of the move group.
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
