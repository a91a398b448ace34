-- Records a successful sign-in. $1 = user id, $2 = now (ISO).
UPDATE app_user SET last_sign_in_at = $2::TIMESTAMP WHERE user_id = $1
