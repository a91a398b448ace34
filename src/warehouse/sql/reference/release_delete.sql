-- Forgets one release before it is replaced. $1 = kind, $2 = extract date.
DELETE FROM reference_release
WHERE kind = $1 AND extract_date = CAST($2 AS DATE)
