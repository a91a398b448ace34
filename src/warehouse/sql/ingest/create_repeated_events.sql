-- Event ids that occur more than once among the file's valid rows (staged_event), with the row to keep: the
-- first in the file (rows are staged in file order, so the smallest rowid). Rows are first grouped by a 64-bit
-- hash of the id (cheap); only ids whose hash repeats are compared exactly.
CREATE OR REPLACE TEMP TABLE repeated_event AS
WITH repeated_hash AS (
  SELECT hash(event_id) AS h FROM staged_event GROUP BY h HAVING count(*) > 1
)
SELECT event_id, min(rowid) AS keep
FROM staged_event
WHERE hash(event_id) IN (SELECT h FROM repeated_hash)
GROUP BY event_id
HAVING count(*) > 1
