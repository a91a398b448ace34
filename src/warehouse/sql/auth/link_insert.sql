-- Stores a one-time sign-in link. $1 = token hash, $2 = email, $3 = browser hash, $4 = next path,
-- $5 = now (ISO), $6 = expiry (ISO), $7 = keyed hash of its code (ADR 0033).
INSERT INTO sign_in_link
  (token_hash, email, browser_hash, next_path, created_at, expires_at, used_at, code_hash, code_attempts)
VALUES ($1, $2, $3, $4, $5::TIMESTAMP, $6::TIMESTAMP, NULL, $7, 0)
