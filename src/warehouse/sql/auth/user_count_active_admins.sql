-- Active admins (the last one cannot be demoted or disabled from the web).
SELECT count(*) AS n FROM app_user WHERE role = 'admin' AND status = 'active'
