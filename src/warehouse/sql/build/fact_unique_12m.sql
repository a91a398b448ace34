-- Unique users in the 12 months ending with each target month from $1 to $2, at the practice of their most
-- recent qualifying event in those months, from the users' last event per month (user_month). A user's last
-- event in month m is their most recent one for every target from m until the month before their next
-- active month (at most 11 months on); targets after the last month with data ($3) are not produced. Only
-- partition $5 of $4 of the users by their key's hash (user_month.user_id holds the key, ADR 0027).
INSERT INTO build_fact
WITH um AS (
  SELECT sig, user_id, month, practice_key, attr_date
  FROM user_month
  WHERE sig IN (SELECT sig FROM metric_selector WHERE kind = 'unique_12m')
    AND month BETWEEN CAST($1::DATE - INTERVAL 11 MONTH AS DATE) AND $2
    AND hash(user_id) % CAST($4 AS UBIGINT) = CAST($5 AS UBIGINT)
),
spans AS (
  SELECT sig, practice_key, attr_date, month,
         least(coalesce(CAST(lead(month) OVER (PARTITION BY sig, user_id ORDER BY month) - INTERVAL 1 MONTH AS DATE),
                        CAST(month + INTERVAL 11 MONTH AS DATE)),
               CAST(month + INTERVAL 11 MONTH AS DATE),
               $3::DATE) AS last_target
  FROM um
),
expanded AS (
  SELECT sig, practice_key, attr_date,
         CAST(unnest(generate_series(CAST(greatest(month, $1::DATE) AS TIMESTAMP),
                                     CAST(least(last_target, $2::DATE) AS TIMESTAMP), INTERVAL 1 MONTH)) AS DATE) AS target
  FROM spans
  WHERE last_target >= $1 AND month <= $2
)
SELECT m.metric_key, 0, 1, x.target, x.practice_key, r.release, count(*)
FROM expanded x
JOIN (SELECT DISTINCT metric_key, sig FROM metric_selector WHERE kind = 'unique_12m') m ON m.sig = x.sig
JOIN date_release r ON r.attr_date = x.attr_date
GROUP BY ALL
