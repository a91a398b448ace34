-- The London months of the run, in order.
SELECT month_idx, month FROM demo_month ORDER BY month_idx
