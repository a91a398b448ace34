-- Takes one of a link's code attempts before its code is compared (ADR 0033), so however many guesses arrive
-- at once, at most $3 are ever compared. No row back: the link is used, spent, expired, has no code, or its
-- attempts are gone. $1 = token hash, $2 = now (ISO), $3 = attempts allowed.
UPDATE sign_in_link SET code_attempts = coalesce(code_attempts, 0) + 1
WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2::TIMESTAMP AND code_hash IS NOT NULL
  AND coalesce(code_attempts, 0) < $3::INTEGER
RETURNING code_hash, code_attempts
