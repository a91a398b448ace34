-- Ends a link whose code attempts are used up (ADR 0033): it can no longer sign anyone in, in any browser, and
-- its code is forgotten (a used link with attempts and no code is one spent this way). $1 = token hash,
-- $2 = now (ISO).
UPDATE sign_in_link SET used_at = $2::TIMESTAMP, code_hash = NULL WHERE token_hash = $1 AND used_at IS NULL
