import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Cron } from 'croner';
import { loadAuthConfig, type AuthConfig } from './auth/config.ts';
import { loadOidcConfig } from './auth/oidc.ts';
import {
  DEFAULT_LOAD_CONTROL,
  loadControlConfigFrom,
  type LoadControlConfig,
} from './domain/load-control-settings.ts';
import {
  DEFAULT_SERVICE_SETTINGS,
  serviceSettingsFromEnv,
  type ServiceSettings,
} from './domain/service-settings.ts';

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
  /**
   * How the server logs: `pretty` (development: one human-readable line per request, the sign-in link on a
   * line of its own) or `json` (JSON lines; NODE_ENV=production or LOG_FORMAT=json).
   */
  logFormat: LogFormat;
  /**
   * DATABASE_URL: PostgreSQL for the app state (and the published figures) of a shared deployment; null = the
   * embedded stores in DATA_DIR. A secret (it may hold a password): never log it.
   */
  databaseUrl: string | null;
  /** Sign-in, sessions, cookies, mail and open-data disclosure (src/auth/config.ts). */
  auth: AuthConfig;
  /** When the weekly refresh runs, as a cron expression (minute hour day month weekday) in Europe/London. */
  refreshSchedule: string;
  /** Rate limits and the queue of figure requests (src/http/load-control.ts). */
  loadControl: LoadControlConfig;
  /** Who runs this installation and how to reach them (SERVICE_OPERATOR, SUPPORT_EMAIL, ISSUES_URL). */
  service?: ServiceSettings;
}

export type LogFormat = 'pretty' | 'json';

/**
 * The configuration is not usable. `problems` holds one line per bad variable (all of them, not only the
 * first), each naming the variable, what it must be and what it was given.
 */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: string | readonly string[]) {
    const list = typeof problems === 'string' ? [problems] : problems;
    super(list.join('\n'));
    this.problems = list;
  }
}

/** Runs one variable's check; a problem is noted and the fallback used, so every variable gets checked. */
function check<T>(problems: string[], fallback: T, read: () => T): T {
  try {
    return read();
  } catch (err) {
    problems.push((err as Error).message);
    return fallback;
  }
}

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

/**
 * DATABASE_URL: a PostgreSQL URL, postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?…]. The value is never
 * repeated in a message (it may hold a password).
 */
export function databaseUrlFromEnv(env: NodeJS.ProcessEnv): string | null {
  const raw = env.DATABASE_URL?.trim();
  if (raw === undefined || raw === '') return null;
  const example = 'e.g. postgres://analytics@db.example:5432/nhs_app_analytics';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(
      `DATABASE_URL is not a URL (${example}; the value is not shown, it may hold a password)`,
    );
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:')
    throw new ConfigError(
      `DATABASE_URL must start with postgres:// or postgresql:// (${example}), got "${url.protocol}//…"`,
    );
  if (url.hostname === '' && !url.searchParams.has('host'))
    throw new ConfigError(`DATABASE_URL must name the database server's host (${example})`);
  if (url.pathname.replace(/^\//, '') === '')
    throw new ConfigError(`DATABASE_URL must name the database after the host (${example})`);
  if (url.port !== '' && (!/^\d+$/.test(url.port) || Number(url.port) < 1 || Number(url.port) > 65535))
    throw new ConfigError(`DATABASE_URL has a bad port "${url.port}" (${example})`);
  return raw;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function logLevelFromEnv(env: NodeJS.ProcessEnv): string {
  const raw = env.LOG_LEVEL?.trim();
  if (raw === undefined || raw === '') return 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(raw))
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${raw}"`);
  return raw;
}

/** LOG_FORMAT (pretty or json); unset: json when NODE_ENV=production, else pretty. */
function logFormatFromEnv(env: NodeJS.ProcessEnv): LogFormat {
  const raw = env.LOG_FORMAT?.trim().toLowerCase();
  if (raw === undefined || raw === '') return env.NODE_ENV === 'production' ? 'json' : 'pretty';
  if (raw !== 'pretty' && raw !== 'json')
    throw new ConfigError(`LOG_FORMAT must be pretty or json, got "${env.LOG_FORMAT}"`);
  return raw;
}

function memoryLimitFromEnv(env: NodeJS.ProcessEnv): string {
  const memoryLimit = env.DUCKDB_MEMORY_LIMIT ?? '4GB';
  if (!/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i.test(memoryLimit)) {
    throw new ConfigError(`DUCKDB_MEMORY_LIMIT must look like "4GB", got "${memoryLimit}"`);
  }
  return memoryLimit;
}

function todayFromEnv(env: NodeJS.ProcessEnv): void {
  const raw = env.NHS_APP_ANALYTICS_TODAY;
  if (raw === undefined || raw === '') return;
  const d = new Date(`${raw}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(raw) || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== raw)
    throw new ConfigError(`NHS_APP_ANALYTICS_TODAY must be a date like 2026-11-21, got "${raw}"`);
}

function hostFromEnv(env: NodeJS.ProcessEnv): string {
  const raw = env.HOST;
  if (raw === undefined || raw === '') return '127.0.0.1';
  if (!/^[A-Za-z0-9.:[\]%-]+$/.test(raw))
    throw new ConfigError(`HOST must be a host name or address such as 127.0.0.1 or 0.0.0.0, got "${raw}"`);
  return raw;
}

const AUTH_VARIABLES = [
  'AUTH_ALLOWED_DOMAINS',
  'OPEN_DATA_DISCLOSURE',
  'PUBLIC_URL',
  'AUTH_SECRET',
  'MAIL_FROM',
  'TRUST_PROXY',
  'SMTP_URL',
  'SESSION_IDLE_MINUTES',
  'SESSION_ABSOLUTE_HOURS',
  'AUDIT_RETENTION_DAYS',
];

const LOAD_CONTROL_VARIABLES = [
  'FIGURE_RATE_LIMIT_PER_USER',
  'FIGURE_RATE_LIMIT_PER_TOKEN',
  'FIGURE_RATE_LIMIT_WINDOW_SECONDS',
  'FIGURE_CONCURRENCY',
  'FIGURE_QUEUE_LENGTH',
  'FIGURE_QUEUE_TIMEOUT_MS',
];

/**
 * A settings group whose reader stops at its first bad variable: each variable is checked on its own (so every
 * bad one is listed), then the group is read whole.
 */
function eachVariable<T>(
  problems: string[],
  env: NodeJS.ProcessEnv,
  names: readonly string[],
  read: (env: NodeJS.ProcessEnv) => T,
  fallback: () => T,
): T {
  const before = problems.length;
  for (const name of names) {
    if (env[name] === undefined) continue;
    check(problems, undefined, () => void read({ [name]: env[name] }));
  }
  if (problems.length > before) return fallback();
  return check(problems, fallback(), () => read(env));
}

/**
 * Reads and checks every environment variable the app uses. Throws one ConfigError listing every problem
 * (one line per bad variable), so a deployment is fixed in one go rather than one variable per restart.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const problems: string[] = [];
  const memoryLimit = check(problems, '4GB', () => memoryLimitFromEnv(env));
  const dataDir = path.resolve(
    env.DATA_DIR && env.DATA_DIR !== '' ? env.DATA_DIR : path.join(REPO_ROOT, '.data'),
  );
  if (env.DATA_DIR?.includes('\0')) problems.push('DATA_DIR must be a folder path');
  const config: AppConfig = {
    dataDir,
    inboxDir:
      env.INBOX_DIR && env.INBOX_DIR !== '' ? path.resolve(env.INBOX_DIR) : path.join(dataDir, 'inbox'),
    port: check(problems, 3000, () => intFromEnv(env, 'PORT', 3000, 0, 65535)),
    host: check(problems, '127.0.0.1', () => hostFromEnv(env)),
    memoryLimit,
    threads: env.DUCKDB_THREADS
      ? check(problems, undefined, () => intFromEnv(env, 'DUCKDB_THREADS', 2, 1, 256))
      : undefined,
    logLevel: check(problems, 'info', () => logLevelFromEnv(env)),
    logFormat: check(problems, 'pretty' as LogFormat, () => logFormatFromEnv(env)),
    databaseUrl: check(problems, null, () => databaseUrlFromEnv(env)),
    auth: eachVariable(problems, env, AUTH_VARIABLES, loadAuthConfig, () => loadAuthConfig({})),
    refreshSchedule: check(problems, DEFAULT_REFRESH_SCHEDULE, () => refreshScheduleFromEnv(env)),
    loadControl: eachVariable(problems, env, LOAD_CONTROL_VARIABLES, loadControlConfigFrom, () => ({
      ...DEFAULT_LOAD_CONTROL,
    })),
    service: check(problems, DEFAULT_SERVICE_SETTINGS, () => serviceSettingsFromEnv(env)),
  };
  check(problems, undefined, () => todayFromEnv(env));
  // OpenID Connect is read again by `serve` (src/auth/oidc.ts); checked here so that its problems are listed
  // with the others.
  check(problems, null, () => loadOidcConfig(env));
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
