-- Gives every catalogue metric id a stable small key (existing keys are never changed). $1 list of ids.
INSERT INTO metric_dim
SELECT (SELECT coalesce(max(metric_key), 0) FROM metric_dim) + row_number() OVER (ORDER BY id), id
FROM (SELECT DISTINCT unnest($1::VARCHAR[]) AS id)
WHERE id NOT IN (SELECT metric_id FROM metric_dim)
