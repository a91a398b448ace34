-- Keeps each user's last qualifying event per month (the per-user monthly state), on the user's shard.
INSERT INTO user_month
SELECT sig_key, period_start, user_id, practice_key, attr_date FROM user_period WHERE grain = 1
