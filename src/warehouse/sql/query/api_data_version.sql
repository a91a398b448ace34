-- The data version: bumped by every build, so cached responses made before it are stale.
SELECT value FROM warehouse_meta WHERE key = 'data_version'
