-- Practices users can move to, by move group (sub-ICB location) and index: JSON arrays $1 group;
-- $2 index in the group; $3 practice number (see demo_practice).
CREATE TEMP TABLE demo_move_target AS
SELECT
  unnest(from_json($1, '["INTEGER"]')) AS move_group,
  unnest(from_json($2, '["INTEGER"]')) AS move_index,
  unnest(from_json($3, '["INTEGER"]')) AS practice
