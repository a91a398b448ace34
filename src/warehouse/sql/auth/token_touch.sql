-- Records a token's use. $1 = token id, $2 = now (ISO).
UPDATE api_token SET last_used_at = $2::TIMESTAMP WHERE token_id = $1
