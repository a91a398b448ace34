-- Event ids that occur more than once among the valid rows just loaded ($1 load id), with the row to keep:
-- the first in the file (rows are stored in file order, so the smallest rowid). Rows are first grouped by
-- a 64-bit hash of the id (cheap); only ids whose hash repeats are compared exactly.
CREATE OR REPLACE TEMP TABLE repeated_event AS
WITH repeated_hash AS (
  SELECT hash(event_id) AS h FROM activity_event WHERE load_id = $1 GROUP BY h HAVING count(*) > 1
)
SELECT event_id, min(rowid) AS keep
FROM activity_event
WHERE load_id = $1 AND hash(event_id) IN (SELECT h FROM repeated_hash)
GROUP BY event_id
HAVING count(*) > 1
