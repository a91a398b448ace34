-- The first rejected rows of the file being checked (temp table booking_checked or booking_slots_checked),
-- in file order. $1 limit.
SELECT line_no AS line, reject_field AS field, reject_reason AS reason
FROM booking_checked
WHERE reject_reason IS NOT NULL
ORDER BY line_no
LIMIT $1
