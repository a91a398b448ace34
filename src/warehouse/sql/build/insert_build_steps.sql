-- Records the timings of a build's steps, in the order run. $1 build id, $2 step names, $3 their milliseconds
-- (lists of the same length).
INSERT INTO build_step
SELECT $1, CAST(i AS INTEGER), $2[i], CAST($3[i] AS DECIMAL(12, 3))
FROM range(1, len($2) + 1) t(i)
