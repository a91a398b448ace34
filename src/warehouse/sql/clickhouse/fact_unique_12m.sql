-- Unique users in the 12 months ending with each target month from {t12lo} to {t12hi}, at the practice of
-- their most recent qualifying event in those months, from the per-user monthly state (as the DuckDB build's
-- fact_unique_12m.sql): a user's last event in month m is their most recent one for every target from m until
-- the month before their next active month (at most 11 months on); no target after {last_month}, the last
-- month with data. One shard: the window runs over each user's own months, which all lie on that shard.
INSERT INTO fact
WITH spans AS (
  SELECT sig_key, practice_key, attr_date, month,
         least(
           if(next_month IS NULL, addMonths(month, 11), addMonths(assumeNotNull(next_month), -1)),
           addMonths(month, 11),
           {last_month:Date}) AS last_target
  FROM (
    SELECT sig_key, user_id, month, practice_key, attr_date,
           leadInFrame(toNullable(month)) OVER (
             PARTITION BY sig_key, user_id ORDER BY month ASC ROWS BETWEEN CURRENT ROW AND 1 FOLLOWING) AS next_month
    FROM user_month
    WHERE sig_key IN (SELECT sig_key FROM metric_selector WHERE kind = 'unique_12m')
      AND month BETWEEN addMonths({t12lo:Date}, -11) AND {t12hi:Date}
  )
),
expanded AS (
  SELECT sig_key, practice_key, attr_date,
         arrayJoin(arrayMap(i -> addMonths(greatest(month, {t12lo:Date}), i),
                            range(toUInt32(dateDiff('month', greatest(month, {t12lo:Date}),
                                                    least(last_target, {t12hi:Date})) + 1)))) AS target
  FROM spans
  WHERE last_target >= {t12lo:Date} AND month <= {t12hi:Date} AND greatest(month, {t12lo:Date}) <= least(last_target, {t12hi:Date})
)
SELECT m.metric_key, toUInt8(1), x.target, x.practice_key, r.release, count() AS n
FROM expanded x
INNER JOIN (SELECT DISTINCT metric_key, sig_key FROM metric_selector WHERE kind = 'unique_12m') m ON m.sig_key = x.sig_key
INNER JOIN date_release r ON r.attr_date = x.attr_date
GROUP BY m.metric_key, x.target, x.practice_key, r.release
