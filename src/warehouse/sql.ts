/** Quotes a file path as a SQL string literal for table functions such as read_csv, which take no parameters. */
export function sqlLiteral(value: string): string {
  if (value.includes('\0')) throw new Error('NUL byte in SQL literal');
  return `'${value.replaceAll("'", "''")}'`;
}

/** Quotes a name (a file's column, a database) as a SQL identifier, for text no parameter can stand in. */
export function sqlIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
