-- Whether the publication has any figure for an area: $1 level (region | icb), $2 code.
SELECT count(*) > 0
FROM mi_published
WHERE level = 'icb' AND (($1 = 'icb' AND icb_code = $2) OR ($1 = 'region' AND region_code = $2))
