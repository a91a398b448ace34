-- How many figures of load $1 differ from the same figure in an earlier edition (revisions), and which editions.
SELECT
  count(*) AS n,
  coalesce(string_agg(DISTINCT strftime(o.edition, '%Y-%m'), ', '), '') AS editions
FROM mi_figure n
JOIN mi_figure o
  ON o.month = n.month AND o.level = n.level AND o.icb_code = n.icb_code AND o.measure = n.measure
  AND o.edition < n.edition
WHERE n.load_id = $1 AND o.value <> n.value
