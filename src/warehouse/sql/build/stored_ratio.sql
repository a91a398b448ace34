-- A ratio of two stored metrics (ADR 0009), per structure, grain, period and area, from periods starting on
-- or after $5: numerator ($2) ÷ denominator ($3) × $4, stored as metric $1 wherever the denominator is
-- positive. $6: the numerator counts events, so an area and period without a stored figure had none (0);
-- otherwise (a feed) the area needs a stored numerator too.
INSERT INTO metric_cell
SELECT d.structure, $1::SMALLINT, d.grain, d.period_start, d.area_key,
       coalesce(n.value, 0) / d.value * $4, NULL
FROM metric_cell d
LEFT JOIN metric_cell n
  ON n.metric_key = $2 AND n.structure = d.structure AND n.grain = d.grain
 AND n.period_start = d.period_start AND n.area_key = d.area_key
WHERE d.metric_key = $3 AND d.period_start >= $5 AND d.value > 0 AND (n.value IS NOT NULL OR $6)
ORDER BY d.area_key, d.structure, d.grain, d.period_start
