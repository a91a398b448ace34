/**
 * Reads kept per warehouse handle, the same for every page that asks (England's comparison figures, a level's
 * peer bands and rate fields): keyed by what identifies them (the data version among it, so a build gives new
 * keys), at most `size` answers, the oldest dropped first. A read in flight is shared by those who ask for it
 * meanwhile; a failed read is not kept.
 */
import type { Warehouse } from '../warehouse/db.ts';

export interface KeptReads<T> {
  /** The kept answer for `key`, or `read()`'s, kept. */
  get(db: Warehouse, key: string, read: () => Promise<T>): Promise<T>;
  has(db: Warehouse, key: string): boolean;
}

export function keptReads<T>(size: number): KeptReads<T> {
  const byDb = new WeakMap<Warehouse, Map<string, Promise<T>>>();
  const memoOf = (db: Warehouse) => {
    let memo = byDb.get(db);
    if (!memo) byDb.set(db, (memo = new Map()));
    return memo;
  };
  return {
    get(db, key, read) {
      const memo = memoOf(db);
      let held = memo.get(key);
      if (!held) {
        held = read();
        memo.set(key, held);
        held.catch(() => memo.delete(key));
        for (const k of memo.keys()) {
          if (memo.size <= size) break;
          memo.delete(k);
        }
      }
      return held;
    },
    has: (db, key) => byDb.get(db)?.has(key) ?? false,
  };
}
