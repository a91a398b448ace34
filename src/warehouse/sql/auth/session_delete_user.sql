-- Ends every session of a user (disabled, or role changed). $1 = user id.
DELETE FROM user_session WHERE user_id = $1
