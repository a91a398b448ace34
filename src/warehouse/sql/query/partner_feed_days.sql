-- The first and last day of the integrated-partners feed loaded (NULLs when none is).
SELECT CAST(min(date) AS VARCHAR) AS first_day, CAST(max(date) AS VARCHAR) AS last_day FROM feed_partner_daily
