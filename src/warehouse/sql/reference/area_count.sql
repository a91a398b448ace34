-- How many areas the area table holds.
SELECT count(*) AS n FROM area
