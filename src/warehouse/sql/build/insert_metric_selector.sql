-- $1 metric id, $2 kind, $3 sig, $4 event type, $5 identity level, $6 record type, $7 channel, $8 provider,
-- $9 service, $10 P9 route (NULL = any), $11 sig key.
INSERT INTO metric_selector
SELECT metric_key, $2, $3, $11, $4, $5, $6, $7, $8, $9, $10 FROM metric_dim WHERE metric_id = $1
