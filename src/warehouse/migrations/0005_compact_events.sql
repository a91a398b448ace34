-- Compact event storage (ADR 0009): the closed vocabularies become ENUM types (one byte each, and they still
-- compare with text, so `event_type = 'login'` keeps working), and the per-event identifiers are stored
-- uncompressed (they are nearly all distinct, so compressing them cost most of the load time and saved little).
-- The columns and their names are unchanged. DuckDB only (ENUM types and column compression).
CREATE TYPE event_type_t AS ENUM ('login', 'registration', 'identity_uplift', 'appointment_booked',
  'appointment_cancelled', 'prescription_ordered', 'record_viewed', 'nominated_pharmacy_changed', 'nhs111_visit',
  'health_a_z_visit', 'data_opt_out_visit', 'organ_donation_registered', 'organ_donation_updated',
  'organ_donation_withdrawn', 'organ_donation_lookup', 'jump_off');
CREATE TYPE identity_level_t AS ENUM ('P0', 'P5', 'P9');
CREATE TYPE channel_t AS ENUM ('ios', 'android', 'web');
CREATE TYPE p9_route_t AS ENUM ('IDVM', 'PYI', 'POL');
CREATE TYPE record_type_t AS ENUM ('summary', 'detailed_coded');

CREATE TABLE activity_event_compact (
  event_id VARCHAR NOT NULL USING COMPRESSION uncompressed,
  event_time TIMESTAMPTZ NOT NULL,
  event_date DATE NOT NULL,
  event_type event_type_t NOT NULL,
  session_id VARCHAR USING COMPRESSION uncompressed,
  user_id VARCHAR NOT NULL USING COMPRESSION uncompressed,
  practice_code VARCHAR,
  identity_level identity_level_t NOT NULL,
  channel channel_t NOT NULL,
  p9_route p9_route_t,
  record_type record_type_t,
  provider VARCHAR,
  service VARCHAR,
  load_id INTEGER NOT NULL
);
INSERT INTO activity_event_compact SELECT * FROM activity_event;
DROP TABLE activity_event;
ALTER TABLE activity_event_compact RENAME TO activity_event;
