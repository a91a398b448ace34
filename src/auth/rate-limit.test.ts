import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limit.ts';

describe('RateLimiter', () => {
  it('allows `limit` hits per window per key, then refuses until the window ends', () => {
    const rl = new RateLimiter({ limit: 3, windowMs: 1000 });
    expect([rl.hit('a', 0), rl.hit('a', 10), rl.hit('a', 20), rl.hit('a', 30)]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    expect(rl.hit('b', 30)).toBe(true); // other keys are counted apart
    expect(rl.retryAfterSeconds('a', 500)).toBe(1);
    expect(rl.hit('a', 999)).toBe(false);
    expect(rl.hit('a', 1000)).toBe(true); // a new window
    expect(rl.retryAfterSeconds('a', 1000)).toBe(0);
  });

  it('keeps at most maxKeys keys', () => {
    const rl = new RateLimiter({ limit: 1, windowMs: 1000, maxKeys: 10 });
    for (let i = 0; i < 100; i++) rl.hit(`k${i}`, 0);
    expect((rl as unknown as { windows: Map<string, unknown> }).windows.size).toBeLessThanOrEqual(10);
  });
});
