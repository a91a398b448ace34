-- Enables or disables a user. $1 = user id, $2 = status. Returns the user id when it exists.
UPDATE app_user SET status = $2 WHERE user_id = $1
RETURNING user_id
