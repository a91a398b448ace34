-- Records the keys given to users first seen in this load (load_user). In the load's transaction: a refused
-- or interrupted load leaves no key behind.
INSERT INTO user_dim
SELECT user_key, user_id FROM load_user WHERE is_new
