-- Whether a code names an area at the given level. $1 level, $2 code.
SELECT count(*) AS n FROM area WHERE area_level = $1 AND area_code = $2
