/** Memory sizes as DuckDB and DUCKDB_MEMORY_LIMIT write them. Pure. */

/** Bytes of a size such as "4GB": KB/MB/GB/TB are powers of 1000, KiB/MiB/GiB/TiB of 1024; NaN otherwise. */
export function parseByteSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$/i.exec(text);
  if (!m) return NaN;
  const unit = m[2]!.toLowerCase();
  const power = { b: 0, kb: 1, mb: 2, gb: 3, tb: 4, kib: 1, mib: 2, gib: 3, tib: 4 }[unit]!;
  return Number(m[1]) * (unit.endsWith('ib') ? 1024 : 1000) ** power;
}

/**
 * The share of DUCKDB_MEMORY_LIMIT given to DuckDB's buffer manager (ADR 0045). DuckDB's memory_limit bounds
 * only the memory it manages; readers' buffers, allocator slack and Node's own heap come on top: at 20 M events
 * the process's resident set peaked 0.76–0.92 GiB above DuckDB's own figure. Seven tenths leave that room, so
 * the process stays within the configured limit.
 */
export const DUCKDB_MEMORY_SHARE = 0.7;

/** DuckDB's memory_limit for a configured limit (whole MiB), or the text as given when it is not a size. */
export function duckdbMemoryLimit(configured: string): string {
  const bytes = parseByteSize(configured);
  if (!Number.isFinite(bytes)) return configured;
  return `${Math.max(1, Math.floor((bytes * DUCKDB_MEMORY_SHARE) / 2 ** 20))}MiB`;
}
