import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

function problemsOf(env: NodeJS.ProcessEnv): readonly string[] {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  return [];
}

describe('configuration checked at start (issue 10 item 4)', () => {
  it('accepts the defaults and good values', () => {
    const c = loadConfig({ DATA_DIR: '/tmp/x' });
    expect(c).toMatchObject({ port: 3000, databaseUrl: null, logFormat: 'pretty', logLevel: 'info' });
    expect(loadConfig({ NODE_ENV: 'production' }).logFormat).toBe('json');
    expect(loadConfig({ NODE_ENV: 'production', LOG_FORMAT: 'pretty' }).logFormat).toBe('pretty');
    expect(loadConfig({ LOG_FORMAT: 'JSON' }).logFormat).toBe('json');
    for (const url of [
      'postgres://postgres@127.0.0.1:5432/analytics',
      'postgresql://user:secret@db.example/analytics?sslmode=require',
    ])
      expect(loadConfig({ DATABASE_URL: url }).databaseUrl).toBe(url);
  });

  it('lists every bad variable, one line each, naming it', () => {
    const problems = problemsOf({
      PORT: '70000',
      DATABASE_URL: 'mysql://root@db/analytics',
      REFRESH_SCHEDULE: 'every wednesday',
      LOG_FORMAT: 'xml',
      LOG_LEVEL: 'loud',
      FIGURE_CONCURRENCY: '0',
      FIGURE_QUEUE_LENGTH: 'many',
      SESSION_IDLE_MINUTES: '-5',
      PUBLIC_URL: 'analytics.example',
      DUCKDB_MEMORY_LIMIT: 'lots',
      NHS_APP_ANALYTICS_TODAY: '2026-02-30',
      OIDC_ISSUER: 'https://login.example',
    });
    const named = [
      'PORT',
      'DATABASE_URL',
      'REFRESH_SCHEDULE',
      'LOG_FORMAT',
      'LOG_LEVEL',
      'FIGURE_CONCURRENCY',
      'FIGURE_QUEUE_LENGTH',
      'SESSION_IDLE_MINUTES',
      'PUBLIC_URL',
      'DUCKDB_MEMORY_LIMIT',
      'NHS_APP_ANALYTICS_TODAY',
      'OIDC_CLIENT_ID',
    ];
    expect(problems).toHaveLength(named.length);
    for (const name of named)
      expect(
        problems.some((p) => p.startsWith(name)),
        name,
      ).toBe(true);
    for (const p of problems) expect(p).not.toContain('\n');
  });

  it('never repeats a DATABASE_URL, which may hold a password', () => {
    for (const bad of [
      'postgres://u:hunter2@/',
      'not a url hunter2',
      'http://u:hunter2@db/x',
      'postgres://u:hunter2@db',
    ]) {
      const problems = problemsOf({ DATABASE_URL: bad });
      expect(problems, bad).toHaveLength(1);
      expect(problems[0]).toMatch(/^DATABASE_URL /);
      expect(problems[0]).not.toContain('hunter2');
    }
  });
});
