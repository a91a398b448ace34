-- Months about to be recomputed: those lying wholly within $1..$2.
DELETE FROM user_month WHERE month >= $1 AND last_day(month) <= $2
