-- Running totals to compute: each cumulative metric and the count it accumulates. $1 cumulative ids,
-- $2 their base ids (same order).
CREATE OR REPLACE TEMP TABLE cum_map AS
SELECT c.metric_key AS cum_key, b.metric_key AS base_key
FROM (SELECT unnest($1::VARCHAR[]) AS cum_id, unnest($2::VARCHAR[]) AS base_id) m
JOIN metric_dim c ON c.metric_id = m.cum_id
JOIN metric_dim b ON b.metric_id = m.base_id
