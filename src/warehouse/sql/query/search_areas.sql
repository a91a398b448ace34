-- Areas matching a search: a case-insensitive part of the name, an ODS code (exact or its start), an ONS
-- code (exact) or a practice postcode (exact or its start, ignoring spaces and case). A sub-ICB location also
-- matches by its place name, its former CCG's name and the local authorities that CCG covered (sub_icb_place,
-- docs/adr/0028), and the ICB and region holding a sub-ICB location so matched are found too ("contains").
-- Exact codes first, then open areas before closed ones, then from the top of the hierarchy down (areas
-- found by what they contain just after the sub-ICB locations), then the closest matches.
-- $1 the search as a name key (nameKey: lower case, no apostrophes, other punctuation a space); $2 the search upper-cased without spaces (never empty); $3 most rows to return.
WITH keyed AS (
  SELECT a.*,
         -- The same rule as nameKey in src/query/search.ts ("St. John's" and "st johns" match).
         trim(regexp_replace(regexp_replace(lower(a.name), '[''’‘`]', '', 'g'), '[^[:alnum:]]+', ' ', 'g'))
           AS name_key,
         trim(regexp_replace(regexp_replace(lower(pl.place_name), '[''’‘`]', '', 'g'), '[^[:alnum:]]+', ' ', 'g'))
           AS place_key,
         -- Former CCG name and local authorities, '|' between them so that no match spans two.
         regexp_replace(regexp_replace(lower(pl.ccg_name || '|' || replace(pl.local_authorities, '; ', '|')),
                                       '[''’‘`]', '', 'g'), '[^[:alnum:]|]+', ' ', 'g') AS other_keys
  FROM area a
  LEFT JOIN sub_icb_place pl ON a.area_level = 'sub_icb' AND pl.sub_icb_code = a.area_code
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
           WHEN k.name_key = $1 OR k.place_key = $1 THEN 4
           WHEN substr(k.name_key, 1, length($1)) = $1 OR substr(k.place_key, 1, length($1)) = $1 THEN 5
           ELSE 6
         END AS match_rank
  FROM keyed k
  WHERE ($1 <> '' AND (position($1 IN k.name_key) > 0 OR position($1 IN k.place_key) > 0
                       OR position($1 IN k.other_keys) > 0))
     OR substr(upper(k.area_code), 1, length($2)) = $2
     OR upper(k.ons_code) = $2
     OR substr(replace(upper(k.postcode), ' ', ''), 1, length($2)) = $2
),
-- Sub-ICB locations matched by place, former CCG or local authority, and the ICB and region above each.
by_place AS (
  SELECT k.area_code, k.place_name, k.is_current, k.parent_code AS icb_code, icb.parent_code AS region_code
  FROM keyed k
  JOIN area icb ON icb.area_level = 'icb' AND icb.area_code = k.parent_code
  WHERE k.area_level = 'sub_icb' AND $1 <> ''
    AND (position($1 IN k.place_key) > 0 OR position($1 IN k.other_keys) > 0)
),
containing AS (
  SELECT c.area_level, c.area_code, string_agg(DISTINCT b.place_name, '; ' ORDER BY b.place_name) AS contains
  FROM by_place b
  JOIN area c ON (c.area_level = 'icb' AND c.area_code = b.icb_code)
              OR (c.area_level = 'region' AND c.area_code = b.region_code)
  WHERE b.is_current
  GROUP BY c.area_level, c.area_code
),
matches AS (
  SELECT * FROM direct
  UNION ALL
  SELECT a.area_level, a.area_code, a.ons_code, a.name, a.place_name, a.postcode, a.is_current,
         a.parent_level, a.parent_code, c.contains, 7
  FROM containing c
  JOIN area a ON a.area_level = c.area_level AND a.area_code = c.area_code
  WHERE NOT EXISTS (SELECT 1 FROM direct d WHERE d.area_level = c.area_level AND d.area_code = c.area_code)
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
