-- Every user, by email.
SELECT user_id, email, role, status, created_at, created_by, last_sign_in_at
FROM app_user
ORDER BY email
