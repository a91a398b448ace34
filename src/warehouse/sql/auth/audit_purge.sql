-- Forgets audit rows past the retention period (AUDIT_RETENTION_DAYS). $1 = cut-off (ISO).
DELETE FROM audit_log WHERE occurred_at < $1::TIMESTAMP
