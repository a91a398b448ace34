/**
 * The stored side of access control: users, sign-in links, sessions, API tokens and the audit log, in the
 * app-state store (src/app-state: the embedded DuckDB file or PostgreSQL, docs/adr/0025). One SQL file per
 * query under src/warehouse/sql/auth.ts, written to run on both engines. Times are passed in as ISO instants
 * from the app's clock (cast in SQL), so tests can move time on; they come back as Date.
 */
import { randomUUID } from 'node:crypto';
import type { Role } from '../domain/access.ts';
import type { StateQueries } from '../app-state/state-db.ts';
import { listStateMigrations } from '../app-state/open.ts';
import * as authSql from '../warehouse/sql/auth.ts';

export type UserStatus = 'active' | 'disabled';

export interface User {
  userId: string;
  email: string;
  role: Role;
  status: UserStatus;
  createdAt: Date;
  createdBy: string | null;
  lastSignInAt: Date | null;
}

interface UserRow {
  user_id: string;
  email: string;
  role: Role;
  status: UserStatus;
  created_at: Date;
  created_by: string | null;
  last_sign_in_at: Date | null;
}

function toUser(r: UserRow): User {
  return {
    userId: r.user_id,
    email: r.email,
    role: r.role,
    status: r.status,
    createdAt: r.created_at,
    createdBy: r.created_by,
    lastSignInAt: r.last_sign_in_at,
  };
}

const iso = (d: Date) => d.toISOString();

// ---- users -------------------------------------------------------------------------------------------

export async function findUserByEmail(db: StateQueries, email: string): Promise<User | null> {
  const r = await db.one<UserRow>(authSql.userFindByEmail, [email]);
  return r ? toUser(r) : null;
}

export async function findUserById(db: StateQueries, userId: string): Promise<User | null> {
  const r = await db.one<UserRow>(authSql.userFindById, [userId]);
  return r ? toUser(r) : null;
}

export async function listUsers(db: StateQueries): Promise<User[]> {
  return (await db.all<UserRow>(authSql.userList)).map(toUser);
}

/** Adds a user (the email must already be checked and normalised). */
export async function insertUser(
  db: StateQueries,
  opts: { email: string; role: Role; now: Date; createdBy: string | null },
): Promise<User> {
  const userId = randomUUID();
  await db.run(authSql.userInsert, [userId, opts.email, opts.role, 'active', iso(opts.now), opts.createdBy]);
  return (await findUserById(db, userId))!;
}

export async function setUserRole(db: StateQueries, userId: string, role: Role): Promise<boolean> {
  return (await db.all(authSql.userSetRole, [userId, role])).length > 0;
}

export async function setUserStatus(db: StateQueries, userId: string, status: UserStatus): Promise<boolean> {
  return (await db.all(authSql.userSetStatus, [userId, status])).length > 0;
}

export async function countActiveAdmins(db: StateQueries): Promise<number> {
  return Number((await db.scalar<number>(authSql.userCountActiveAdmins)) ?? 0);
}

export async function touchSignIn(db: StateQueries, userId: string, now: Date): Promise<void> {
  await db.run(authSql.userTouchSignIn, [userId, iso(now)]);
}

// ---- sign-in links -----------------------------------------------------------------------------------

export interface SignInLink {
  tokenHash: string;
  email: string;
  browserHash: string;
  nextPath: string;
  createdAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
  /** Keyed hash of the code shown in the asking browser (ADR 0033); null for links made before it. */
  codeHash: string | null;
  /** Codes entered for it in other browsers so far. */
  codeAttempts: number;
}

/**
 * App-state migration 0002's columns on a sign_in_link that lacks them: the warehouse's own table (warehouse
 * migration 0010), which apps built on a bare warehouse without an app-state store (tests) still use. The
 * migration's own SQL, so there is one definition; idempotent.
 */
export async function ensureLinkCodeColumns(db: StateQueries): Promise<void> {
  const migration = listStateMigrations().find((m) => m.version === 2);
  if (!migration) throw new Error('app-state migration 0002 is missing');
  await db.run(migration.sql);
}

export async function insertLink(
  db: StateQueries,
  link: {
    tokenHash: string;
    email: string;
    browserHash: string;
    nextPath: string;
    now: Date;
    expiresAt: Date;
    codeHash: string;
  },
): Promise<void> {
  await db.run(authSql.linkInsert, [
    link.tokenHash,
    link.email,
    link.browserHash,
    link.nextPath,
    iso(link.now),
    iso(link.expiresAt),
    link.codeHash,
  ]);
}

export async function findLink(db: StateQueries, tokenHash: string): Promise<SignInLink | null> {
  const r = await db.one<{
    token_hash: string;
    email: string;
    browser_hash: string;
    next_path: string;
    created_at: Date;
    expires_at: Date;
    used_at: Date | null;
    code_hash: string | null;
    code_attempts: number;
  }>(authSql.linkFind, [tokenHash]);
  if (!r) return null;
  return {
    tokenHash: r.token_hash,
    email: r.email,
    browserHash: r.browser_hash,
    nextPath: r.next_path,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    usedAt: r.used_at,
    codeHash: r.code_hash,
    codeAttempts: Number(r.code_attempts),
  };
}

/** Marks a link used; true for the one caller that got to it first while it was still valid. */
export async function consumeLink(db: StateQueries, tokenHash: string, now: Date): Promise<boolean> {
  return (await db.all(authSql.linkConsume, [tokenHash, iso(now)])).length === 1;
}

/**
 * Takes one code attempt of a live link, before the code is compared: so of any number of guesses sent at
 * once, at most `allowed` are ever compared. Null when none is left (or the link is used, expired or has no
 * code); else the stored code hash and this attempt's number (1 for the first).
 */
export async function takeCodeAttempt(
  db: StateQueries,
  tokenHash: string,
  now: Date,
  allowed: number,
): Promise<{ codeHash: string; attempt: number } | null> {
  const r = await db.one<{ code_hash: string; code_attempts: number }>(authSql.linkCodeAttempt, [
    tokenHash,
    iso(now),
    allowed,
  ]);
  return r ? { codeHash: r.code_hash, attempt: Number(r.code_attempts) } : null;
}

/** Ends a link (its code attempts are used up): it signs nobody in after this, in any browser. */
export async function spendLink(db: StateQueries, tokenHash: string, now: Date): Promise<void> {
  await db.run(authSql.linkSpend, [tokenHash, iso(now)]);
}

// ---- sessions ----------------------------------------------------------------------------------------

export interface LiveSession {
  sessionHash: string;
  userId: string;
  role: Role;
  lastSeenAt: Date;
  expiresAt: Date;
}

export async function insertSession(
  db: StateQueries,
  s: {
    sessionHash: string;
    userId: string;
    method: string;
    now: Date;
    expiresAt: Date;
    userAgentClass: string;
  },
): Promise<void> {
  await db.run(authSql.sessionInsert, [
    s.sessionHash,
    s.userId,
    s.method,
    iso(s.now),
    iso(s.expiresAt),
    s.userAgentClass,
  ]);
}

export async function findLiveSession(
  db: StateQueries,
  sessionHash: string,
  now: Date,
  idleCutoff: Date,
): Promise<LiveSession | null> {
  const r = await db.one<{
    session_hash: string;
    user_id: string;
    role: Role;
    last_seen_at: Date;
    expires_at: Date;
  }>(authSql.sessionFind, [sessionHash, iso(now), iso(idleCutoff)]);
  if (!r) return null;
  return {
    sessionHash: r.session_hash,
    userId: r.user_id,
    role: r.role,
    lastSeenAt: r.last_seen_at,
    expiresAt: r.expires_at,
  };
}

export async function touchSession(db: StateQueries, sessionHash: string, now: Date): Promise<void> {
  await db.run(authSql.sessionTouch, [sessionHash, iso(now)]);
}

/** Ends a session; returns its user id, or null when there was none. */
export async function deleteSession(db: StateQueries, sessionHash: string): Promise<string | null> {
  const rows = await db.all<{ user_id: string }>(authSql.sessionDelete, [sessionHash]);
  return rows[0]?.user_id ?? null;
}

export async function deleteUserSessions(db: StateQueries, userId: string): Promise<void> {
  await db.run(authSql.sessionDeleteUser, [userId]);
}

/** Forgets expired sessions and links. */
export async function purgeExpired(db: StateQueries, now: Date, idleCutoff: Date): Promise<void> {
  await db.run(authSql.sessionPurge, [iso(now), iso(idleCutoff)]);
  await db.run(authSql.linkPurge, [iso(new Date(now.getTime() - 24 * 3600_000))]);
}

// ---- API tokens --------------------------------------------------------------------------------------

export interface ApiTokenInfo {
  tokenId: string;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export interface LiveApiToken {
  tokenId: string;
  tokenHash: string;
  userId: string;
  role: Role;
  lastUsedAt: Date | null;
}

export async function insertApiToken(
  db: StateQueries,
  t: { tokenHash: string; userId: string; name: string; now: Date },
): Promise<string> {
  const tokenId = randomUUID();
  await db.run(authSql.tokenInsert, [tokenId, t.tokenHash, t.userId, t.name, iso(t.now)]);
  return tokenId;
}

export async function findLiveApiToken(db: StateQueries, tokenHash: string): Promise<LiveApiToken | null> {
  const r = await db.one<{
    token_id: string;
    token_hash: string;
    user_id: string;
    role: Role;
    last_used_at: Date | null;
  }>(authSql.tokenFind, [tokenHash]);
  if (!r) return null;
  return {
    tokenId: r.token_id,
    tokenHash: r.token_hash,
    userId: r.user_id,
    role: r.role,
    lastUsedAt: r.last_used_at,
  };
}

export async function touchApiToken(db: StateQueries, tokenId: string, now: Date): Promise<void> {
  await db.run(authSql.tokenTouch, [tokenId, iso(now)]);
}

export async function listApiTokens(db: StateQueries, userId: string): Promise<ApiTokenInfo[]> {
  const rows = await db.all<{
    token_id: string;
    name: string;
    created_at: Date;
    last_used_at: Date | null;
    revoked_at: Date | null;
  }>(authSql.tokenListUser, [userId]);
  return rows.map((r) => ({
    tokenId: r.token_id,
    name: r.name,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    revokedAt: r.revoked_at,
  }));
}

export async function countLiveApiTokens(db: StateQueries, userId: string): Promise<number> {
  return Number((await db.scalar<number>(authSql.tokenCountUser, [userId])) ?? 0);
}

/** Revokes one of the user's own tokens; false when it is not theirs or already revoked. */
export async function revokeApiToken(
  db: StateQueries,
  tokenId: string,
  userId: string,
  now: Date,
): Promise<boolean> {
  return (await db.all(authSql.tokenRevoke, [tokenId, userId, iso(now)])).length > 0;
}

// ---- audit log ---------------------------------------------------------------------------------------

export type AuditOutcome = 'success' | 'failure' | 'refused';

export interface AuditEntry {
  at: Date;
  actorUserId: string | null;
  action: string;
  target: string | null;
  outcome: AuditOutcome;
  detail: string | null;
  clientHash: string | null;
}

/** Appends an audit row; returns its id. */
export async function insertAudit(db: StateQueries, e: AuditEntry): Promise<number> {
  const row = await db.one<{ audit_id: number | bigint }>(authSql.auditInsert, [
    iso(e.at),
    e.actorUserId,
    e.action,
    e.target,
    e.outcome,
    e.detail,
    e.clientHash,
  ]);
  return Number(row?.audit_id ?? 0);
}

/** Rewrites one audit row's detail (the running count of an aggregated row). */
export async function setAuditDetail(db: StateQueries, auditId: number, detail: string): Promise<void> {
  await db.run(authSql.auditSetDetail, [auditId, detail]);
}

/** Forgets audit rows older than `cutoff` (the retention period). */
export async function purgeAudit(db: StateQueries, cutoff: Date): Promise<void> {
  await db.run(authSql.auditPurge, [iso(cutoff)]);
}

export interface AuditRow extends AuditEntry {
  auditId: number;
  actorEmail: string | null;
}

/** What a page of the audit log is narrowed to: one action, one actor (both optional). */
export interface AuditFilter {
  action?: string;
  actorUserId?: string;
}

export async function auditPage(
  db: StateQueries,
  limit: number,
  offset: number,
  filter: AuditFilter = {},
): Promise<AuditRow[]> {
  const rows = await db.all<{
    audit_id: number;
    at: Date;
    actor_user_id: string | null;
    actor_email: string | null;
    action: string;
    target: string | null;
    outcome: AuditOutcome;
    detail: string | null;
    client_hash: string | null;
  }>(authSql.auditPage, [limit, offset, filter.action ?? '', filter.actorUserId ?? '']);
  return rows.map((r) => ({
    auditId: r.audit_id,
    at: r.at,
    actorUserId: r.actor_user_id,
    actorEmail: r.actor_email,
    action: r.action,
    target: r.target,
    outcome: r.outcome,
    detail: r.detail,
    clientHash: r.client_hash,
  }));
}

export async function auditCount(db: StateQueries, filter: AuditFilter = {}): Promise<number> {
  return Number(
    (await db.scalar<number>(authSql.auditCount, [filter.action ?? '', filter.actorUserId ?? ''])) ?? 0,
  );
}

/** The actions the audit log holds, in order. */
export async function auditActions(db: StateQueries): Promise<string[]> {
  return (await db.all<{ action: string }>(authSql.auditActions)).map((r) => r.action);
}

// ---- app-state settings ------------------------------------------------------------------------------

/** One value of app_state_meta (e.g. the signing key), or null. */
export async function getStateMeta(db: StateQueries, key: string): Promise<string | null> {
  return (await db.scalar<string>('SELECT value FROM app_state_meta WHERE key = $1', [key])) ?? null;
}

/**
 * Sets a value unless one is there already, and returns the value kept: when two instances create the signing
 * key at once, both end up with the first one written.
 */
export async function putStateMetaIfAbsent(db: StateQueries, key: string, value: string): Promise<string> {
  await db.run('INSERT INTO app_state_meta (key, value) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
    key,
    value,
  ]);
  return (await getStateMeta(db, key)) ?? value;
}
