-- Starts a session. $1 = session hash, $2 = user id, $3 = method, $4 = now (ISO), $5 = absolute expiry (ISO),
-- $6 = user agent class.
INSERT INTO user_session (session_hash, user_id, method, created_at, last_seen_at, expires_at, user_agent_class)
VALUES ($1, $2, $3, $4::TIMESTAMP, $4::TIMESTAMP, $5::TIMESTAMP, $6)
