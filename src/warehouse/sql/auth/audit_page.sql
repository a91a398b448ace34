-- One page of the audit log, newest first, with the actor's email. $1 = limit, $2 = offset.
SELECT a.audit_id, a.occurred_at AS at, a.actor_user_id, u.email AS actor_email, a.action, a.target, a.outcome, a.detail,
  a.client_hash
FROM audit_log a
LEFT JOIN app_user u ON u.user_id = a.actor_user_id
ORDER BY a.audit_id DESC
LIMIT $1 OFFSET $2
