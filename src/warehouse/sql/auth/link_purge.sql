-- Forgets links that expired more than a day ago. $1 = cut-off (ISO).
DELETE FROM sign_in_link WHERE expires_at < $1::TIMESTAMP
