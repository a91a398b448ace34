/** CSV as the CLI's query commands print it. */
import { toCsv as writeCsv } from '../domain/csv.ts';

/**
 * CSV of the rows, with the API's cell rules (src/domain/csv.ts, ADR 0010): RFC 4180 quoting, and text a
 * spreadsheet would run as a formula (starting =, +, -, @, tab or CR) prefixed with '.
 */
export function toCsv(rows: Record<string, unknown>[], columns: readonly string[]): string {
  return writeCsv(columns, rows, '\n');
}
