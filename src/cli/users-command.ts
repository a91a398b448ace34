/**
 * `nhs-app-analytics users add EMAIL [--admin] | list | disable EMAIL | enable EMAIL`: manage who may sign in
 * from the command line, e.g. the first admin. Like every writing command, it needs the server stopped
 * (docs/adr/0002). Actions are written to the audit log with actor "cli".
 */
import type { AppConfig } from '../config.ts';
import { openWarehouse } from '../app/bootstrap.ts';
import * as store from '../auth/store.ts';
import { checkEmail, describeAllowedDomains, SUB_ADDRESS_REFUSED } from '../domain/email-domains.ts';
import type { Warehouse } from '../warehouse/db.ts';
import { migrate } from '../warehouse/migrate.ts';
import { UsageError } from './args.ts';

type Values = Record<string, string | boolean | undefined>;

const USAGE =
  'usage: nhs-app-analytics users add EMAIL [--admin] | users list | users disable EMAIL | users enable EMAIL';

async function audit(db: Warehouse, action: string, userId: string, detail: string | null): Promise<void> {
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
  const db = await openWarehouse(config);
  try {
    // Users need only the schema (reference data loads with the first serve, init or ingest).
    await migrate(db);
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
    db.close();
  }
}
