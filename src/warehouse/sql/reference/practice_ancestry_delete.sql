-- Clears practice_ancestry before it is rebuilt.
DELETE FROM practice_ancestry
