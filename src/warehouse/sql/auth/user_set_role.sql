-- Changes a user's role. $1 = user id, $2 = role. Returns the user id when it exists.
UPDATE app_user SET role = $2 WHERE user_id = $1
RETURNING user_id
