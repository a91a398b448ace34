-- Live API tokens of a user. $1 = user id.
SELECT count(*) AS n FROM api_token WHERE user_id = $1 AND revoked_at IS NULL
