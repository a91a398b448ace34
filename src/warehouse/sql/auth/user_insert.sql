-- Adds a user. $1 = user id, $2 = normalised email, $3 = role, $4 = status, $5 = now (ISO), $6 = created by.
INSERT INTO app_user (user_id, email, role, status, created_at, created_by, last_sign_in_at)
VALUES ($1, $2, $3, $4, $5::TIMESTAMP, $6, NULL)
