-- Forgets sessions past their absolute or idle timeout. $1 = now (ISO), $2 = idle cut-off (ISO).
DELETE FROM user_session WHERE expires_at <= $1::TIMESTAMP OR last_seen_at <= $2::TIMESTAMP
