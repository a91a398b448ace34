-- A practice's patients aged 13+ in one period (its list size in force, docs/adr/0006), for practice pages.
-- $1 grain, $2 period start, $3 practice code.
SELECT patients_13plus
FROM area_denominator
WHERE grain = $1 AND period_start = $2 AND area_level = 'practice' AND area_code = $3
