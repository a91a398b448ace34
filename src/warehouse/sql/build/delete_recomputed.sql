-- Removes the stored figures an incremental build recomputes: counts, unique users and feed figures of
-- periods lying wholly within $1..$2, rolling 12-month users of target months $3..$4, and the metrics of $5
-- (running totals, patients of all ages) from the period containing $6.
DELETE FROM metric_cell
-- The first filter is only a cheap bound: it must reach back to the month containing $6, which starts before
-- $1 when $6 falls in a week that began in the previous month (issue 16.1: September's running totals were
-- stored twice after a load starting on 1 October 2026).
WHERE period_start >= least($1::DATE, $3::DATE, CAST(date_trunc('week', $6::DATE) AS DATE),
                            CAST(date_trunc('month', $6::DATE) AS DATE))
  AND ((metric_key IN (SELECT metric_key FROM metric_selector WHERE kind IN ('count', 'unique')
                      UNION SELECT metric_key FROM feed_selector)
       AND period_start >= $1
       AND CASE grain WHEN 0 THEN period_start + 6 ELSE last_day(period_start) END <= $2)
   OR (metric_key IN (SELECT metric_key FROM metric_selector WHERE kind = 'unique_12m')
       AND period_start BETWEEN $3 AND $4)
   OR (metric_key IN (SELECT metric_key FROM metric_dim WHERE list_contains($5, metric_id))
       AND period_start >= CASE grain WHEN 0 THEN CAST(date_trunc('week', $6::DATE) AS DATE)
                                      ELSE CAST(date_trunc('month', $6::DATE) AS DATE) END))
