import { describe, expect, it } from 'vitest';
import { actorText, targetText } from './admin-routes.ts';

describe('the audit log as an admin reads it', () => {
  it('names the person a user target stands for, and leaves other targets as recorded', () => {
    const emails = new Map([['0b5c6a1e-1111-4222-8333-444455556666', 'lead@nhs.net']]);
    expect(targetText('user:0b5c6a1e-1111-4222-8333-444455556666', emails)).toBe('user lead@nhs.net');
    // A user since deleted (or never known) keeps the recorded id.
    expect(targetText('user:9f9f9f9f-1111-4222-8333-444455556666', emails)).toBe(
      'user:9f9f9f9f-1111-4222-8333-444455556666',
    );
    expect(targetText('email-hash:CQQ4EaYh0vdq8etW', emails)).toBe('email-hash:CQQ4EaYh0vdq8etW');
    expect(targetText('/booking/breach.csv', emails)).toBe('/booking/breach.csv');
    expect(targetText(null, emails)).toBe('');
  });

  it('tells the operator at the command line from a visitor who was not signed in', () => {
    const nobody = { actorEmail: null, actorUserId: null };
    expect(actorText({ ...nobody, detail: 'cli: role admin' })).toBe('Operator (command line)');
    expect(actorText({ ...nobody, detail: 'cli' })).toBe('Operator (command line)');
    expect(actorText({ ...nobody, detail: 'link sent' })).toBe('Not signed in');
    expect(actorText({ ...nobody, detail: null })).toBe('Not signed in');
    expect(actorText({ actorEmail: 'boss@nhs.net', actorUserId: 'x', detail: 'cli' })).toBe('boss@nhs.net');
  });
});
