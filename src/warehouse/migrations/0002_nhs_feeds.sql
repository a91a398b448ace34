-- The NHS's own aggregated NHS App feeds and the published NHS App Management Information (MI) statistics,
-- imported in their real formats (src/ingest/feeds/). Kept apart from the figures we derive from activity events:
-- nothing here feeds metric_value. Written in SQL that PostgreSQL also accepts.

-- Every feed file loaded. A file whose content (sha256 of the decompressed bytes) was loaded before as the same
-- kind is not loaded again. A later delivery that covers periods already loaded replaces them (a correction):
-- rows_replaced counts the rows of earlier loads it removed.
CREATE TABLE feed_load (
  load_id INTEGER PRIMARY KEY,
  kind VARCHAR NOT NULL,            -- practice-snapshot | integrated-partners | downloads | pomi | mi-publication
  file_kind VARCHAR NOT NULL,       -- snapshot | weekly | monthly | icb-csv | national-csv | workbook
  source_file VARCHAR NOT NULL,     -- the file's base name
  sha256 VARCHAR NOT NULL,
  rows_read BIGINT NOT NULL,        -- data rows read from the file
  rows_loaded BIGINT NOT NULL,      -- rows written to the feed's table by this load
  rows_replaced BIGINT NOT NULL,    -- rows of earlier loads deleted because this load covers their periods
  first_date DATE,                  -- first day (or month start) covered
  last_date DATE,                   -- last day (or month start) covered
  warnings VARCHAR,                 -- one warning per line; NULL when none
  loaded_at TIMESTAMP NOT NULL,
  UNIQUE (kind, sha256)
);

-- nhs_app_table_snapshot_yyyy_mm_dd.csv: one row per GP practice per day. Blank cells are 0 (as the NHS pipeline
-- read them); a column missing from a delivery is NULL for its rows.
CREATE TABLE feed_practice_daily (
  date DATE NOT NULL,
  practice_code VARCHAR NOT NULL,
  p5_new_app_users BIGINT,
  accepted_terms_and_conditions BIGINT,
  p9_verified_nhs_app_users BIGINT,
  logins BIGINT,
  record_views BIGINT,
  prescriptions BIGINT,
  nom_pharmacy BIGINT,
  appointments_booked BIGINT,
  appointments_cancelled BIGINT,
  od_registrations BIGINT,
  od_withdrawals BIGINT,
  od_updates BIGINT,
  od_lookups BIGINT,
  record_views_dcr BIGINT,
  record_views_scr BIGINT,
  load_id INTEGER NOT NULL,
  PRIMARY KEY (date, practice_code)
);

-- WeeklyIntegratedPartners_NHSApp_Counts_yyyymmdd.csv: jump-off clicks to integrated partners, per practice and
-- day. Rows repeating (date, practice, provider, jump-off) in one file are summed. The legacy `…Cie` (Care
-- Information Exchange) jump-offs keep their name in jump_off, with is_cie and the base name in service.
CREATE TABLE feed_partner_daily (
  date DATE NOT NULL,
  practice_code VARCHAR NOT NULL,
  provider VARCHAR NOT NULL,
  jump_off VARCHAR NOT NULL,        -- as delivered, e.g. messagesCie
  service VARCHAR NOT NULL,         -- jump_off without the Cie suffix, e.g. messages
  is_cie BOOLEAN NOT NULL,
  clicks BIGINT NOT NULL,
  source_rows INTEGER NOT NULL,     -- file rows summed into this row (1 unless the file repeated the key)
  load_id INTEGER NOT NULL,
  PRIMARY KEY (date, practice_code, provider, jump_off)
);

-- WeeklyDownloads_NHSApp_Counts_yyyymmdd.csv and …MonthlyDownloads… files: App downloads per day and store.
CREATE TABLE feed_downloads_daily (
  date DATE NOT NULL,
  device_type VARCHAR NOT NULL,     -- Apple | Google
  downloads BIGINT NOT NULL,
  file_kind VARCHAR NOT NULL,       -- weekly | monthly: which delivery the figure came from
  load_id INTEGER NOT NULL,
  PRIMARY KEY (date, device_type)
);

-- POMI (Patient Online Management Information), long format: one value per practice, month and field code.
CREATE TABLE feed_pomi (
  month DATE NOT NULL,              -- first day of the month of report_period_end
  report_period_end DATE NOT NULL,
  practice_code VARCHAR NOT NULL,
  field VARCHAR NOT NULL,           -- Pat_Appts_Use, Total_Pat_Enbld, patient_list_size, …
  value BIGINT NOT NULL,
  supplier VARCHAR,                 -- System_Supplier
  region_code VARCHAR,
  subregion_code VARCHAR,
  ccg_code VARCHAR,
  effective_snapshot_date DATE,
  report_period_length VARCHAR,
  load_id INTEGER NOT NULL,
  PRIMARY KEY (month, practice_code, field)
);

-- The NHS App Management Information publication as published (Table 1 national, Table 2 ICB, or its CSVs).
-- England rows carry icb_code E92000001 and icb_name 'England'; the publication's "Unknown" ICB row carries
-- icb_code and region_code 'UNKNOWN'.
CREATE TABLE mi_published (
  month DATE NOT NULL,              -- first day of the month
  level VARCHAR NOT NULL,           -- england | icb
  icb_code VARCHAR NOT NULL,
  icb_name VARCHAR NOT NULL,
  region_code VARCHAR,              -- NULL on england rows
  region_name VARCHAR,
  measure VARCHAR NOT NULL,         -- logins | unique_logins
  value BIGINT NOT NULL,
  source_file VARCHAR NOT NULL,
  load_id INTEGER NOT NULL,
  PRIMARY KEY (month, level, icb_code, measure)
);
