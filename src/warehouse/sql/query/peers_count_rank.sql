-- Where one area stands among the areas of its level for one count metric in one period: how many areas,
-- the deciles of their figures (p0, p10 … p100, linear interpolation), the area's own figure and how many
-- areas have a higher or lower one. Peers: on today's structure every current area of the level (0 when it
-- has no stored figure) and any closed area with a stored figure in the period; as recorded at the time,
-- the areas with a stored figure. Unknown is never a peer.
-- $1 structure, $2 metric id, $3 grain, $4 level, $5 period start, $6 area code.
WITH stored AS (
  SELECT area_code, value
  FROM metric_value
  WHERE structure = $1 AND metric_id = $2 AND grain = $3 AND area_level = $4 AND period_start = $5
    AND area_code <> 'UNKNOWN'
),
peer AS (
  SELECT a.area_code, coalesce(s.value, 0) AS value
  FROM area a
  LEFT JOIN stored s ON s.area_code = a.area_code
  WHERE $1 = 'current' AND a.area_level = $4 AND a.is_current AND a.area_code <> 'UNKNOWN'
  UNION ALL
  SELECT s.area_code, s.value
  FROM stored s
  WHERE $1 <> 'current'
     OR s.area_code NOT IN (SELECT area_code FROM area WHERE area_level = $4 AND is_current)
),
me AS (SELECT value FROM peer WHERE area_code = $6)
SELECT (SELECT count(*) FROM peer) AS n,
       (SELECT quantile_cont(value, [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]) FROM peer) AS deciles,
       (SELECT value FROM me) AS value,
       (SELECT count(*) FROM peer, me WHERE peer.value > me.value) AS higher,
       (SELECT count(*) FROM peer, me WHERE peer.value < me.value) AS lower
