-- Who uses the NHS App, by age and by deprivation (docs/adr/0072-who-uses-the-app.md): the real figures of NHS
-- England's FOI response FOI-2507-2241508 (England, March to May 2025; OGL v3.0), shipped in
-- data/reference/nhs-app/, and England's registered patients in the same age bands, from the shipped
-- single-year-of-age list-size file. Filled at start by loadBundledFoiDemographics
-- (src/ingest/feeds/foi-demographics.ts); published figures, not computed ones.
CREATE TABLE foi_app_logins (
  source VARCHAR NOT NULL,       -- the FOI reference, e.g. FOI-2507-2241508
  month DATE NOT NULL,           -- first day of the month
  breakdown VARCHAR NOT NULL,    -- age | imd
  grp VARCHAR NOT NULL,          -- '13 to 14' … '100+', or the IMD decile '1' (most deprived) … '10'; 'Unknown'
  logins BIGINT NOT NULL,
  unique_users BIGINT NOT NULL,  -- people who logged in at least once in the month
  PRIMARY KEY (source, month, breakdown, grp)
);

CREATE TABLE patients_by_age_band (
  extract_date DATE NOT NULL,    -- the list-size release (first of the month)
  age_group VARCHAR NOT NULL,    -- the FOI's bands; '95+' covers its '95 to 99' and '100+'
  age_from INTEGER NOT NULL,
  patients BIGINT NOT NULL,      -- England, all sexes
  PRIMARY KEY (extract_date, age_group)
);
