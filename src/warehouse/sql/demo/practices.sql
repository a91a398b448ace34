-- Every GP practice of every practice-map release, for the demo generator: where it sits in its last
-- release, when it was last listed and the first later release that no longer lists it (closed practices),
-- and its patients aged 13+: the latest practice-level figure (exact before estimated; the practice rows
-- of the 5-year-band file are estimates), else an equal share of its PCN's 13+ figure, else the mean.
-- pcnCode is NULL for practices not allocated to a PCN (PCN_NAME 'Unallocated'; code 'U' or a U-code).
WITH releases AS (
  SELECT DISTINCT extract_date FROM practice_map
),
last_row AS (
  SELECT *, (pcn_code = 'U' OR lower(pcn_name) = 'unallocated') AS unallocated
  FROM practice_map
  QUALIFY row_number() OVER (PARTITION BY practice_code ORDER BY extract_date DESC) = 1
),
gone AS (
  SELECT l.practice_code, min(r.extract_date) AS gone_by
  FROM last_row l
  JOIN releases r ON r.extract_date > l.extract_date
  GROUP BY l.practice_code
),
practice_13 AS (
  SELECT area_code, patients_13plus
  FROM list_size
  WHERE area_level = 'practice' AND patients_13plus IS NOT NULL AND patients_13plus > 0
  QUALIFY row_number() OVER (
    PARTITION BY area_code
    ORDER BY extract_date DESC, (kind_13plus = 'exact') DESC, source_kind
  ) = 1
),
pcn_13 AS (
  SELECT area_code, patients_13plus
  FROM list_size
  WHERE area_level = 'pcn' AND patients_13plus IS NOT NULL AND patients_13plus > 0
  QUALIFY row_number() OVER (
    PARTITION BY area_code
    ORDER BY extract_date DESC, (kind_13plus = 'exact') DESC, source_kind
  ) = 1
),
pcn_size AS (
  SELECT extract_date, pcn_code, count(*) AS practices
  FROM practice_map
  GROUP BY extract_date, pcn_code
),
known_mean AS (
  SELECT avg(patients_13plus) AS mean_13plus FROM practice_13
)
SELECT
  l.practice_code AS code,
  coalesce(
    p.patients_13plus,
    CASE WHEN NOT l.unallocated THEN c.patients_13plus / s.practices END,
    (SELECT mean_13plus FROM known_mean),
    0
  )::DOUBLE AS patients13plus,
  CASE
    WHEN p.patients_13plus IS NOT NULL THEN 'practice'
    WHEN NOT l.unallocated AND c.patients_13plus IS NOT NULL THEN 'pcn_share'
    ELSE 'mean'
  END AS list_size_source,
  CASE WHEN NOT l.unallocated THEN l.pcn_code END AS pcnCode,
  l.sub_icb_code AS subIcbCode,
  l.icb_code AS icbCode,
  strftime(l.extract_date, '%Y-%m-%d') AS lastSeen,
  strftime(g.gone_by, '%Y-%m-%d') AS goneBy
FROM last_row l
LEFT JOIN gone g ON g.practice_code = l.practice_code
LEFT JOIN practice_13 p ON p.area_code = l.practice_code
LEFT JOIN pcn_13 c ON c.area_code = l.pcn_code
LEFT JOIN pcn_size s ON s.extract_date = l.extract_date AND s.pcn_code = l.pcn_code
ORDER BY l.practice_code
