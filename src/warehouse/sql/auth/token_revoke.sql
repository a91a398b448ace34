-- Revokes one of a user's tokens. $1 = token id, $2 = user id, $3 = now (ISO). Returns the id if revoked.
UPDATE api_token SET revoked_at = $3::TIMESTAMP
WHERE token_id = $1 AND user_id = $2 AND revoked_at IS NULL
RETURNING token_id
