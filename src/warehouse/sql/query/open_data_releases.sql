-- Every release of our MI publication, newest first.
SELECT release_id, strftime(month, '%Y-%m') AS month, CAST(published_at AS VARCHAR) AS published_at, files, notes,
  disclosure
FROM open_data_release
ORDER BY published_at DESC, release_id DESC
