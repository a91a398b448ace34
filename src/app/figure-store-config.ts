/**
 * Settings of the figure store (docs/adr/0026-figure-store.md), read from the environment and validated:
 * - DATABASE_URL: PostgreSQL for shared deployments; unset or empty: the embedded snapshot files only.
 * - FIGURES_POLL_MS: how often an instance looks at the published version (PostgreSQL; default 2,000).
 * - FIGURES_GRACE_SECONDS: how long a replaced version stays in PostgreSQL for instances still pulling it
 *   (default 600).
 * - FIGURES_READER_CONNECTIONS: connections the pages and the API read the published figures through, side by
 *   side (default 3, for 2 cores; ADR 0079).
 * (Until src/config.ts carries DATABASE_URL for every store, the figure store reads it here.)
 */
import { ConfigError } from '../config.ts';
import { DEFAULT_READER_CONNECTIONS } from '../figures/store.ts';

export interface FigureStoreConfig {
  databaseUrl: string | null;
  pollMs: number;
  graceMs: number;
  readerConnections: number;
}

function whole(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  const n = Number(raw.trim());
  if (n < min || n > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

export function figureStoreConfigFrom(env: NodeJS.ProcessEnv = process.env): FigureStoreConfig {
  const url = (env.DATABASE_URL ?? '').trim();
  if (url !== '') {
    let parsed: URL | null = null;
    try {
      parsed = new URL(url);
    } catch {
      parsed = null;
    }
    if (!parsed || !/^postgres(ql)?:$/.test(parsed.protocol)) {
      // The value may hold a password: never repeated in the message.
      throw new ConfigError(
        'DATABASE_URL must be a PostgreSQL URL such as postgres://user:password@host:5432/database',
      );
    }
  }
  return {
    databaseUrl: url === '' ? null : url,
    pollMs: whole(env, 'FIGURES_POLL_MS', 2000, 100, 60_000),
    graceMs: whole(env, 'FIGURES_GRACE_SECONDS', 600, 0, 7 * 24 * 3600) * 1000,
    readerConnections: whole(env, 'FIGURES_READER_CONNECTIONS', DEFAULT_READER_CONNECTIONS, 1, 64),
  };
}
