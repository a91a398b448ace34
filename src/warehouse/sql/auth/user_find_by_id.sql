-- One user by id. $1 = user id.
SELECT user_id, email, role, status, created_at, created_by, last_sign_in_at
FROM app_user
WHERE user_id = $1
