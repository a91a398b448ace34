-- The app state (issue 10, docs/adr/0025-app-state-store.md): users, one-time sign-in links, server-side
-- sessions, personal API tokens, the audit log and the refresh history, in a store of their own (the embedded
-- DuckDB file DATA_DIR/state/app-state.duckdb, or PostgreSQL with DATABASE_URL). Runs unchanged on both
-- engines. Secrets (links, session ids, API tokens, the browser binding) are stored only as SHA-256 hashes.
-- Every TIMESTAMP is UTC. The tables are those of warehouse migrations 0010 and 0013, which the first start
-- after the upgrade empties into this store (src/app-state/move-from-warehouse.ts).

CREATE TABLE IF NOT EXISTS app_user (
  user_id VARCHAR PRIMARY KEY,          -- opaque random id (the only user reference in logs)
  email VARCHAR NOT NULL UNIQUE,        -- normalised: lower case, checked against the domain allow-list
  role VARCHAR NOT NULL,                -- viewer | admin
  status VARCHAR NOT NULL,              -- active | disabled
  created_at TIMESTAMP NOT NULL,
  created_by VARCHAR,                   -- user id of the admin who invited them, 'cli', or NULL (self sign-in)
  last_sign_in_at TIMESTAMP,
  CHECK (role IN ('viewer', 'admin')),
  CHECK (status IN ('active', 'disabled'))
);

-- Emailed one-time sign-in links: valid 15 minutes, once, from the browser that asked for them.
CREATE TABLE IF NOT EXISTS sign_in_link (
  token_hash VARCHAR PRIMARY KEY,       -- SHA-256 of the token in the link
  email VARCHAR NOT NULL,
  browser_hash VARCHAR NOT NULL,        -- SHA-256 of the binding cookie set in the requesting browser
  next_path VARCHAR NOT NULL,
  created_at TIMESTAMP NOT NULL,
  expires_at TIMESTAMP NOT NULL,
  used_at TIMESTAMP
);

CREATE TABLE IF NOT EXISTS user_session (
  session_hash VARCHAR PRIMARY KEY,     -- SHA-256 of the session cookie's value (the lookup of every request)
  user_id VARCHAR NOT NULL,
  method VARCHAR NOT NULL,              -- email-link | oidc
  created_at TIMESTAMP NOT NULL,
  last_seen_at TIMESTAMP NOT NULL,      -- idle timeout counts from here
  expires_at TIMESTAMP NOT NULL,        -- absolute timeout
  user_agent_class VARCHAR NOT NULL     -- coarse browser family, never the full header
);

CREATE TABLE IF NOT EXISTS api_token (
  token_id VARCHAR PRIMARY KEY,         -- public random id, used in revoke forms
  token_hash VARCHAR NOT NULL UNIQUE,   -- SHA-256 of the token (the lookup of every API request)
  user_id VARCHAR NOT NULL,
  name VARCHAR NOT NULL,
  created_at TIMESTAMP NOT NULL,
  last_used_at TIMESTAMP,
  revoked_at TIMESTAMP
);

CREATE SEQUENCE IF NOT EXISTS audit_log_seq START 1;

-- Who did what, when. Never holds a link, session id or token.
CREATE TABLE IF NOT EXISTS audit_log (
  audit_id BIGINT PRIMARY KEY DEFAULT nextval('audit_log_seq'),
  occurred_at TIMESTAMP NOT NULL,
  actor_user_id VARCHAR,                -- NULL: an anonymous visitor
  action VARCHAR NOT NULL,
  target VARCHAR,
  outcome VARCHAR NOT NULL,             -- success | failure | refused
  detail VARCHAR,                       -- a short reason, never a secret
  client_hash VARCHAR                   -- keyed hash of the client address
);

CREATE INDEX IF NOT EXISTS audit_log_occurred_at ON audit_log (occurred_at);
CREATE INDEX IF NOT EXISTS user_session_user ON user_session (user_id);
CREATE INDEX IF NOT EXISTS api_token_user ON api_token (user_id);

-- Refresh runs (ADR 0018) and each run's files.
CREATE TABLE IF NOT EXISTS refresh_run (
  run_id INTEGER PRIMARY KEY,
  triggered_by VARCHAR NOT NULL,        -- schedule | admin | cli
  started_at TIMESTAMP NOT NULL,
  finished_at TIMESTAMP,
  status VARCHAR NOT NULL,              -- running | succeeded | files-rejected | failed | interrupted
  files_loaded INTEGER NOT NULL DEFAULT 0,
  files_already_loaded INTEGER NOT NULL DEFAULT 0,
  files_rejected INTEGER NOT NULL DEFAULT 0,
  files_waiting INTEGER NOT NULL DEFAULT 0,
  rows_loaded BIGINT NOT NULL DEFAULT 0,
  rows_rejected BIGINT NOT NULL DEFAULT 0,
  build_kind VARCHAR,
  first_period DATE,
  last_period DATE,
  figures_written BIGINT,
  data_version INTEGER,
  error VARCHAR
);

CREATE TABLE IF NOT EXISTS refresh_file (
  run_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  file_name VARCHAR NOT NULL,
  kind VARCHAR,
  outcome VARCHAR NOT NULL,             -- loaded | already-loaded | rejected | waiting
  rows_loaded BIGINT NOT NULL DEFAULT 0,
  rows_rejected BIGINT NOT NULL DEFAULT 0,
  line INTEGER,
  field VARCHAR,
  reason VARCHAR,
  moved_to VARCHAR,
  PRIMARY KEY (run_id, seq)
);

-- Settings of the app state: the signing key when AUTH_SECRET is not set (shared by every instance).
CREATE TABLE IF NOT EXISTS app_state_meta (
  key VARCHAR PRIMARY KEY,
  value VARCHAR NOT NULL
);
