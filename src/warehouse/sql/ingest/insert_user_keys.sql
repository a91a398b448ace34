-- Gives every user id of this load ($1 load id) that has no key yet the next keys, in id order (ADR 0027).
-- In the load's transaction: a refused or interrupted load leaves no key behind.
INSERT INTO user_dim
SELECT CAST((SELECT coalesce(max(user_key), 0) FROM user_dim) + row_number() OVER (ORDER BY n.user_id) AS INTEGER), n.user_id
FROM (SELECT DISTINCT user_id FROM activity_event WHERE load_id = $1) n
WHERE n.user_id NOT IN (SELECT user_id FROM user_dim)
