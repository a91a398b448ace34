-- Lookup for the kind of a feature event by equality join (no search) on p9 * $1 + floor(u * $1)
-- (p9 = 1 in P9 sessions, 0 in P5 ones): [0, 1) is cut into $1 equal cells, narrower than any kind's
-- probability, so a cell holds at most one boundary; it gives the kind at its start, or the next kind
-- when u is at or above the boundary.
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
