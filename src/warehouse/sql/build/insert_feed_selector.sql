-- $1 metric id, $2 source, $3 snapshot column, $4 POMI field, $5 device type, $6 provider, $7 service.
INSERT INTO feed_selector
SELECT metric_key, $2, $3, $4, $5, $6, $7 FROM metric_dim WHERE metric_id = $1
