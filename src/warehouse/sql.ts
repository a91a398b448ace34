/** Quotes a file path as a SQL string literal for table functions such as read_csv, which take no parameters. */
export function sqlLiteral(value: string): string {
  if (value.includes('\0')) throw new Error('NUL byte in SQL literal');
  return `'${value.replaceAll("'", "''")}'`;
}
