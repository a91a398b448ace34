-- A live API token of an active user, by hash. $1 = token hash.
SELECT t.token_id, t.token_hash, t.user_id, t.last_used_at, u.role
FROM api_token t
JOIN app_user u ON u.user_id = t.user_id
WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.status = 'active'
