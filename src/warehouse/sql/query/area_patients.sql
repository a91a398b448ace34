-- One area's patients aged 13+ (today's structure) over a range of periods: the denominator of its rates.
-- $1 grain, $2 area level, $3 area code, $4 first period start, $5 last period start.
SELECT period_start, patients_13plus
FROM area_denominator
WHERE grain = $1 AND area_level = $2 AND area_code = $3 AND period_start BETWEEN $4 AND $5
