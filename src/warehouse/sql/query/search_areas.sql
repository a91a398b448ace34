-- Areas matching a search: a case-insensitive part of the name, an ODS code (exact or its start), an ONS
-- code (exact) or a practice postcode (exact or its start, ignoring spaces and case). Exact codes first,
-- then open areas before closed ones, then from the top of the hierarchy down, then the closest matches.
-- $1 the search as a name key (nameKey: lower case, no apostrophes, other punctuation a space); $2 the search upper-cased without spaces (never empty); $3 most rows to return.
WITH matches AS (
  SELECT a.area_level, a.area_code, a.ons_code, a.name, a.postcode, a.is_current, a.parent_level,
         a.parent_code,
         CASE
           WHEN upper(a.area_code) = $2 OR upper(a.ons_code) = $2 THEN 0
           WHEN replace(upper(a.postcode), ' ', '') = $2 THEN 1
           WHEN substr(upper(a.area_code), 1, length($2)) = $2 THEN 2
           WHEN substr(replace(upper(a.postcode), ' ', ''), 1, length($2)) = $2 THEN 3
           WHEN k.name_key = $1 THEN 4
           WHEN substr(k.name_key, 1, length($1)) = $1 THEN 5
           ELSE 6
         END AS match_rank
  FROM area a,
       -- The same rule as nameKey in src/query/search.ts ("St. John's" and "st johns" match).
       LATERAL (SELECT trim(regexp_replace(regexp_replace(lower(a.name), '[''’‘`]', '', 'g'),
                                           '[^[:alnum:]]+', ' ', 'g')) AS name_key) k
  WHERE a.area_code <> 'UNKNOWN'
    AND (($1 <> '' AND position($1 IN k.name_key) > 0)
         OR substr(upper(a.area_code), 1, length($2)) = $2
         OR upper(a.ons_code) = $2
         OR substr(replace(upper(a.postcode), ' ', ''), 1, length($2)) = $2)
)
SELECT m.area_level AS level, m.area_code AS code, m.ons_code, m.name, m.postcode, m.is_current,
       m.parent_level, m.parent_code, p.name AS parent_name, m.match_rank,
       count(*) OVER () AS total
FROM matches m
LEFT JOIN area p ON p.area_level = m.parent_level AND p.area_code = m.parent_code
ORDER BY CASE WHEN m.match_rank = 0 THEN 0 ELSE 1 END,
         CASE WHEN m.is_current THEN 0 ELSE 1 END,
         CASE m.area_level
           WHEN 'england' THEN 0 WHEN 'region' THEN 1 WHEN 'icb' THEN 2 WHEN 'sub_icb' THEN 3
           WHEN 'pcn' THEN 4 ELSE 5
         END,
         m.match_rank, m.name, m.area_code
LIMIT $3
