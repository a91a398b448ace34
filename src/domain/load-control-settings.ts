/**
 * Settings of the server's load control (src/http/load-control.ts), from the environment: pure, so that
 * src/config.ts reads them without importing the HTTP code above it.
 */
export interface LoadControlConfig {
  /** Figure requests (pages and API) one signed-in user may make per window; 0 = no limit. */
  userLimit: number;
  /** Figure requests one API token may make per window; 0 = no limit. */
  tokenLimit: number;
  /** Length of a rate-limit window, in seconds. */
  windowSeconds: number;
  /** Figure requests computed at the same time (the rest wait in the queue). */
  concurrency: number;
  /** Figure requests that may wait for a turn; more are answered 503 at once. */
  queueLength: number;
  /** Longest wait for a turn, in milliseconds, before answering 503. */
  queueTimeoutMs: number;
}

export const DEFAULT_LOAD_CONTROL: Readonly<LoadControlConfig> = Object.freeze({
  userLimit: 120,
  tokenLimit: 120,
  windowSeconds: 60,
  concurrency: 2,
  queueLength: 32,
  queueTimeoutMs: 5_000,
});

const VARIABLES: Record<keyof LoadControlConfig, [name: string, min: number, max: number]> = {
  userLimit: ['FIGURE_RATE_LIMIT_PER_USER', 0, 1_000_000],
  tokenLimit: ['FIGURE_RATE_LIMIT_PER_TOKEN', 0, 1_000_000],
  windowSeconds: ['FIGURE_RATE_LIMIT_WINDOW_SECONDS', 1, 86_400],
  concurrency: ['FIGURE_CONCURRENCY', 1, 64],
  queueLength: ['FIGURE_QUEUE_LENGTH', 0, 100_000],
  queueTimeoutMs: ['FIGURE_QUEUE_TIMEOUT_MS', 1, 600_000],
};

/** Reads the FIGURE_* variables; throws an Error naming the variable when one is not a whole number in range. */
export function loadControlConfigFrom(env: NodeJS.ProcessEnv): LoadControlConfig {
  const config = { ...DEFAULT_LOAD_CONTROL };
  for (const [key, [name, min, max]] of Object.entries(VARIABLES) as [
    keyof LoadControlConfig,
    [string, number, number],
  ][]) {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === '') continue;
    if (!/^\d+$/.test(raw)) throw new Error(`${name} must be a whole number, got "${raw}"`);
    const n = Number(raw);
    if (n < min || n > max) throw new Error(`${name} must be between ${min} and ${max}, got ${n}`);
    config[key] = n;
  }
  return config;
}
