-- Moves a session's idle timeout on. $1 = session hash, $2 = now (ISO).
UPDATE user_session SET last_seen_at = $2::TIMESTAMP WHERE session_hash = $1
