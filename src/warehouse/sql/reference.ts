/**
 * Reference data: areas, the area hierarchy, practices, list sizes and place names (src/ingest/reference).
 *
 * One exported query object per statement (ADR 0039): import it, pass it to the database (`db.all(q, params)`);
 * positional parameters $1, $2 … only, never values written into the text.
 */
import { query } from '../query.ts';

/**
 * Today's structure: every area that ever appeared in a practice-map release, with the details (name, ONS code,
 * parent; postcode and supplier for practices) of the last release it appears in. Areas of the latest release are
 * current; the others (closed practices, merged ICBs …) are kept with is_current = FALSE under their last known
 * parent, which is itself kept (current, or closed by the same rule), so every chain reaches England.
 * Sub-ICB locations get their place name from sub_icb_place (docs/adr/0028).
 */
export const areaInsertFromVersions = query('reference.areaInsertFromVersions')`
INSERT INTO area (area_level, area_code, ons_code, name, parent_level, parent_code, postcode, supplier_name,
                  first_extract, last_extract, is_current, place_name)
WITH latest AS (
  SELECT max(extract_date) AS extract_date FROM practice_map
),
spans AS (
  SELECT area_level, area_code, min(extract_date) AS first_extract, max(extract_date) AS last_extract
  FROM area_version
  WHERE area_level <> 'england' AND area_code <> 'UNKNOWN'
  GROUP BY area_level, area_code
)
SELECT v.area_level, v.area_code, v.ons_code, v.name, v.parent_level, v.parent_code,
       p.practice_postcode, p.supplier_name, s.first_extract, s.last_extract,
       s.last_extract = l.extract_date, pl.place_name
FROM spans s
JOIN area_version v
  ON v.area_level = s.area_level AND v.area_code = s.area_code AND v.extract_date = s.last_extract
CROSS JOIN latest l
LEFT JOIN (
  SELECT 'practice' AS area_level, practice_code, extract_date, practice_postcode, supplier_name FROM practice_map
) p
  ON p.area_level = v.area_level AND p.practice_code = v.area_code AND p.extract_date = s.last_extract
LEFT JOIN sub_icb_place pl ON v.area_level = 'sub_icb' AND pl.sub_icb_code = v.area_code
`;

/**
 * England (the root) and the Unknown chain (code 'UNKNOWN' at every level under England), for activity with no
 * or an unrecognised practice code. Always current.
 */
export const areaInsertRoot = query('reference.areaInsertRoot')`
INSERT INTO area (area_level, area_code, ons_code, name, parent_level, parent_code, postcode, supplier_name,
                  first_extract, last_extract, is_current)
WITH span AS (
  SELECT min(extract_date) AS first_extract, max(extract_date) AS last_extract FROM practice_map
)
SELECT 'england', 'E92000001', 'E92000001', 'England', NULL, NULL, NULL, NULL, first_extract, last_extract, TRUE
FROM span
UNION ALL
SELECT u.area_level, 'UNKNOWN', NULL, 'Unknown', u.parent_level, u.parent_code, NULL, NULL, NULL, NULL, TRUE
FROM (
  VALUES ('region', 'england', 'E92000001'),
         ('icb', 'region', 'UNKNOWN'),
         ('sub_icb', 'icb', 'UNKNOWN'),
         ('pcn', 'sub_icb', 'UNKNOWN'),
         ('practice', 'pcn', 'UNKNOWN')
) AS u (area_level, parent_level, parent_code)
`;

/**
 * Every area at every level in every practice-map release, with its name, ONS code and parent as recorded then;
 * plus England and the Unknown chain in each release.
 * A PCN's parent is the sub-ICB location holding most of its practices (ties: the lowest code): about ten real
 * PCNs span sub-ICB locations, and the unallocated PCN 'U' spans dozens. Each practice keeps its own sub-ICB
 * location in practice_map and area_ancestry, which is what figures roll up by.
 */
export const areaVersionInsert = query('reference.areaVersionInsert')`
INSERT INTO area_version (extract_date, area_level, area_code, ons_code, name, parent_level, parent_code)
WITH releases AS (
  SELECT DISTINCT extract_date FROM practice_map
),
pcn_sub_icb AS (
  SELECT extract_date, pcn_code, sub_icb_code,
         row_number() OVER (PARTITION BY extract_date, pcn_code ORDER BY count(*) DESC, sub_icb_code) AS rank
  FROM practice_map
  GROUP BY extract_date, pcn_code, sub_icb_code
),
unknown_chain (area_level, parent_level, parent_code) AS (
  VALUES ('region', 'england', 'E92000001'),
         ('icb', 'region', 'UNKNOWN'),
         ('sub_icb', 'icb', 'UNKNOWN'),
         ('pcn', 'sub_icb', 'UNKNOWN'),
         ('practice', 'pcn', 'UNKNOWN')
)
SELECT extract_date, 'england', 'E92000001', 'E92000001', 'England', NULL, NULL
FROM releases
UNION ALL
SELECT r.extract_date, u.area_level, 'UNKNOWN', NULL, 'Unknown', u.parent_level, u.parent_code
FROM releases r CROSS JOIN unknown_chain u
UNION ALL
SELECT extract_date, 'region', region_code, min(region_ons_code), min(region_name), 'england', 'E92000001'
FROM practice_map
GROUP BY extract_date, region_code
UNION ALL
SELECT extract_date, 'icb', icb_code, min(icb_ons_code), min(icb_name), 'region', min(region_code)
FROM practice_map
GROUP BY extract_date, icb_code
UNION ALL
SELECT extract_date, 'sub_icb', sub_icb_code, min(sub_icb_ons_code), min(sub_icb_name), 'icb', min(icb_code)
FROM practice_map
GROUP BY extract_date, sub_icb_code
UNION ALL
SELECT p.extract_date, 'pcn', p.pcn_code, NULL, min(p.pcn_name), 'sub_icb', min(s.sub_icb_code)
FROM practice_map p
JOIN pcn_sub_icb s ON s.extract_date = p.extract_date AND s.pcn_code = p.pcn_code AND s.rank = 1
GROUP BY p.extract_date, p.pcn_code
UNION ALL
SELECT extract_date, 'practice', practice_code, NULL, practice_name, 'pcn', pcn_code
FROM practice_map
`;

/**
 * A signature of the practice-map releases loaded (extract date and content hash of each), to tell whether the
 * area model was built from exactly these releases.
 */
export const areasSourceSignature = query('reference.areasSourceSignature')`
SELECT coalesce(string_agg(CAST(extract_date AS VARCHAR) || ':' || sha256, ',' ORDER BY extract_date), '') AS signature
FROM reference_release
WHERE kind = 'practice_map'
`;

/**
 * Removes the list sizes of one release of one source kind before it is replaced. $1 = extract date, $2 = kind.
 */
export const listSizeDeleteRelease = query('reference.listSizeDeleteRelease')`
DELETE FROM list_size
WHERE extract_date = CAST($1 AS DATE) AND source_kind = $2
`;

/**
 * One warehouse_meta value. $1 = key.
 */
export const metaGet = query('reference.metaGet')`
SELECT value FROM warehouse_meta WHERE key = $1
`;

/**
 * Sets one warehouse_meta value. $1 = key, $2 = value.
 */
export const metaSet = query('reference.metaSet')`
INSERT INTO warehouse_meta (key, value) VALUES ($1, $2)
ON CONFLICT (key) DO UPDATE SET value = excluded.value
`;

/**
 * The closure of the hierarchy as recorded in each practice-map release (valid from its extract date, until the
 * next release): every area of the release with each ancestor, itself at depth 0, up to England. A practice's
 * ancestors are those of its own row in the release (its PCN, sub-ICB location, ICB and region); the other
 * levels follow their parents in area_version. UNKNOWN in every release, under England.
 */
export const areaAncestryInsertAsRecorded = query('reference.areaAncestryInsertAsRecorded')`
INSERT INTO area_ancestry (structure, valid_from, area_level, area_code, ancestor_level, ancestor_code, depth)
WITH RECURSIVE up (valid_from, area_level, area_code, ancestor_level, ancestor_code, depth) AS (
  SELECT extract_date, area_level, area_code, area_level, area_code, 0 FROM area_version WHERE area_level <> 'practice'
  UNION ALL
  SELECT u.valid_from, u.area_level, u.area_code, v.parent_level, v.parent_code, u.depth + 1
  FROM up u
  JOIN area_version v
    ON v.extract_date = u.valid_from AND v.area_level = u.ancestor_level AND v.area_code = u.ancestor_code
  WHERE v.parent_code IS NOT NULL
),
practice AS (
  SELECT extract_date, practice_code, pcn_code, sub_icb_code, icb_code, region_code FROM practice_map
  UNION ALL
  SELECT DISTINCT extract_date, 'UNKNOWN', 'UNKNOWN', 'UNKNOWN', 'UNKNOWN', 'UNKNOWN' FROM practice_map
)
SELECT 'as_recorded', valid_from, area_level, area_code, ancestor_level, ancestor_code, depth FROM up
UNION ALL
SELECT 'as_recorded', extract_date, 'practice', practice_code,
       unnest(['practice', 'pcn', 'sub_icb', 'icb', 'region', 'england']),
       unnest([practice_code, pcn_code, sub_icb_code, icb_code, region_code, 'E92000001']),
       unnest(range(6))
FROM practice
`;

/**
 * The closure of today's structure: every area (current and closed, Unknown included) with each ancestor,
 * itself at depth 0, up to England, valid from 0001-01-01. A practice's PCN and sub-ICB location are those of
 * the last release it appears in (for a current practice, its row in the latest release), then the sub-ICB
 * location's ancestors in the area table; the other levels follow area.parent_code (a closed area keeps its last
 * known parent).
 */
export const areaAncestryInsertCurrent = query('reference.areaAncestryInsertCurrent')`
INSERT INTO area_ancestry (structure, valid_from, area_level, area_code, ancestor_level, ancestor_code, depth)
WITH RECURSIVE up (area_level, area_code, ancestor_level, ancestor_code, depth) AS (
  SELECT area_level, area_code, area_level, area_code, 0 FROM area WHERE area_level <> 'practice'
  UNION ALL
  SELECT u.area_level, u.area_code, a.parent_level, a.parent_code, u.depth + 1
  FROM up u
  JOIN area a ON a.area_level = u.ancestor_level AND a.area_code = u.ancestor_code
  WHERE a.parent_code IS NOT NULL
),
practice AS (
  SELECT a.area_code AS practice_code, p.pcn_code, p.sub_icb_code
  FROM area a
  JOIN practice_map p ON p.practice_code = a.area_code AND p.extract_date = a.last_extract
  WHERE a.area_level = 'practice' AND a.area_code <> 'UNKNOWN'
  UNION ALL
  SELECT 'UNKNOWN', 'UNKNOWN', 'UNKNOWN'
)
SELECT 'current', DATE '0001-01-01', area_level, area_code, ancestor_level, ancestor_code, depth FROM up
UNION ALL
SELECT 'current', DATE '0001-01-01', 'practice', practice_code, 'practice', practice_code, 0 FROM practice
UNION ALL
SELECT 'current', DATE '0001-01-01', 'practice', practice_code, 'pcn', pcn_code, 1 FROM practice
UNION ALL
SELECT 'current', DATE '0001-01-01', 'practice', p.practice_code, u.ancestor_level, u.ancestor_code, u.depth + 2
FROM practice p
JOIN up u ON u.area_level = 'sub_icb' AND u.area_code = p.sub_icb_code
`;

/**
 * Removes one practice-map release before it is replaced. $1 = extract date.
 */
export const practiceMapDeleteRelease = query('reference.practiceMapDeleteRelease')`
DELETE FROM practice_map
WHERE extract_date = CAST($1 AS DATE)
`;

/**
 * How many releases (of any kind) were loaded from a file with this content hash. $1 = sha256.
 */
export const releaseCountAnySha = query('reference.releaseCountAnySha')`
SELECT count(*) AS n
FROM reference_release
WHERE sha256 = $1
`;

/**
 * How many releases of a kind were loaded from a file with this content hash. $1 = kind, $2 = sha256.
 */
export const releaseCountSha = query('reference.releaseCountSha')`
SELECT count(*) AS n
FROM reference_release
WHERE kind = $1 AND sha256 = $2
`;

/**
 * Forgets one release before it is replaced. $1 = kind, $2 = extract date.
 */
export const releaseDelete = query('reference.releaseDelete')`
DELETE FROM reference_release
WHERE kind = $1 AND extract_date = CAST($2 AS DATE)
`;

/**
 * Records a loaded release. $1 = kind, $2 = extract date, $3 = publication, $4 = source file name,
 * $5 = sha256 of the file's (decompressed) content, $6 = rows stored.
 */
export const releaseInsert = query('reference.releaseInsert')`
INSERT INTO reference_release (kind, extract_date, publication, source_file, sha256, row_count, loaded_at)
VALUES ($1, CAST($2 AS DATE), $3, $4, $5, $6, CAST(now() AS TIMESTAMP))
`;

/**
 * The releases of one reference kind already loaded. $1 = kind.
 */
export const releaseListKind = query('reference.releaseListKind')`
SELECT CAST(extract_date AS VARCHAR) AS extract_date, sha256, row_count
FROM reference_release
WHERE kind = $1
ORDER BY extract_date
`;

/**
 * One sub-ICB location's place name. $1 sub-ICB code, $2 CCG code, $3 CCG ONS code, $4 CCG name, $5 place
 * name, $6 local authorities, $7 basis.
 */
export const subIcbPlaceInsert = query('reference.subIcbPlaceInsert')`
INSERT INTO sub_icb_place (sub_icb_code, ccg_code, ccg_ons_code, ccg_name, place_name, local_authorities, basis)
VALUES ($1, $2, $3, $4, $5, $6, $7)
`;
