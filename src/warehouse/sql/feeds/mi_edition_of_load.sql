-- The edition (YYYY-MM) of MI load $1.
SELECT strftime(edition, '%Y-%m') FROM mi_edition WHERE load_id = $1
