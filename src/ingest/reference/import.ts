import type { Warehouse } from '../../warehouse/db.ts';
import { readCsvHeaderLine } from '../csv-reader.ts';
import { IngestError } from '../errors.ts';
import type { ImportSummary, ReferenceKind } from './common.ts';
import {
  importListSizeAll,
  importListSizeQuinary,
  importListSizeSingleAge,
  listSizeKindOfHeader,
} from './list-sizes.ts';
import { importPracticeMap, isPracticeMapHeader } from './practice-map.ts';

const IMPORTERS: Record<ReferenceKind, (db: Warehouse, file: string) => Promise<ImportSummary>> = {
  practice_map: importPracticeMap,
  list_size_all: importListSizeAll,
  list_size_single_age: importListSizeSingleAge,
  list_size_quinary: importListSizeQuinary,
};

/**
 * Which reference importer applies to a file (plain or gzipped), from its header alone:
 * practice_map (gp-reg-pat-prac-map), list_size_all (gp-reg-pat-prac-all), list_size_single_age
 * (gp-reg-pat-prac-sing-age-*) or list_size_quinary (gp-reg-pat-prac-quin-age). Throws an IngestError otherwise.
 */
export async function detectReferenceKind(file: string): Promise<ReferenceKind> {
  const { names: header, line } = await readCsvHeaderLine(file);
  if (isPracticeMapHeader(header)) return 'practice_map';
  const listKind = listSizeKindOfHeader(header);
  if (listKind) return listKind;
  throw new IngestError({
    file,
    line,
    reason:
      'not a recognised reference file: expected the header of gp-reg-pat-prac-map, gp-reg-pat-prac-all, ' +
      `gp-reg-pat-prac-sing-age-* or gp-reg-pat-prac-quin-age; found ${header.join(',')}`,
  });
}

/** Detects the file's kind and loads it with the matching importer (validated, atomic, idempotent). */
export async function importReferenceFile(db: Warehouse, file: string): Promise<ImportSummary> {
  const kind = await detectReferenceKind(file);
  return IMPORTERS[kind](db, file);
}
