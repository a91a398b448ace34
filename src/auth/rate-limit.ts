/**
 * Fixed-window rate limiting in memory, per key (an email hash, a client address). Enough for the embedded
 * single-process server; several instances would each count separately (docs/adr/0013). Pure apart from
 * the Map; time is passed in.
 */
export interface RateLimitOptions {
  limit: number;
  windowMs: number;
  /** Keys kept at most (oldest windows dropped first), so a flood of keys cannot exhaust memory. */
  maxKeys?: number;
}

export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();
  private readonly maxKeys: number;

  constructor(private readonly options: RateLimitOptions) {
    this.maxKeys = options.maxKeys ?? 100_000;
  }

  /** Counts one attempt for `key` at `now` (ms); false when the key is over its limit in this window. */
  hit(key: string, now: number): boolean {
    const w = this.windows.get(key);
    if (!w || now - w.start >= this.options.windowMs) {
      if (!w && this.windows.size >= this.maxKeys) this.prune(now);
      this.windows.delete(key);
      this.windows.set(key, { start: now, count: 1 });
      return true;
    }
    w.count += 1;
    return w.count <= this.options.limit;
  }

  /** Seconds until `key` may try again (0 when it may now). */
  retryAfterSeconds(key: string, now: number): number {
    const w = this.windows.get(key);
    if (!w || w.count <= this.options.limit) return 0;
    return Math.max(0, Math.ceil((w.start + this.options.windowMs - now) / 1000));
  }

  private prune(now: number): void {
    for (const [key, w] of this.windows) {
      if (now - w.start >= this.options.windowMs) this.windows.delete(key);
    }
    // Still full: drop the oldest (Map keeps insertion order).
    while (this.windows.size >= this.maxKeys) {
      const first = this.windows.keys().next().value;
      if (first === undefined) break;
      this.windows.delete(first);
    }
  }
}
