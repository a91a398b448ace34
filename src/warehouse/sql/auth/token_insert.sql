-- Stores a personal API token. $1 = token id, $2 = token hash, $3 = user id, $4 = name, $5 = now (ISO).
INSERT INTO api_token (token_id, token_hash, user_id, name, created_at, last_used_at, revoked_at)
VALUES ($1, $2, $3, $4, $5::TIMESTAMP, NULL, NULL)
