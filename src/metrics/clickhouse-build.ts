import type { Query } from '../warehouse/query.ts';
import * as clickhouseSql from '../warehouse/sql/clickhouse.ts';

/**
 * The unique-user and roll-up steps of the build on ClickHouse (ADR 0027), over any client: the embedded
 * ClickHouse (chdb) in the tests, `@clickhouse/client` against a cluster in a deployment that outgrows one
 * machine. Values are bound as ClickHouse query parameters ({name:Type}), never written into the SQL.
 */
export interface ClickHouseRunner {
  run(statement: string, params?: Record<string, string | number>): Promise<void>;
}

/** The ClickHouse statements of one entry of src/warehouse/sql/clickhouse.ts (split at semicolons ending a line). */
export function clickhouseStatements(entry: Query): string[] {
  return entry.text
    .split(/;\s*\n/)
    .map((s) => s.trim())
    .filter((s) => s.replace(/--[^\n]*/g, '').trim() !== '');
}

async function runFile(ch: ClickHouseRunner, entry: Query, params?: Record<string, string | number>) {
  for (const statement of clickhouseStatements(entry)) await ch.run(statement, params);
}

/** Creates one shard's tables (the local tables a Distributed table sits on). */
export async function createClickHouseShard(ch: ClickHouseRunner): Promise<void> {
  await runFile(ch, clickhouseSql.schema);
}

export interface ClickHouseUserStepParams {
  /** Events read and periods recomputed: those lying wholly within lo..hi (ISO dates). */
  lo: string;
  hi: string;
  /** Target months of rolling 12-month users, and the last month with data. */
  t12lo: string;
  t12hi: string;
  lastMonth: string;
  /** The area key of Unknown (events at unrecognised practices). */
  unknown: number;
  /** An incremental build replaces only the months within lo..hi of the per-user monthly state. */
  incremental: boolean;
}

/**
 * The unique-user steps on ONE shard: each user's last event per period (argMax), unique users per period,
 * the per-user monthly state, and rolling 12-month users from it. Every user's events lie on one shard, so
 * the shards' practice-level figures (table fact) add up exactly to those of all events.
 */
export async function runClickHouseUserSteps(
  ch: ClickHouseRunner,
  p: ClickHouseUserStepParams,
): Promise<void> {
  await ch.run('TRUNCATE TABLE user_period');
  await runFile(ch, clickhouseSql.userPeriod, { lo: p.lo, hi: p.hi, unknown: p.unknown });
  await runFile(ch, clickhouseSql.factUniquePeriod);
  if (p.incremental) await runFile(ch, clickhouseSql.deleteUserMonth, { lo: p.lo, hi: p.hi });
  else await ch.run('TRUNCATE TABLE user_month');
  await runFile(ch, clickhouseSql.insertUserMonth);
  await runFile(ch, clickhouseSql.factUnique12m, { t12lo: p.t12lo, t12hi: p.t12hi, last_month: p.lastMonth });
}

/** Rolls the practice figures in table fact up every level and both structures into table cell. */
export async function runClickHouseRollup(ch: ClickHouseRunner, england: number): Promise<void> {
  await runFile(ch, clickhouseSql.rollup, { england });
}
