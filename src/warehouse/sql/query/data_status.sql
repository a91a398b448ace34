-- When figures were built, the loaded date range and the demo-data marker.
SELECT
  (SELECT value FROM warehouse_meta WHERE key = 'built_at') AS built_at,
  (SELECT value FROM warehouse_meta WHERE key = 'data_version') AS data_version,
  (SELECT value FROM warehouse_meta WHERE key = 'demo') AS demo,
  (SELECT min(day) FROM data_day) AS first_day,
  (SELECT max(day) FROM data_day) AS last_day
