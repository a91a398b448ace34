import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { PrettyLogStream, serveLog, serverLoggerOptions } from './logging.ts';

/** Lines a real pino logger writes through the development formatter. */
function pretty() {
  const lines: string[] = [];
  const stream = new PrettyLogStream((t) => {
    if (t !== '') lines.push(...t.split('\n'));
  });
  return { lines, logger: pino({ level: 'info' }, stream) };
}

describe('server logs (issue 10 item 4)', () => {
  it('in development: one line per request, with method, URL, status and time', () => {
    const { lines, logger } = pretty();
    const child = logger.child({ reqId: 'req-7' });
    child.info({ req: { method: 'GET', url: '/areas/icb/QE1?token=[redacted]' } }, 'incoming request');
    expect(lines).toEqual([]);
    child.info({ res: { statusCode: 200 }, responseTime: 14.2 }, 'request completed');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d GET \/areas\/icb\/QE1\?token=\[redacted\] 200 14 ms$/);
  });

  it('puts the development sign-in link on a line of its own', () => {
    const { lines, logger } = pretty();
    const link = 'http://localhost:3000/sign-in/verify?token=abc_DEF-123';
    logger.warn(`DEVELOPMENT MODE (no SMTP_URL set): sign-in link ${link} (also in /data/outbox)`);
    expect(lines.some((l) => l.includes('DEVELOPMENT MODE') && !l.includes(link))).toBe(true);
    expect(lines).toContain(`    ${link}`);
    const other = pretty();
    other.logger.error({ err: new Error('boom') }, 'could not write the audit log');
    expect(other.lines[0]).toMatch(/^\d\d:\d\d:\d\d ERROR could not write the audit log: Error: boom/);
  });

  it('in production: JSON lines, for the server and for the start-up messages', () => {
    expect(serverLoggerOptions({ logLevel: 'warn', logFormat: 'json' })).toEqual({ level: 'warn' });
    expect(serverLoggerOptions({ logLevel: 'info', logFormat: 'pretty' })).toHaveProperty('stream');
    const out: string[] = [];
    serveLog({ logFormat: 'json' }, (t) => out.push(t))('NHS App Analytics is serving');
    expect(JSON.parse(out[0]!)).toMatchObject({ level: 30, msg: 'NHS App Analytics is serving' });
    serveLog({ logFormat: 'pretty' }, (t) => out.push(t))('plain');
    expect(out[1]).toBe('plain');
  });
});
