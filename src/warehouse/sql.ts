import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SQL_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'sql');
const cache = new Map<string, string>();

/**
 * One query per file under src/warehouse/sql (name without .sql, sub-folders allowed).
 * Queries take positional parameters ($1, $2 …), never string-built values.
 */
export function sql(name: string): string {
  let text = cache.get(name);
  if (text === undefined) {
    if (!/^[a-z0-9_/-]+$/.test(name)) throw new Error(`bad SQL file name ${name}`);
    text = fs.readFileSync(path.join(SQL_DIR, `${name}.sql`), 'utf8');
    cache.set(name, text);
  }
  return text;
}

/** Quotes a file path as a SQL string literal for table functions such as read_csv, which take no parameters. */
export function sqlLiteral(value: string): string {
  if (value.includes('\0')) throw new Error('NUL byte in SQL literal');
  return `'${value.replaceAll("'", "''")}'`;
}
