-- Urgent-care booking MI (issue 13, docs/adr/0020-booking-mi.md): booking-journey events, the files they came
-- from, and providers' slot availability. Kept apart from the App activity tables: another product area.

-- Every booking file loaded (events or slots), one row per file content: loading the same bytes again is a
-- no-op (kind + sha256). A load writes this row last, in the same transaction as its rows.
CREATE TABLE booking_load (
  load_id INTEGER PRIMARY KEY,
  kind VARCHAR NOT NULL,              -- events | slots
  source_file VARCHAR NOT NULL,
  sha256 VARCHAR NOT NULL,
  format VARCHAR NOT NULL,            -- csv | jsonl | parquet
  rows_read BIGINT NOT NULL,
  rows_loaded BIGINT NOT NULL,
  rows_duplicate BIGINT NOT NULL,     -- events: ids repeated in the file or already loaded; slots: keys replaced
  first_date DATE,
  last_date DATE,
  is_demo BOOLEAN NOT NULL,
  loaded_at TIMESTAMP NOT NULL,
  UNIQUE (kind, sha256)
);

-- One row per booking-journey event, typed. event_date is the Europe/London calendar date of event_time.
-- Columns not relevant to an event type are NULL.
CREATE TABLE booking_event (
  event_id VARCHAR NOT NULL PRIMARY KEY,
  event_time TIMESTAMPTZ NOT NULL,
  event_date DATE NOT NULL,
  event_type VARCHAR NOT NULL,
  case_id VARCHAR NOT NULL,
  consumer_ods VARCHAR,
  registered_practice VARCHAR,
  disposition_code VARCHAR,
  disposition_minutes INTEGER,
  service_id VARCHAR,
  provider_ods VARCHAR,
  service_rank INTEGER,
  top_service_bookable BOOLEAN,
  slot_id VARCHAR,
  slot_start TIMESTAMPTZ,
  appointment_id VARCHAR,
  previous_appointment_id VARCHAR,
  referral_outcome VARCHAR,
  http_status INTEGER,
  error_message VARCHAR,
  cancel_stage VARCHAR,
  load_id INTEGER NOT NULL
);

-- Slots a provider made available for a service on a day. One row per key: a later file with the same key
-- replaces the figure (a corrected return), and load_id says which file it came from.
CREATE TABLE booking_slots (
  date DATE NOT NULL,
  service_id VARCHAR NOT NULL,
  provider_ods VARCHAR NOT NULL,
  slots_available INTEGER NOT NULL,
  load_id INTEGER NOT NULL,
  PRIMARY KEY (date, service_id, provider_ods)
);

-- What is known about each case from all its events, whatever their dates (ADR 0020): kept by the ingest for
-- the cases each load touches, so that a measure reads the events in its range and joins their cases.
-- "First" and "last" are by (event_time, event_id). deadline = first triage time + its disposition minutes.
CREATE TABLE booking_case (
  case_id VARCHAR NOT NULL,
  practice VARCHAR,                   -- first registered_practice given
  consumer VARCHAR,                   -- first consumer_ods given
  disposition VARCHAR,                -- of the first triage_completed
  deadline TIMESTAMPTZ,               -- NULL without a triage_completed: its slots are neither breaching nor not
  selected_service VARCHAR,           -- of the last service_selected
  selected_provider VARCHAR,
  first_referral VARCHAR,             -- event_id of the first successful referral_sent
  booked BOOLEAN NOT NULL,            -- any booking_succeeded
  top_bookable BOOLEAN NOT NULL,      -- any services_presented with the top entry bookable
  slots INTEGER NOT NULL,             -- slot_offered events
  breaching INTEGER NOT NULL          -- of which start after the deadline
);
