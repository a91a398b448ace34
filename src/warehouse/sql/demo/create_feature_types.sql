-- In-session feature events: per identity level, each kind's id and cumulative probability (lower bound).
-- JSON arrays: $1 level; $2 type id; $3 lower bound; $4 event type; $5 record type; $6 provider;
-- $7 service (null where not applicable).
CREATE TEMP TABLE demo_feature_type AS
SELECT
  unnest(from_json($1, '["VARCHAR"]')) AS identity_level,
  unnest(from_json($2, '["INTEGER"]')) AS type_id,
  unnest(from_json($3, '["DOUBLE"]')) AS lo,
  unnest(from_json($4, '["VARCHAR"]')) AS event_type,
  unnest(from_json($5, '["VARCHAR"]')) AS record_type,
  unnest(from_json($6, '["VARCHAR"]')) AS provider,
  unnest(from_json($7, '["VARCHAR"]')) AS service
