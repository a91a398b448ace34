-- Ends one session (sign-out). $1 = session hash. Returns the user id when there was one.
DELETE FROM user_session WHERE session_hash = $1
RETURNING user_id
