import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Cron } from 'croner';
import { loadAuthConfig, type AuthConfig } from './auth/config.ts';
import { loadControlConfigFrom, type LoadControlConfig } from './http/load-control-config.ts';
import { serviceSettingsFromEnv, type ServiceSettings } from './http/service-settings.ts';

/**
 * Folder of the running code: src/ when the TypeScript runs directly (vitest, tsx), dist/ when compiled.
 * `npm run build` copies every file under src/ that is not TypeScript (SQL, migrations, templates, static
 * files) to the same place under dist/, so code finds those files here, or next to its own module.
 */
export const CODE_ROOT = path.dirname(fileURLToPath(import.meta.url));

/**
 * Root of the package (where package.json lives), whatever the working directory: the parent of src/ or
 * dist/. Data that is not code (metrics/, data/reference/, node_modules/, the default .data/) is found here.
 */
export const REPO_ROOT = path.resolve(CODE_ROOT, '..');

export interface AppConfig {
  /** Folder holding the warehouse file, inbox and generated demo files. */
  dataDir: string;
  /** Where files to load are dropped for the refresh (INBOX_DIR, default DATA_DIR/inbox). */
  inboxDir: string;
  port: number;
  host: string;
  /** DuckDB memory limit, e.g. "4GB"; DuckDB spills to disk beyond it. */
  memoryLimit: string;
  /** DuckDB worker threads; undefined lets DuckDB use every core. */
  threads: number | undefined;
  logLevel: string;
  /** Sign-in, sessions, cookies, mail and open-data disclosure (src/auth/config.ts). */
  auth: AuthConfig;
  /** When the weekly refresh runs, as a cron expression (minute hour day month weekday) in Europe/London. */
  refreshSchedule: string;
  /** Rate limits and the queue of figure requests (src/http/load-control.ts). */
  loadControl: LoadControlConfig;
  /** Who runs this installation and how to reach them (SERVICE_OPERATOR, SUPPORT_EMAIL, ISSUES_URL). */
  service?: ServiceSettings;
}

export class ConfigError extends Error {}

function intFromEnv(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

/** Every Wednesday at 07:30, Europe/London. */
export const DEFAULT_REFRESH_SCHEDULE = '30 7 * * 3';

function refreshScheduleFromEnv(env: NodeJS.ProcessEnv): string {
  const raw = (env.REFRESH_SCHEDULE ?? '').trim().replace(/\s+/g, ' ');
  if (raw === '') return DEFAULT_REFRESH_SCHEDULE;
  const example = 'e.g. "30 7 * * 3" for Wednesdays at 07:30 UK time';
  if (!/^[0-9*,/-]+( [0-9*,/-]+){4}$/.test(raw))
    throw new ConfigError(
      `REFRESH_SCHEDULE must be a cron expression of five fields (minute hour day month weekday), ${example}; got "${raw}"`,
    );
  let next: Date | null;
  try {
    const cron = new Cron(raw, { timezone: 'Europe/London', paused: true });
    next = cron.nextRun();
    cron.stop();
  } catch (err) {
    throw new ConfigError(
      `REFRESH_SCHEDULE is not a valid cron expression (${(err as Error).message}), ${example}; got "${raw}"`,
    );
  }
  if (next === null) throw new ConfigError(`REFRESH_SCHEDULE "${raw}" never runs (no such date), ${example}`);
  return raw;
}

function authConfigFrom(env: NodeJS.ProcessEnv): AuthConfig {
  try {
    return loadAuthConfig(env);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
}

function loadControlFrom(env: NodeJS.ProcessEnv): LoadControlConfig {
  try {
    return loadControlConfigFrom(env);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
}

function serviceFrom(env: NodeJS.ProcessEnv): ServiceSettings {
  try {
    return serviceSettingsFromEnv(env);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const memoryLimit = env.DUCKDB_MEMORY_LIMIT ?? '4GB';
  if (!/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i.test(memoryLimit)) {
    throw new ConfigError(`DUCKDB_MEMORY_LIMIT must look like "4GB", got "${memoryLimit}"`);
  }
  const threadsRaw = env.DUCKDB_THREADS;
  const dataDir = path.resolve(
    env.DATA_DIR && env.DATA_DIR !== '' ? env.DATA_DIR : path.join(REPO_ROOT, '.data'),
  );
  return {
    dataDir,
    inboxDir:
      env.INBOX_DIR && env.INBOX_DIR !== '' ? path.resolve(env.INBOX_DIR) : path.join(dataDir, 'inbox'),
    port: intFromEnv(env, 'PORT', 3000, 0, 65535),
    host: env.HOST && env.HOST !== '' ? env.HOST : '127.0.0.1',
    memoryLimit,
    threads: threadsRaw ? intFromEnv(env, 'DUCKDB_THREADS', 2, 1, 256) : undefined,
    logLevel: env.LOG_LEVEL ?? 'info',
    auth: authConfigFrom(env),
    refreshSchedule: refreshScheduleFromEnv(env),
    loadControl: loadControlFrom(env),
    service: serviceFrom(env),
  };
}
