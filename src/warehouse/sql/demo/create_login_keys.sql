-- One row per login: the user's key, the login's number j (0 … n_logins - 1) and the login's own key.
-- A separate step: expanding and computing in one statement keeps DuckDB on one thread.
CREATE TEMP TABLE demo_login_key AS
SELECT k, j, hash(k, j) AS lk
FROM (SELECT k, unnest(range(n_logins)) AS j FROM demo_user WHERE n_logins > 0)
