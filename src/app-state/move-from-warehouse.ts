/**
 * The first start after the upgrade: users, sign-in links, sessions, API tokens, the audit log, the refresh
 * history and the signing key leave the warehouse (migrations 0010 and 0013, where they lived before issue 10)
 * for the app-state store, then the warehouse tables are emptied and no longer used.
 *
 * Safe to repeat, and safe to interrupt: rows are copied in one transaction of the app-state store, skipping
 * those already there (by key; audit rows, which have none, by a high-water mark of the warehouse's audit ids
 * kept in the store under the warehouse's own id, written in the same transaction), and only after that
 * commits are they deleted from the warehouse. A kill between the two copies nothing twice at the next start.
 * Rows in a warehouse that already moved are moved too (e.g. a user added by an older CLI), so nothing is lost.
 */
import { randomUUID } from 'node:crypto';
import type { Warehouse } from '../warehouse/db.ts';
import type { StateDb, StateValue } from './state-db.ts';

export interface MovedCounts {
  users: number;
  links: number;
  sessions: number;
  tokens: number;
  audit: number;
  refreshRuns: number;
  refreshFiles: number;
  secret: boolean;
}

interface TableSpec {
  table: string;
  columns: string[];
  /** Columns holding instants (copied as ISO strings, cast back to TIMESTAMP). */
  timestamps: string[];
  /** Columns holding dates. */
  dates?: string[];
  /** Order rows are read and inserted in (keeps audit ids in time order). */
  orderBy: string;
  /** How a row already in the store is recognised: its key (ON CONFLICT), or the audit high-water mark. */
  key: 'primary' | 'watermark';
  counts: keyof Omit<MovedCounts, 'secret'>;
}

const TABLES: TableSpec[] = [
  {
    table: 'app_user',
    columns: ['user_id', 'email', 'role', 'status', 'created_at', 'created_by', 'last_sign_in_at'],
    timestamps: ['created_at', 'last_sign_in_at'],
    orderBy: 'user_id',
    key: 'primary',
    counts: 'users',
  },
  {
    table: 'sign_in_link',
    columns: ['token_hash', 'email', 'browser_hash', 'next_path', 'created_at', 'expires_at', 'used_at'],
    timestamps: ['created_at', 'expires_at', 'used_at'],
    orderBy: 'token_hash',
    key: 'primary',
    counts: 'links',
  },
  {
    table: 'user_session',
    columns: [
      'session_hash',
      'user_id',
      'method',
      'created_at',
      'last_seen_at',
      'expires_at',
      'user_agent_class',
    ],
    timestamps: ['created_at', 'last_seen_at', 'expires_at'],
    orderBy: 'session_hash',
    key: 'primary',
    counts: 'sessions',
  },
  {
    table: 'api_token',
    columns: ['token_id', 'token_hash', 'user_id', 'name', 'created_at', 'last_used_at', 'revoked_at'],
    timestamps: ['created_at', 'last_used_at', 'revoked_at'],
    orderBy: 'token_id',
    key: 'primary',
    counts: 'tokens',
  },
  {
    // audit_id is not copied: the store numbers rows itself, in the same order.
    table: 'audit_log',
    columns: ['occurred_at', 'actor_user_id', 'action', 'target', 'outcome', 'detail', 'client_hash'],
    timestamps: ['occurred_at'],
    orderBy: 'audit_id',
    key: 'watermark',
    counts: 'audit',
  },
  {
    table: 'refresh_run',
    columns: [
      'run_id',
      'triggered_by',
      'started_at',
      'finished_at',
      'status',
      'files_loaded',
      'files_already_loaded',
      'files_rejected',
      'files_waiting',
      'rows_loaded',
      'rows_rejected',
      'build_kind',
      'first_period',
      'last_period',
      'figures_written',
      'data_version',
      'error',
    ],
    timestamps: ['started_at', 'finished_at'],
    dates: ['first_period', 'last_period'],
    orderBy: 'run_id',
    key: 'primary',
    counts: 'refreshRuns',
  },
  {
    table: 'refresh_file',
    columns: [
      'run_id',
      'seq',
      'file_name',
      'kind',
      'outcome',
      'rows_loaded',
      'rows_rejected',
      'line',
      'field',
      'reason',
      'moved_to',
    ],
    timestamps: [],
    orderBy: 'run_id, seq',
    key: 'primary',
    counts: 'refreshFiles',
  },
];

/** Rows per INSERT statement. */
const BATCH = 200;

async function warehouseTables(warehouse: Warehouse): Promise<Set<string>> {
  const rows = await warehouse.all<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'",
  );
  return new Set(rows.map((r) => r.table_name));
}

function value(v: unknown, column: string, spec: TableSpec): StateValue {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return spec.dates?.includes(column) ? v.toISOString().slice(0, 10) : v.toISOString();
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  return String(v);
}

function placeholder(column: string, n: number, spec: TableSpec): string {
  if (spec.timestamps.includes(column)) return `CAST($${n} AS TIMESTAMP)`;
  if (spec.dates?.includes(column)) return `CAST($${n} AS DATE)`;
  return `$${n}`;
}

async function copyTable(
  warehouse: Warehouse,
  tx: StateDb,
  spec: TableSpec,
  watermark: { key: string; after: number },
): Promise<number> {
  const rows = await warehouse.all<Record<string, unknown>>(
    spec.key === 'watermark'
      ? `SELECT audit_id, ${spec.columns.join(', ')} FROM ${spec.table} WHERE audit_id > $1 ORDER BY ${spec.orderBy}`
      : `SELECT ${spec.columns.join(', ')} FROM ${spec.table} ORDER BY ${spec.orderBy}`,
    spec.key === 'watermark' ? [watermark.after] : [],
  );
  let inserted = 0;
  for (let start = 0; start < rows.length; start += BATCH) {
    const batch = rows.slice(start, start + BATCH);
    const params: StateValue[] = [];
    const tuples = batch.map((row) => {
      const cells = spec.columns.map((c) => {
        params.push(value(row[c], c, spec));
        return placeholder(c, params.length, spec);
      });
      return `(${cells.join(', ')})`;
    });
    const done = await tx.all(
      `INSERT INTO ${spec.table} (${spec.columns.join(', ')}) VALUES ${tuples.join(', ')}
       ${spec.key === 'primary' ? 'ON CONFLICT DO NOTHING' : ''} RETURNING 1 AS x`,
      params,
    );
    inserted += done.length;
  }
  if (spec.key === 'watermark' && rows.length > 0) {
    const last = Number(rows.at(-1)!.audit_id);
    await tx.run('DELETE FROM app_state_meta WHERE key = $1', [watermark.key]);
    await tx.run('INSERT INTO app_state_meta (key, value) VALUES ($1, $2)', [watermark.key, String(last)]);
  }
  return inserted;
}

/**
 * Moves whatever app state the warehouse still holds into the store, then empties those warehouse tables.
 * Returns null when the warehouse held none (the usual case after the first start).
 */
export async function moveStateOutOfWarehouse(
  warehouse: Warehouse,
  state: StateDb,
): Promise<MovedCounts | null> {
  const present = await warehouseTables(warehouse);
  const specs = TABLES.filter((t) => present.has(t.table));
  let total = 0;
  for (const spec of specs)
    total += (await warehouse.scalar<number>(`SELECT count(*) FROM ${spec.table}`)) ?? 0;
  // Settings: the warehouse's warehouse_meta, or (an embedded app-state file moving to PostgreSQL) its
  // app_state_meta.
  const meta = present.has('warehouse_meta')
    ? 'warehouse_meta'
    : present.has('app_state_meta')
      ? 'app_state_meta'
      : null;
  if (meta === null) return null;
  const secret =
    (await warehouse.scalar<string>(`SELECT value FROM ${meta} WHERE key = 'auth_secret'`)) ?? null;
  if (total === 0 && secret === null) return null;

  // The warehouse's own id: the store remembers, per warehouse, the last audit row it took.
  let warehouseId = await warehouse.scalar<string>(`SELECT value FROM ${meta} WHERE key = 'warehouse_id'`);
  if (!warehouseId) {
    warehouseId = randomUUID();
    await warehouse.run(`INSERT INTO ${meta} (key, value) VALUES ('warehouse_id', $1)`, [warehouseId]);
  }
  const watermarkKey = `audit_moved_through:${warehouseId}`;

  const counts: MovedCounts = {
    users: 0,
    links: 0,
    sessions: 0,
    tokens: 0,
    audit: 0,
    refreshRuns: 0,
    refreshFiles: 0,
    secret: false,
  };
  await state.transaction(async (tx) => {
    const after = Number(
      (await tx.scalar<string>('SELECT value FROM app_state_meta WHERE key = $1', [watermarkKey])) ?? 0,
    );
    for (const spec of specs)
      counts[spec.counts] = await copyTable(warehouse, tx, spec, { key: watermarkKey, after });
    if (secret !== null) {
      // The first key wins: instances that moved before keep theirs (it is shared from now on).
      const kept = await tx.all(
        "INSERT INTO app_state_meta (key, value) VALUES ('auth_secret', $1) ON CONFLICT DO NOTHING RETURNING 1 AS x",
        [secret],
      );
      counts.secret = kept.length > 0;
    }
  });
  // Committed in the store: the warehouse copies go (the figures never held them; see ADR 0017).
  await warehouse.transaction(async (tx) => {
    for (const spec of [...specs].reverse()) await tx.run(`DELETE FROM ${spec.table}`);
    if (secret !== null) await tx.run(`DELETE FROM ${meta} WHERE key = 'auth_secret'`);
  });
  return counts;
}

export function describeMove(c: MovedCounts): string {
  return (
    `Moved the app state out of the warehouse into the app-state store: ${c.users} users, ${c.tokens} API tokens, ` +
    `${c.sessions} sessions, ${c.links} sign-in links, ${c.audit} audit rows, ${c.refreshRuns} refresh runs ` +
    `(${c.refreshFiles} files)${c.secret ? ' and the signing key' : ''}.`
  );
}
