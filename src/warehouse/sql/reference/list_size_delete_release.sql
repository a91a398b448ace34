-- Removes the list sizes of one release of one source kind before it is replaced. $1 = extract date, $2 = kind.
DELETE FROM list_size
WHERE extract_date = CAST($1 AS DATE) AND source_kind = $2
