-- Records the edition of an MI load. $1 load id, $2 edition (first day of its last month), $3 publication date or
-- NULL, $4 title or NULL, $5 source file, $6 file kind.
INSERT INTO mi_edition (load_id, edition, published_on, title, source_file, file_kind, first_month, last_month)
SELECT $1, coalesce(CAST($2 AS DATE), max(month)), CAST($3 AS DATE), $4, $5, $6, min(month), max(month)
FROM feed_stage_mi_published
