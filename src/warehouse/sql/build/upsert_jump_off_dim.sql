-- Keys for every (provider, service) of jump-offs in the events and in the integrated-partners feed
-- between $1 and $2 (existing keys are never changed).
INSERT INTO jump_off_dim
SELECT (SELECT coalesce(max(dim_key), 0) FROM jump_off_dim) + row_number() OVER (ORDER BY provider, service),
       provider, service
FROM (
  SELECT provider, service FROM activity_event
  WHERE event_type = 'jump_off' AND event_date BETWEEN $1 AND $2
  UNION SELECT provider, service FROM feed_partner_daily WHERE date BETWEEN $1 AND $2
  EXCEPT SELECT provider, service FROM jump_off_dim
)
