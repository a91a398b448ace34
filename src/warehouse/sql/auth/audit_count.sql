-- Entries in the audit log.
SELECT count(*) AS n FROM audit_log
