-- The editions of the NHS App MI publication loaded, newest first, with the files each came from.
SELECT
  strftime(edition, '%Y-%m') AS edition,
  CAST(max(published_on) AS VARCHAR) AS published_on,
  max(title) AS title,
  strftime(min(first_month), '%Y-%m') AS first_month,
  strftime(max(last_month), '%Y-%m') AS last_month,
  string_agg(source_file, '|' ORDER BY load_id) AS files,
  string_agg(file_kind, '|' ORDER BY load_id) AS file_kinds
FROM mi_edition
GROUP BY edition
ORDER BY edition DESC
