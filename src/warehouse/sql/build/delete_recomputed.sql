-- Removes the stored figures an incremental build recomputes: counts, unique users and feed figures of
-- periods lying wholly within $1..$2, rolling 12-month users of target months $3..$4, and the metrics of $5
-- (running totals, patients of all ages) from the period containing $6.
DELETE FROM metric_cell
WHERE period_start >= least($1::DATE, $3::DATE, CAST(date_trunc('week', $6::DATE) AS DATE))
  AND ((metric_key IN (SELECT metric_key FROM metric_selector WHERE kind IN ('count', 'unique')
                      UNION SELECT metric_key FROM feed_selector)
       AND period_start >= $1
       AND CASE grain WHEN 0 THEN period_start + 6 ELSE last_day(period_start) END <= $2)
   OR (metric_key IN (SELECT metric_key FROM metric_selector WHERE kind = 'unique_12m')
       AND period_start BETWEEN $3 AND $4)
   OR (metric_key IN (SELECT metric_key FROM metric_dim WHERE list_contains($5, metric_id))
       AND period_start >= CASE grain WHEN 0 THEN CAST(date_trunc('week', $6::DATE) AS DATE)
                                      ELSE CAST(date_trunc('month', $6::DATE) AS DATE) END))
