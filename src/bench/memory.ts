/** Peak memory of a bench step: the process's resident set (DuckDB runs inside it) and DuckDB's own. */
import type { Warehouse } from '../warehouse/db.ts';

export interface MemoryPeak {
  /** Resident set high-water of the process during the step, in bytes. */
  rss: number;
  /** Most DuckDB's buffer manager held (duckdb_memory()) when sampled; null without a warehouse. */
  duckdb: number | null;
}

const RSS_EVERY_MS = 50;
const DUCKDB_EVERY_MS = 200;

const maxRss = () => process.resourceUsage().maxRSS * 1024;

/**
 * Starts sampling. The resident set is sampled every 50 ms; when the process's own high-water mark
 * (getrusage) rises during the step, that is the step's peak, exact between samples. DuckDB's memory is read
 * every 200 ms on a connection of its own, so that the step's statements do not wait for it.
 */
export async function sampleMemory(db?: Warehouse): Promise<{ stop: () => Promise<MemoryPeak> }> {
  const startMax = maxRss();
  let rss = process.memoryUsage().rss;
  const rssTimer = setInterval(() => {
    rss = Math.max(rss, process.memoryUsage().rss);
  }, RSS_EVERY_MS);
  const conn = db ? await db.connect() : null;
  let duckdb: number | null = null;
  let stopped = false;
  const readDuckdb = async () => {
    // The step may close its warehouse (and so this connection) before the sampler stops.
    if (!conn || conn.isClosed) return;
    const bytes = await conn
      .scalar<number>('SELECT CAST(coalesce(sum(memory_usage_bytes), 0) AS DOUBLE) FROM duckdb_memory()')
      .catch((err: unknown) => {
        if (conn.isClosed) return undefined;
        throw err;
      });
    if (bytes !== undefined) duckdb = Math.max(duckdb ?? 0, Number(bytes));
  };
  // One read at a time: the next is scheduled when the previous has answered.
  const loop = (async () => {
    while (conn && !stopped && !conn.isClosed) {
      await readDuckdb();
      await new Promise((resolve) => setTimeout(resolve, DUCKDB_EVERY_MS));
    }
  })();
  return {
    stop: async () => {
      clearInterval(rssTimer);
      stopped = true;
      await loop;
      if (conn && !conn.isClosed) {
        await readDuckdb();
        conn.close();
      }
      const endMax = maxRss();
      rss = Math.max(rss, process.memoryUsage().rss, endMax > startMax ? endMax : 0);
      return { rss, duckdb };
    },
  };
}

export const gib = (bytes: number | null) => (bytes === null ? '-' : `${(bytes / 2 ** 30).toFixed(2)} GiB`);
