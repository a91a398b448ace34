-- Every provider and service with jump-off clicks, from events or the partners feed ($1 metric id).
SELECT DISTINCT j.provider, j.service
FROM jump_off_cell c
JOIN jump_off_dim j ON j.dim_key = c.dim_key
JOIN metric_dim m ON m.metric_key = c.metric_key
WHERE m.metric_id = $1
ORDER BY j.provider, j.service
