-- Integer user keys (ADR 0027): pseudonymous user ids are dictionary-encoded, so the build's unique-user
-- passes group, sort and window on a 32-bit integer rather than a string. user_dim holds each id once (keys
-- are assigned by ingest, in the load's transaction, and never reused); activity_event keeps the id (loads
-- de-duplicate on event ids and match users on it) and gains its key; user_month's user_id column now holds
-- the key (an INTEGER) instead of the id: it keeps its name, so the figure store's rule still keeps this
-- per-user table back (src/figures/snapshot.ts, PERSONAL_COLUMNS). Existing warehouses: every id already
-- loaded gets a key, in id order. DuckDB only.
CREATE TABLE user_dim (
  user_key INTEGER NOT NULL,
  user_id VARCHAR NOT NULL USING COMPRESSION uncompressed
);
INSERT INTO user_dim
SELECT CAST(row_number() OVER (ORDER BY user_id) AS INTEGER), user_id
FROM (SELECT DISTINCT user_id FROM activity_event);

CREATE TABLE activity_event_keyed (
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
  load_id INTEGER NOT NULL,
  user_key INTEGER
);
-- In stored order (a load's rows stay in file order).
INSERT INTO activity_event_keyed
SELECT e.event_id, e.event_time, e.event_date, e.event_type, e.session_id, e.user_id, e.practice_code,
       e.identity_level, e.channel, e.p9_route, e.record_type, e.provider, e.service, e.load_id, d.user_key
FROM activity_event e
JOIN user_dim d ON d.user_id = e.user_id
ORDER BY e.rowid;
DROP TABLE activity_event;
ALTER TABLE activity_event_keyed RENAME TO activity_event;

CREATE TABLE user_month_keyed (
  sig VARCHAR NOT NULL,
  month DATE NOT NULL,
  user_id INTEGER NOT NULL,           -- the user's key in user_dim
  practice_key INTEGER NOT NULL,
  attr_date DATE NOT NULL
);
INSERT INTO user_month_keyed
SELECT m.sig, m.month, d.user_key, m.practice_key, m.attr_date
FROM user_month m
JOIN user_dim d ON d.user_id = m.user_id;
DROP TABLE user_month;
ALTER TABLE user_month_keyed RENAME TO user_month;
