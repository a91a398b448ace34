-- Areas matching a search: a case-insensitive part of the name, an ODS code (exact or its start), an ONS
-- code (exact) or a practice postcode (exact or its start, ignoring spaces and case). A sub-ICB location also
-- matches by its place name, its former CCG's name and the local authorities that CCG covered (sub_icb_place,
-- docs/adr/0028), and the ICB and region holding an open sub-ICB location so matched are found too ("contains").
-- Exact codes first, then open areas before closed ones, then from the top of the hierarchy down (areas
-- found by what they contain just after the sub-ICB locations), then the closest matches.
-- $1 the search as a name key (nameKey: lower case, no apostrophes, other punctuation a space); $2 the search upper-cased without spaces (never empty); $3 most rows to return.
WITH matched_places AS (
  -- The same rule as nameKey in src/query/search.ts ("St. John's" and "st johns" match); the former CCG name
  -- and the local authorities with '|' between them, so that no match spans two.
  SELECT sub_icb_code, place_name, place_key
  FROM (
    SELECT sub_icb_code, place_name,
           trim(regexp_replace(regexp_replace(lower(place_name), '[''’‘`]', '', 'g'), '[^[:alnum:]]+', ' ', 'g'))
             AS place_key,
           regexp_replace(regexp_replace(lower(ccg_name || '|' || replace(local_authorities, '; ', '|')),
                                         '[''’‘`]', '', 'g'), '[^[:alnum:]|]+', ' ', 'g') AS other_keys
    FROM sub_icb_place
  )
  WHERE $1 <> '' AND (position($1 IN place_key) > 0 OR position($1 IN other_keys) > 0)
),
keyed AS (
  SELECT a.*,
         trim(regexp_replace(regexp_replace(lower(a.name), '[''’‘`]', '', 'g'), '[^[:alnum:]]+', ' ', 'g'))
           AS name_key
  FROM area a
  WHERE a.area_code <> 'UNKNOWN'
),
direct AS (
  SELECT k.area_level, k.area_code, k.ons_code, k.name, k.place_name, k.postcode, k.is_current,
         k.parent_level, k.parent_code, CAST(NULL AS VARCHAR) AS contains,
         CASE
           WHEN upper(k.area_code) = $2 OR upper(k.ons_code) = $2 THEN 0
           WHEN replace(upper(k.postcode), ' ', '') = $2 THEN 1
           WHEN substr(upper(k.area_code), 1, length($2)) = $2 THEN 2
           WHEN substr(replace(upper(k.postcode), ' ', ''), 1, length($2)) = $2 THEN 3
           WHEN k.name_key = $1 OR mp.place_key = $1 THEN 4
           WHEN substr(k.name_key, 1, length($1)) = $1 OR substr(mp.place_key, 1, length($1)) = $1 THEN 5
           ELSE 6
         END AS match_rank
  FROM keyed k
  LEFT JOIN matched_places mp ON k.area_level = 'sub_icb' AND mp.sub_icb_code = k.area_code
  WHERE ($1 <> '' AND position($1 IN k.name_key) > 0)
     OR mp.sub_icb_code IS NOT NULL
     OR substr(upper(k.area_code), 1, length($2)) = $2
     OR upper(k.ons_code) = $2
     OR substr(replace(upper(k.postcode), ' ', ''), 1, length($2)) = $2
),
-- Open sub-ICB locations matched by place, former CCG or local authority, with the ICB and region above each.
by_place AS (
  SELECT mp.place_name, s.parent_code AS icb_code, icb.parent_code AS region_code
  FROM matched_places mp
  JOIN area s ON s.area_level = 'sub_icb' AND s.area_code = mp.sub_icb_code AND s.is_current
  JOIN area icb ON icb.area_level = 'icb' AND icb.area_code = s.parent_code
),
containing AS (
  SELECT 'icb' AS area_level, icb_code AS area_code,
         string_agg(DISTINCT place_name, '; ' ORDER BY place_name) AS contains
  FROM by_place GROUP BY icb_code
  UNION ALL
  SELECT 'region', region_code, string_agg(DISTINCT place_name, '; ' ORDER BY place_name)
  FROM by_place GROUP BY region_code
),
-- An area found both directly and by what it holds is listed once, as found directly.
matches AS (
  SELECT * EXCLUDE (pick)
  FROM (
    SELECT *, row_number() OVER (PARTITION BY area_level, area_code ORDER BY match_rank) AS pick
    FROM (
      SELECT * FROM direct
      UNION ALL
      SELECT a.area_level, a.area_code, a.ons_code, a.name, a.place_name, a.postcode, a.is_current,
             a.parent_level, a.parent_code, c.contains, 7
      FROM containing c
      JOIN area a ON a.area_level = c.area_level AND a.area_code = c.area_code
    )
  )
  WHERE pick = 1
)
SELECT m.area_level AS level, m.area_code AS code, m.ons_code, m.name, m.place_name, m.postcode,
       m.is_current, m.parent_level, m.parent_code, p.name AS parent_name, p.place_name AS parent_place_name,
       m.contains, m.match_rank, count(*) OVER () AS total
FROM matches m
LEFT JOIN area p ON p.area_level = m.parent_level AND p.area_code = m.parent_code
ORDER BY CASE WHEN m.match_rank = 0 THEN 0 ELSE 1 END,
         CASE WHEN m.is_current THEN 0 ELSE 1 END,
         CASE WHEN m.match_rank = 7 THEN 3.5
              ELSE CASE m.area_level
                     WHEN 'england' THEN 0 WHEN 'region' THEN 1 WHEN 'icb' THEN 2 WHEN 'sub_icb' THEN 3
                     WHEN 'pcn' THEN 4 ELSE 5
                   END
         END,
         CASE m.area_level WHEN 'icb' THEN 0 ELSE 1 END,
         m.match_rank, coalesce(m.place_name, m.name), m.area_code
LIMIT $3
