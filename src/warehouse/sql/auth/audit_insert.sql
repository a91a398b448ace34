-- Appends to the audit log. $1 = at (ISO), $2 = actor user id, $3 = action, $4 = target, $5 = outcome,
-- $6 = detail, $7 = client hash. Returns the new row's id.
INSERT INTO audit_log (occurred_at, actor_user_id, action, target, outcome, detail, client_hash)
VALUES ($1::TIMESTAMP, $2, $3, $4, $5, $6, $7)
RETURNING audit_id
