-- A live session of an active user. $1 = session hash, $2 = now (ISO), $3 = idle cut-off (ISO: last seen
-- must be after it).
SELECT s.session_hash, s.user_id, s.last_seen_at, s.expires_at, u.role
FROM user_session s
JOIN app_user u ON u.user_id = s.user_id
WHERE s.session_hash = $1
  AND s.expires_at > $2::TIMESTAMP
  AND s.last_seen_at > $3::TIMESTAMP
  AND u.status = 'active'
