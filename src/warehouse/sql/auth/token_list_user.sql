-- A user's API tokens, newest first. $1 = user id.
SELECT token_id, name, created_at, last_used_at, revoked_at
FROM api_token
WHERE user_id = $1
ORDER BY created_at DESC, token_id
