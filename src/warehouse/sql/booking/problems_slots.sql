-- The first rejected rows of the slot file being checked, in file order. $1 limit.
SELECT line_no AS line, reject_field AS field, reject_reason AS reason
FROM booking_slots_checked
WHERE reject_reason IS NOT NULL
ORDER BY line_no
LIMIT $1
