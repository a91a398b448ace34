-- Removes the figures a build recomputes: counts, unique users and feed figures of periods lying wholly
-- within $1..$2,
-- rolling 12-month users of target months $3..$4, and running totals ($5) from the period containing $6
-- (recomputed from the counts).
DELETE FROM metric_value
WHERE (metric_id IN (SELECT metric_id FROM metric_selector WHERE kind IN ('count', 'unique'))
       AND period_start >= $1
       AND CASE grain WHEN 'week' THEN period_start + 6 ELSE last_day(period_start) END <= $2)
   OR (metric_id IN (SELECT metric_id FROM feed_selector)
       AND period_start >= $1
       AND CASE grain WHEN 'week' THEN period_start + 6 ELSE last_day(period_start) END <= $2)
   OR (metric_id IN (SELECT metric_id FROM metric_selector WHERE kind = 'unique_12m')
       AND period_start BETWEEN $3 AND $4)
   OR (list_contains($5, metric_id) AND period_start >= CAST(date_trunc(grain, $6::DATE) AS DATE))
