-- Marks a link used, once: only the first caller gets a row back. $1 = token hash, $2 = now (ISO).
UPDATE sign_in_link SET used_at = $2::TIMESTAMP
WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2::TIMESTAMP
RETURNING email, next_path
