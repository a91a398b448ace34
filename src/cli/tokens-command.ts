/**
 * `nhs-app-analytics tokens create EMAIL --name NAME | list EMAIL | revoke EMAIL --name NAME`: personal API
 * tokens for automation without a browser (issue 10). The same rules as /account: a named token per purpose,
 * at most MAX_API_TOKENS live ones, shown once and stored as a hash. Audited with actor "cli". Works on the
 * app-state store (docs/adr/0025): with DATABASE_URL also while instances run.
 */
import type { AppConfig } from '../config.ts';
import { openAppState } from '../app/app-state.ts';
import type { StateDb } from '../app-state/state-db.ts';
import { checkTokenName, hashToken, MAX_API_TOKENS, newApiToken } from '../auth/crypto.ts';
import * as store from '../auth/store.ts';
import { checkEmail } from '../domain/email-domains.ts';
import { UsageError } from './args.ts';

type Values = Record<string, string | boolean | undefined>;

const USAGE =
  'usage: nhs-app-analytics tokens create EMAIL --name NAME | tokens list EMAIL | tokens revoke EMAIL --name NAME';

async function audit(db: StateDb, action: string, tokenId: string, userId: string): Promise<void> {
  await store.insertAudit(db, {
    at: new Date(),
    actorUserId: null,
    action,
    target: `token:${tokenId}`,
    outcome: 'success',
    detail: `cli: for user:${userId}`,
    clientHash: null,
  });
}

const day = (d: Date | null) => (d ? d.toISOString().slice(0, 16).replace('T', ' ') : '-');

/** Runs a tokens action; `out` receives the token itself (stdout, for scripts), `log` everything else. */
export async function runTokens(
  config: AppConfig,
  positionals: string[],
  values: Values,
  out: (line: string) => void = console.log,
  log: (line: string) => void = console.error,
): Promise<number> {
  const [action, emailArg, ...extra] = positionals;
  if (extra.length > 0 || emailArg === undefined) throw new UsageError(USAGE);
  if (action !== 'create' && action !== 'list' && action !== 'revoke') throw new UsageError(USAGE);
  const named = typeof values.name === 'string' ? checkTokenName(values.name) : null;
  if (action !== 'list' && named === null) throw new UsageError(`tokens ${action} needs --name NAME`);
  if (named && !named.ok) throw new UsageError(named.problem);
  const checked = checkEmail(emailArg, config.auth.allowedDomains);
  if (!checked.ok) throw new UsageError(`"${emailArg}" is not an address that can sign in here`);
  // The app-state store only (no warehouse lock): PostgreSQL with DATABASE_URL, even while instances run;
  // else DATA_DIR/state/app-state.duckdb, which the running server holds (then: stop it, or use /account).
  const db = await openAppState(config, log, { warehouse: 'try' });
  try {
    const user = await store.findUserByEmail(db, checked.email);
    if (!user)
      throw new UsageError(
        `there is no user ${checked.email} (add one with: nhs-app-analytics users add EMAIL)`,
      );
    const tokens = await store.listApiTokens(db, user.userId);
    const live = tokens.filter((t) => t.revokedAt === null);
    if (action === 'list') {
      if (tokens.length === 0) log(`${checked.email} has no API tokens.`);
      for (const t of tokens) {
        out(
          `${t.name}\t${t.revokedAt ? 'revoked' : 'live'}\tcreated ${day(t.createdAt)}\tlast used ${day(t.lastUsedAt)}`,
        );
      }
      return 0;
    }
    const name = named!.ok ? named!.name : '';
    if (action === 'create') {
      if (user.status !== 'active') throw new UsageError(`${checked.email} is disabled: enable them first`);
      if (live.some((t) => t.name === name)) {
        throw new UsageError(
          `${checked.email} already has a live token named "${name}": revoke it or pick another name`,
        );
      }
      if (live.length >= MAX_API_TOKENS) {
        throw new UsageError(`${checked.email} has ${MAX_API_TOKENS} tokens already: revoke one first`);
      }
      const value = newApiToken();
      const tokenId = await store.insertApiToken(db, {
        tokenHash: hashToken(value),
        userId: user.userId,
        name,
        now: new Date(),
      });
      await audit(db, 'token.create', tokenId, user.userId);
      log(`Created token "${name}" for ${checked.email}. It is shown once: keep it secret.`);
      out(value);
      return 0;
    }
    const target = live.filter((t) => t.name === name);
    if (target.length === 0) throw new UsageError(`${checked.email} has no live token named "${name}"`);
    for (const t of target) {
      await store.revokeApiToken(db, t.tokenId, user.userId, new Date());
      await audit(db, 'token.revoke', t.tokenId, user.userId);
    }
    log(`Revoked token "${name}" of ${checked.email}: it stops working at once.`);
    return 0;
  } finally {
    await db.close();
  }
}
