-- Rewrites the detail of one audit row (the running count of an aggregated row). $1 = audit id, $2 = detail.
UPDATE audit_log SET detail = $2 WHERE audit_id = $1
