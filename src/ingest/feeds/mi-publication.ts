/**
 * The NHS App Management Information publication, in whichever form it comes: the Excel workbook (mi-workbook.ts)
 * or its ICB-level / national CSV extracts (mi-csv.ts). All go to `mi_published`.
 */
import type { Warehouse } from '../../warehouse/db.ts';
import type { FeedImportSummary } from './common.ts';
import { importMiCsv } from './mi-csv.ts';
import { importMiWorkbook, isXlsxFile } from './mi-workbook.ts';

export async function importMiPublication(db: Warehouse, file: string): Promise<FeedImportSummary> {
  return isXlsxFile(file) ? importMiWorkbook(db, file) : importMiCsv(db, file);
}
