-- Users whose 64-bit key collides with another's (practically never; the run is refused if any).
SELECT count(*) - count(DISTINCT k) AS duplicates FROM demo_user
