-- Access control (issue 5, docs/adr/0013-access-control.md): users, one-time sign-in links, server-side
-- sessions, personal API tokens and the audit log. Secrets (links, session ids, API tokens, the browser
-- binding) are stored only as SHA-256 hashes. Written in SQL that PostgreSQL also accepts.

CREATE TABLE app_user (
  user_id VARCHAR PRIMARY KEY,          -- opaque random id (the only user reference in logs)
  email VARCHAR NOT NULL UNIQUE,        -- normalised: lower case, checked against the domain allow-list
  role VARCHAR NOT NULL,                -- viewer | admin
  status VARCHAR NOT NULL,              -- active | disabled
  created_at TIMESTAMP NOT NULL,        -- UTC
  created_by VARCHAR,                   -- user id of the admin who invited them, 'cli', or NULL (self sign-in)
  last_sign_in_at TIMESTAMP,
  CHECK (role IN ('viewer', 'admin')),
  CHECK (status IN ('active', 'disabled'))
);

-- Emailed one-time sign-in links: valid 15 minutes, once, from the browser that asked for them.
CREATE TABLE sign_in_link (
  token_hash VARCHAR PRIMARY KEY,       -- SHA-256 of the token in the link
  email VARCHAR NOT NULL,               -- normalised address the link was sent to
  browser_hash VARCHAR NOT NULL,        -- SHA-256 of the binding cookie set in the requesting browser
  next_path VARCHAR NOT NULL,           -- same-site path to go to after signing in
  created_at TIMESTAMP NOT NULL,
  expires_at TIMESTAMP NOT NULL,
  used_at TIMESTAMP
);

CREATE TABLE user_session (
  session_hash VARCHAR PRIMARY KEY,     -- SHA-256 of the session cookie's value
  user_id VARCHAR NOT NULL,
  method VARCHAR NOT NULL,              -- email-link | oidc
  created_at TIMESTAMP NOT NULL,
  last_seen_at TIMESTAMP NOT NULL,      -- idle timeout counts from here
  expires_at TIMESTAMP NOT NULL,        -- absolute timeout
  user_agent_class VARCHAR NOT NULL     -- coarse browser family, e.g. "Chrome", never the full header
);

CREATE TABLE api_token (
  token_id VARCHAR PRIMARY KEY,         -- public random id, used in revoke forms
  token_hash VARCHAR NOT NULL UNIQUE,   -- SHA-256 of the token
  user_id VARCHAR NOT NULL,
  name VARCHAR NOT NULL,
  created_at TIMESTAMP NOT NULL,
  last_used_at TIMESTAMP,
  revoked_at TIMESTAMP
);

CREATE SEQUENCE audit_log_seq START 1;

-- Who did what, when: sign-ins (success and failure), sign-outs, token use, downloads, admin actions.
-- Never holds a link, session id or token. `target` names the object acted on (a user id, a token id, a
-- path, or for refused sign-in requests only the email domain and a keyed hash of the address).
CREATE TABLE audit_log (
  audit_id BIGINT PRIMARY KEY DEFAULT nextval('audit_log_seq'),
  occurred_at TIMESTAMP NOT NULL,      -- UTC
  actor_user_id VARCHAR,                -- NULL: an anonymous visitor
  action VARCHAR NOT NULL,              -- e.g. sign-in.request, sign-in.success, token.use, user.role
  target VARCHAR,
  outcome VARCHAR NOT NULL,             -- success | failure | refused
  detail VARCHAR,                       -- a short reason, never a secret
  client_hash VARCHAR                   -- keyed hash of the client address (links events, hides the address)
);

CREATE INDEX audit_log_occurred_at ON audit_log (occurred_at);
CREATE INDEX user_session_user ON user_session (user_id);
