import { describe, expect, it } from 'vitest';
import { loadAuthConfig } from './config.ts';

describe('AUDIT_RETENTION_DAYS (issue 16, item 10)', () => {
  it('defaults to 400 days', () => {
    expect(loadAuthConfig({}).auditRetentionDays).toBe(400);
    expect(loadAuthConfig({ AUDIT_RETENTION_DAYS: '' }).auditRetentionDays).toBe(400);
  });

  it('takes a whole number of days from 1 to 3650', () => {
    expect(loadAuthConfig({ AUDIT_RETENTION_DAYS: '30' }).auditRetentionDays).toBe(30);
    expect(loadAuthConfig({ AUDIT_RETENTION_DAYS: '3650' }).auditRetentionDays).toBe(3650);
    for (const bad of ['0', '-1', '3651', '1.5', 'forever', ' 30']) {
      expect(() => loadAuthConfig({ AUDIT_RETENTION_DAYS: bad }), bad).toThrow(/AUDIT_RETENTION_DAYS/);
    }
  });
});
