-- A sign-in link by token hash (used or not; the caller checks expiry, use and browser). $1 = token hash.
SELECT token_hash, email, browser_hash, next_path, created_at, expires_at, used_at
FROM sign_in_link
WHERE token_hash = $1
