-- The practice-map release in force on each attribution date: the latest on or before it, else the first.
CREATE OR REPLACE TEMP TABLE date_release AS
SELECT d.attr_date,
       coalesce(max(r.release) FILTER (WHERE r.release <= d.attr_date), min(r.release)) AS release
FROM (SELECT DISTINCT attr_date FROM practice_period_count) d
CROSS JOIN (SELECT DISTINCT release FROM release_ancestry) r
GROUP BY d.attr_date
