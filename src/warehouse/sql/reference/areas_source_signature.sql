-- A signature of the practice-map releases loaded (extract date and content hash of each), to tell whether the
-- area model was built from exactly these releases.
SELECT coalesce(string_agg(CAST(extract_date AS VARCHAR) || ':' || sha256, ',' ORDER BY extract_date), '') AS signature
FROM reference_release
WHERE kind = 'practice_map'
