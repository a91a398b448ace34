-- The most recent metric builds, newest first. $1 how many.
SELECT build_id, strftime(started_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS started_at,
       strftime(finished_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS finished_at, kind,
       first_period, last_period, rows_written, data_version, events_total
FROM build_log
ORDER BY build_id DESC
LIMIT $1
