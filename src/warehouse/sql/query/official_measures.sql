-- The measures of the MI publication loaded and the levels each has figures at (icb implies region).
SELECT measure, string_agg(DISTINCT level, ',' ORDER BY level) AS levels
FROM mi_published
GROUP BY measure
ORDER BY measure
