/**
 * Users, sign-in links, sessions, API tokens and the audit log (the app-state store: DuckDB or PostgreSQL, ADR 0025).
 *
 * One exported query object per statement (ADR 0039): import it, pass it to the database (`db.all(q, params)`);
 * positional parameters $1, $2 … only, never values written into the text.
 */
import { query } from '../query.ts';

/**
 * Entries in the audit log: $1 = an action ('' for any), $2 = the actor's user id ('' for anyone).
 */
export const auditCount = query('auth.auditCount')`
SELECT count(*) AS n FROM audit_log
WHERE ($1::VARCHAR = '' OR action = $1::VARCHAR) AND ($2::VARCHAR = '' OR actor_user_id = $2::VARCHAR)
`;

/**
 * The actions the audit log holds, for its filter.
 */
export const auditActions = query('auth.auditActions')`
SELECT DISTINCT action FROM audit_log ORDER BY action
`;

/**
 * Appends to the audit log. $1 = at (ISO), $2 = actor user id, $3 = action, $4 = target, $5 = outcome,
 * $6 = detail, $7 = client hash. Returns the new row's id.
 */
export const auditInsert = query('auth.auditInsert')`
INSERT INTO audit_log (occurred_at, actor_user_id, action, target, outcome, detail, client_hash)
VALUES ($1::TIMESTAMP, $2, $3, $4, $5, $6, $7)
RETURNING audit_id
`;

/**
 * One page of the audit log, newest first, with the actor's email. $1 = limit, $2 = offset, $3 = an action ('' for
 * any), $4 = the actor's user id ('' for anyone).
 */
export const auditPage = query('auth.auditPage')`
SELECT a.audit_id, a.occurred_at AS at, a.actor_user_id, u.email AS actor_email, a.action, a.target, a.outcome, a.detail,
  a.client_hash
FROM audit_log a
LEFT JOIN app_user u ON u.user_id = a.actor_user_id
WHERE ($3::VARCHAR = '' OR a.action = $3::VARCHAR) AND ($4::VARCHAR = '' OR a.actor_user_id = $4::VARCHAR)
ORDER BY a.audit_id DESC
LIMIT $1 OFFSET $2
`;

/**
 * Forgets audit rows past the retention period (AUDIT_RETENTION_DAYS). $1 = cut-off (ISO).
 */
export const auditPurge = query('auth.auditPurge')`
DELETE FROM audit_log WHERE occurred_at < $1::TIMESTAMP
`;

/**
 * Rewrites the detail of one audit row (the running count of an aggregated row). $1 = audit id, $2 = detail.
 */
export const auditSetDetail = query('auth.auditSetDetail')`
UPDATE audit_log SET detail = $2 WHERE audit_id = $1
`;

/**
 * Takes one of a link's code attempts before its code is compared (ADR 0033), so however many guesses arrive
 * at once, at most $3 are ever compared. No row back: the link is used, spent, expired, has no code, or its
 * attempts are gone. $1 = token hash, $2 = now (ISO), $3 = attempts allowed.
 */
export const linkCodeAttempt = query('auth.linkCodeAttempt')`
UPDATE sign_in_link SET code_attempts = coalesce(code_attempts, 0) + 1
WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2::TIMESTAMP AND code_hash IS NOT NULL
  AND coalesce(code_attempts, 0) < $3::INTEGER
RETURNING code_hash, code_attempts
`;

/**
 * Marks a link used, once: only the first caller gets a row back. $1 = token hash, $2 = now (ISO).
 */
export const linkConsume = query('auth.linkConsume')`
UPDATE sign_in_link SET used_at = $2::TIMESTAMP
WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2::TIMESTAMP
RETURNING email, next_path
`;

/**
 * A sign-in link by token hash (used or not; the caller checks expiry, use, browser and code). $1 = token hash.
 */
export const linkFind = query('auth.linkFind')`
SELECT token_hash, email, browser_hash, next_path, created_at, expires_at, used_at, code_hash,
  coalesce(code_attempts, 0) AS code_attempts
FROM sign_in_link
WHERE token_hash = $1
`;

/**
 * Stores a one-time sign-in link. $1 = token hash, $2 = email, $3 = browser hash, $4 = next path,
 * $5 = now (ISO), $6 = expiry (ISO), $7 = keyed hash of its code (ADR 0033).
 */
export const linkInsert = query('auth.linkInsert')`
INSERT INTO sign_in_link
  (token_hash, email, browser_hash, next_path, created_at, expires_at, used_at, code_hash, code_attempts)
VALUES ($1, $2, $3, $4, $5::TIMESTAMP, $6::TIMESTAMP, NULL, $7, 0)
`;

/**
 * Forgets links that expired more than a day ago. $1 = cut-off (ISO).
 */
export const linkPurge = query('auth.linkPurge')`
DELETE FROM sign_in_link WHERE expires_at < $1::TIMESTAMP
`;

/**
 * Ends a link whose code attempts are used up (ADR 0033): it can no longer sign anyone in, in any browser, and
 * its code is forgotten (a used link with attempts and no code is one spent this way). $1 = token hash,
 * $2 = now (ISO).
 */
export const linkSpend = query('auth.linkSpend')`
UPDATE sign_in_link SET used_at = $2::TIMESTAMP, code_hash = NULL WHERE token_hash = $1 AND used_at IS NULL
`;

/**
 * Ends one session (sign-out). $1 = session hash. Returns the user id when there was one.
 */
export const sessionDelete = query('auth.sessionDelete')`
DELETE FROM user_session WHERE session_hash = $1
RETURNING user_id
`;

/**
 * Ends every session of a user (disabled, or role changed). $1 = user id.
 */
export const sessionDeleteUser = query('auth.sessionDeleteUser')`
DELETE FROM user_session WHERE user_id = $1
`;

/**
 * A live session of an active user. $1 = session hash, $2 = now (ISO), $3 = idle cut-off (ISO: last seen
 * must be after it).
 */
export const sessionFind = query('auth.sessionFind')`
SELECT s.session_hash, s.user_id, s.last_seen_at, s.expires_at, u.role
FROM user_session s
JOIN app_user u ON u.user_id = s.user_id
WHERE s.session_hash = $1
  AND s.expires_at > $2::TIMESTAMP
  AND s.last_seen_at > $3::TIMESTAMP
  AND u.status = 'active'
`;

/**
 * Starts a session. $1 = session hash, $2 = user id, $3 = method, $4 = now (ISO), $5 = absolute expiry (ISO),
 * $6 = user agent class.
 */
export const sessionInsert = query('auth.sessionInsert')`
INSERT INTO user_session (session_hash, user_id, method, created_at, last_seen_at, expires_at, user_agent_class)
VALUES ($1, $2, $3, $4::TIMESTAMP, $4::TIMESTAMP, $5::TIMESTAMP, $6)
`;

/**
 * Forgets sessions past their absolute or idle timeout. $1 = now (ISO), $2 = idle cut-off (ISO).
 */
export const sessionPurge = query('auth.sessionPurge')`
DELETE FROM user_session WHERE expires_at <= $1::TIMESTAMP OR last_seen_at <= $2::TIMESTAMP
`;

/**
 * Moves a session's idle timeout on. $1 = session hash, $2 = now (ISO).
 */
export const sessionTouch = query('auth.sessionTouch')`
UPDATE user_session SET last_seen_at = $2::TIMESTAMP WHERE session_hash = $1
`;

/**
 * Live API tokens of a user. $1 = user id.
 */
export const tokenCountUser = query('auth.tokenCountUser')`
SELECT count(*) AS n FROM api_token WHERE user_id = $1 AND revoked_at IS NULL
`;

/**
 * A live API token of an active user, by hash. $1 = token hash.
 */
export const tokenFind = query('auth.tokenFind')`
SELECT t.token_id, t.token_hash, t.user_id, t.last_used_at, u.role
FROM api_token t
JOIN app_user u ON u.user_id = t.user_id
WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.status = 'active'
`;

/**
 * Stores a personal API token. $1 = token id, $2 = token hash, $3 = user id, $4 = name, $5 = now (ISO).
 */
export const tokenInsert = query('auth.tokenInsert')`
INSERT INTO api_token (token_id, token_hash, user_id, name, created_at, last_used_at, revoked_at)
VALUES ($1, $2, $3, $4, $5::TIMESTAMP, NULL, NULL)
`;

/**
 * A user's API tokens, newest first. $1 = user id.
 */
export const tokenListUser = query('auth.tokenListUser')`
SELECT token_id, name, created_at, last_used_at, revoked_at
FROM api_token
WHERE user_id = $1
ORDER BY created_at DESC, token_id
`;

/**
 * Revokes one of a user's tokens. $1 = token id, $2 = user id, $3 = now (ISO). Returns the id if revoked.
 */
export const tokenRevoke = query('auth.tokenRevoke')`
UPDATE api_token SET revoked_at = $3::TIMESTAMP
WHERE token_id = $1 AND user_id = $2 AND revoked_at IS NULL
RETURNING token_id
`;

/**
 * Records a token's use. $1 = token id, $2 = now (ISO).
 */
export const tokenTouch = query('auth.tokenTouch')`
UPDATE api_token SET last_used_at = $2::TIMESTAMP WHERE token_id = $1
`;

/**
 * Active admins (the last one cannot be demoted or disabled from the web).
 */
export const userCountActiveAdmins = query('auth.userCountActiveAdmins')`
SELECT count(*) AS n FROM app_user WHERE role = 'admin' AND status = 'active'
`;

/**
 * One user by normalised email. $1 = email.
 */
export const userFindByEmail = query('auth.userFindByEmail')`
SELECT user_id, email, role, status, created_at, created_by, last_sign_in_at
FROM app_user
WHERE email = $1
`;

/**
 * One user by id. $1 = user id.
 */
export const userFindById = query('auth.userFindById')`
SELECT user_id, email, role, status, created_at, created_by, last_sign_in_at
FROM app_user
WHERE user_id = $1
`;

/**
 * Adds a user. $1 = user id, $2 = normalised email, $3 = role, $4 = status, $5 = now (ISO), $6 = created by.
 */
export const userInsert = query('auth.userInsert')`
INSERT INTO app_user (user_id, email, role, status, created_at, created_by, last_sign_in_at)
VALUES ($1, $2, $3, $4, $5::TIMESTAMP, $6, NULL)
`;

/**
 * Every user, by email.
 */
export const userList = query('auth.userList')`
SELECT user_id, email, role, status, created_at, created_by, last_sign_in_at
FROM app_user
ORDER BY email
`;

/**
 * Changes a user's role. $1 = user id, $2 = role. Returns the user id when it exists.
 */
export const userSetRole = query('auth.userSetRole')`
UPDATE app_user SET role = $2 WHERE user_id = $1
RETURNING user_id
`;

/**
 * Enables or disables a user. $1 = user id, $2 = status. Returns the user id when it exists.
 */
export const userSetStatus = query('auth.userSetStatus')`
UPDATE app_user SET status = $2 WHERE user_id = $1
RETURNING user_id
`;

/**
 * Records a successful sign-in. $1 = user id, $2 = now (ISO).
 */
export const userTouchSignIn = query('auth.userTouchSignIn')`
UPDATE app_user SET last_sign_in_at = $2::TIMESTAMP WHERE user_id = $1
`;
