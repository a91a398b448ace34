-- A sign-in link by token hash (used or not; the caller checks expiry, use, browser and code). $1 = token hash.
SELECT token_hash, email, browser_hash, next_path, created_at, expires_at, used_at, code_hash,
  coalesce(code_attempts, 0) AS code_attempts
FROM sign_in_link
WHERE token_hash = $1
