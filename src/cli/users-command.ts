/**
 * `nhs-app-analytics users add EMAIL [--admin] | list | disable EMAIL | enable EMAIL`: manage who may sign in
 * from the command line, e.g. the first admin. Works on the app-state store (docs/adr/0025): with DATABASE_URL
 * the shared PostgreSQL database, also while instances run; else the embedded store, which needs the server
 * stopped. Actions are written to the audit log with actor "cli".
 */
import type { AppConfig } from '../config.ts';
import { openAppState } from '../app/app-state.ts';
import type { StateDb } from '../app-state/state-db.ts';
import * as store from '../auth/store.ts';
import { checkEmail, describeAllowedDomains, SUB_ADDRESS_REFUSED } from '../domain/email-domains.ts';
import { UsageError } from './args.ts';

type Values = Record<string, string | boolean | undefined>;

const USAGE =
  'usage: nhs-app-analytics users add EMAIL [--admin] | users list | users disable EMAIL | users enable EMAIL';

async function audit(db: StateDb, action: string, userId: string, detail: string | null): Promise<void> {
  await store.insertAudit(db, {
    at: new Date(),
    actorUserId: null,
    action,
    target: `user:${userId}`,
    outcome: 'success',
    detail: detail ? `cli: ${detail}` : 'cli',
    clientHash: null,
  });
}

function normalised(config: AppConfig, raw: string | undefined): string {
  if (raw === undefined) throw new UsageError(USAGE);
  const checked = checkEmail(raw, config.auth.allowedDomains);
  if (!checked.ok) {
    throw new UsageError(
      checked.problem === 'domain-not-allowed'
        ? `only addresses ending ${describeAllowedDomains(config.auth.allowedDomains)} can sign in (AUTH_ALLOWED_DOMAINS)`
        : checked.problem === 'sub-address'
          ? `give the address without the +tag: ${SUB_ADDRESS_REFUSED}`
          : `"${raw}" is not an email address`,
    );
  }
  return checked.email;
}

export async function runUsers(
  config: AppConfig,
  positionals: string[],
  values: Values,
  log: (line: string) => void = console.log,
): Promise<number> {
  const [action, emailArg, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(USAGE);
  if (action !== 'add' && action !== 'list' && action !== 'disable' && action !== 'enable') {
    throw new UsageError(USAGE);
  }
  if (action !== 'add' && values.admin) throw new UsageError('--admin goes with "users add"');
  const email = action === 'list' ? null : normalised(config, emailArg);
  if (action === 'list' && emailArg !== undefined) throw new UsageError(USAGE);
  // The app-state store only (no warehouse lock): PostgreSQL with DATABASE_URL, even while instances run;
  // else DATA_DIR/state/app-state.duckdb, which the running server holds (then: stop it, or use /admin/users).
  const db = await openAppState(config, log, { warehouse: 'try' });
  try {
    if (action === 'list') {
      const users = await store.listUsers(db);
      if (users.length === 0) {
        log('No users yet. Add the first admin with: nhs-app-analytics users add EMAIL --admin');
        return 0;
      }
      for (const u of users) {
        const last = u.lastSignInAt
          ? u.lastSignInAt.toISOString().slice(0, 16).replace('T', ' ')
          : 'never signed in';
        log(`${u.email}\t${u.role}\t${u.status}\t${last}`);
      }
      return 0;
    }
    const existing = await store.findUserByEmail(db, email!);
    if (action === 'add') {
      const role = values.admin ? 'admin' : 'viewer';
      if (existing) {
        if (existing.role !== role) {
          await store.setUserRole(db, existing.userId, role);
          await store.deleteUserSessions(db, existing.userId);
          await audit(db, 'user.role', existing.userId, `role ${role}`);
          log(`${email} is now ${role === 'admin' ? 'an admin' : 'a viewer'}.`);
        } else {
          log(`${email} is already ${role === 'admin' ? 'an admin' : 'a viewer'}.`);
        }
        return 0;
      }
      const user = await store.insertUser(db, { email: email!, role, now: new Date(), createdBy: 'cli' });
      await audit(db, 'user.invite', user.userId, `role ${role}`);
      log(
        `Added ${email} as ${role === 'admin' ? 'an admin' : 'a viewer'}. They sign in at /sign-in with this address.`,
      );
      return 0;
    }
    if (!existing) throw new UsageError(`there is no user ${email}`);
    const status = action === 'disable' ? 'disabled' : 'active';
    await store.setUserStatus(db, existing.userId, status);
    if (status === 'disabled') await store.deleteUserSessions(db, existing.userId);
    await audit(db, action === 'disable' ? 'user.disable' : 'user.enable', existing.userId, null);
    log(
      `${email} is ${status === 'disabled' ? 'disabled: their sessions have ended and their API tokens stop working' : 'enabled'}.`,
    );
    return 0;
  } finally {
    await db.close();
  }
}
