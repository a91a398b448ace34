-- Place names of sub-ICB locations (issue 14, docs/adr/0028-sub-icb-place-names.md): each sub-ICB location's
-- former CCG (same ODS code, except U2G6B), the place name derived from it, and the local authorities the CCG
-- covered, from data/reference/sub-icb-place-names.csv. Refilled by rebuildAreas (src/ingest/reference/areas.ts)
-- from the shipped file; area.place_name copies the place name onto the sub-ICB rows of the area model.
CREATE TABLE sub_icb_place (
  sub_icb_code VARCHAR PRIMARY KEY,   -- ODS code of the sub-ICB location
  ccg_code VARCHAR NOT NULL,          -- ODS code of the former CCG
  ccg_ons_code VARCHAR NOT NULL,      -- its ONS code (E38…), April 2021 (April 2020 for 15D)
  ccg_name VARCHAR NOT NULL,          -- the whole former CCG name, e.g. NHS Leeds CCG
  place_name VARCHAR NOT NULL,        -- e.g. Leeds
  local_authorities VARCHAR NOT NULL, -- local authority districts (2021) the CCG covered, '; '-separated
  basis VARCHAR NOT NULL              -- ccg_name | local_authorities | inferred
);

ALTER TABLE area ADD COLUMN place_name VARCHAR;
