-- Removes the stored jump-off breakdown of periods lying wholly within $1..$2.
DELETE FROM jump_off_cell
WHERE period_start >= $1 AND CASE grain WHEN 0 THEN period_start + 6 ELSE last_day(period_start) END <= $2
