-- Clears area before it is rebuilt.
DELETE FROM area
