/**
 * The server's logs (issue 10 item 4). Production (NODE_ENV=production or LOG_FORMAT=json): pino's JSON lines,
 * one object per line, for a log collector; the start-up messages too. Development (the default): one
 * human-readable line per request ("12:00:01 GET /areas/icb/QE1 200 14 ms"), other messages as
 * "12:00:01 WARN message", and the development sign-in link alone on a line of its own, easy to spot and click.
 *
 * What reaches the log is unchanged: request URLs have their secret parameters redacted (src/http/security.ts)
 * and no code logs an email address, a session id or a token; this only changes how lines look.
 */
import { Writable } from 'node:stream';
import type { AppConfig } from '../config.ts';

const LEVEL_NAMES: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

/** Requests whose start was seen but not their end (bounded: a line is never worth unbounded memory). */
const MAX_OPEN_REQUESTS = 10_000;

const clockTime = (t: unknown): string => {
  const d = typeof t === 'number' ? new Date(t) : new Date();
  return d.toISOString().slice(11, 19);
};

/**
 * Turns pino's JSON lines into human-readable ones: "incoming request" is held back and joined with its
 * "request completed" into one line; the sign-in link of development mode gets a line of its own.
 */
export class PrettyLogStream extends Writable {
  private readonly open = new Map<string, { method: string; url: string }>();
  private pending = '';

  constructor(private readonly out: (text: string) => void) {
    super();
  }

  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.pending += String(chunk);
    let nl: number;
    while ((nl = this.pending.indexOf('\n')) >= 0) {
      const line = this.pending.slice(0, nl);
      this.pending = this.pending.slice(nl + 1);
      if (line.trim() !== '') this.out(this.format(line));
    }
    done();
  }

  /** One JSON line in, zero or more text lines out (joined with newlines; '' for none). */
  format(line: string): string {
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return line;
    }
    const time = clockTime(entry.time);
    const level = LEVEL_NAMES[entry.level as number] ?? 'INFO';
    const msg = typeof entry.msg === 'string' ? entry.msg : '';
    const reqId = entry.reqId === undefined ? null : String(entry.reqId);
    const req = entry.req as { method?: string; url?: string } | undefined;
    const res = entry.res as { statusCode?: number } | undefined;
    if (msg === 'incoming request' && reqId !== null && req) {
      if (this.open.size >= MAX_OPEN_REQUESTS) this.open.delete(this.open.keys().next().value!);
      this.open.set(reqId, { method: req.method ?? '?', url: req.url ?? '?' });
      return '';
    }
    if (msg === 'request completed' && reqId !== null) {
      const started = this.open.get(reqId);
      this.open.delete(reqId);
      const ms = typeof entry.responseTime === 'number' ? ` ${Math.round(entry.responseTime)} ms` : '';
      return `${time} ${started ? `${started.method} ${started.url}` : 'request'} ${res?.statusCode ?? '?'}${ms}`;
    }
    const link = /^(DEVELOPMENT MODE[^:]*): sign-in link (\S+)(.*)$/.exec(msg);
    if (link) {
      return [`${time} ${level} ${link[1]}: sign-in link${link[3]}:`, '', `    ${link[2]}`, ''].join('\n');
    }
    const err = entry.err as { message?: string; stack?: string } | undefined;
    const detail = err ? `: ${err.stack ?? err.message ?? ''}` : '';
    return `${time} ${level.padEnd(5)} ${msg}${detail}`;
  }
}

/** Fastify's logger option for `serve`: pino JSON lines, or the same through PrettyLogStream. */
export function serverLoggerOptions(
  config: Pick<AppConfig, 'logLevel' | 'logFormat'>,
  write: (text: string) => void = (t) => process.stdout.write(`${t}\n`),
): object {
  if (config.logFormat === 'json') return { level: config.logLevel };
  const stream = new PrettyLogStream((t) => {
    if (t !== '') write(t);
  });
  return { level: config.logLevel, stream };
}

/**
 * The `serve` command's own messages (start-up, refresh runs): plain lines in development, JSON lines like
 * pino's (level 30, time, msg) in production, so a collector reads one format.
 */
export function serveLog(
  config: Pick<AppConfig, 'logFormat'>,
  write: (text: string) => void = (t) => process.stdout.write(`${t}\n`),
): (message: string) => void {
  if (config.logFormat === 'json')
    return (message) =>
      write(JSON.stringify({ level: 30, time: Date.now(), pid: process.pid, msg: message }));
  return (message) => write(message);
}
