-- Removes one practice-map release before it is replaced. $1 = extract date.
DELETE FROM practice_map
WHERE extract_date = CAST($1 AS DATE)
