/**
 * Place names of sub-ICB locations (docs/adr/0028-sub-icb-place-names.md): a sub-ICB location is named by NHS
 * England only as "NHS West Yorkshire ICB - 15F"; the shipped file data/reference/sub-icb-place-names.csv gives
 * each one the name of the CCG it succeeded ("NHS Leeds CCG") and a place name derived from it ("Leeds"). Its
 * source and derivation are in data/reference/README.md.
 */
import path from 'node:path';
import type { Warehouse } from '../../warehouse/db.ts';
import { readCsv } from '../csv-reader.ts';
import { IngestError } from '../errors.ts';
import { REPO_ROOT } from '../../config.ts';
import { fileSha256 } from './common.ts';
import * as referenceSql from '../../warehouse/sql/reference.ts';

export const SUB_ICB_PLACES_FILE = path.join(REPO_ROOT, 'data', 'reference', 'sub-icb-place-names.csv');

export const PLACE_BASES = ['ccg_name', 'local_authorities', 'inferred'] as const;

export interface SubIcbPlace {
  subIcbCode: string;
  ccgCode: string;
  ccgOnsCode: string;
  ccgName: string;
  placeName: string;
  /** Local authority districts (2021) the former CCG covered, largest part first. */
  localAuthorities: string[];
  basis: (typeof PLACE_BASES)[number];
  note: string;
}

const COLUMNS = [
  'sub_icb_code',
  'ccg_code',
  'ccg_ons_code',
  'ccg_name',
  'place_name',
  'local_authorities',
  'basis',
  'note',
] as const;

/** Reads and checks the place-name file: every column filled (but the notes), codes unique. */
export async function readSubIcbPlaces(file = SUB_ICB_PLACES_FILE): Promise<SubIcbPlace[]> {
  const places: SubIcbPlace[] = [];
  const seen = new Set<string>();
  for await (const { line, fields } of readCsv(file, { required: COLUMNS })) {
    const f = fields as Record<(typeof COLUMNS)[number], string>;
    const basis = f.basis as SubIcbPlace['basis'];
    if (!PLACE_BASES.includes(basis))
      throw new IngestError({ file, line, reason: `unknown basis ${f.basis}` });
    for (const c of ['sub_icb_code', 'ccg_code', 'ccg_ons_code', 'ccg_name', 'place_name'] as const) {
      if (f[c] === '') throw new IngestError({ file, line, reason: `${c} is empty` });
    }
    if (seen.has(f.sub_icb_code))
      throw new IngestError({ file, line, reason: `${f.sub_icb_code} appears twice` });
    seen.add(f.sub_icb_code);
    places.push({
      subIcbCode: f.sub_icb_code,
      ccgCode: f.ccg_code,
      ccgOnsCode: f.ccg_ons_code,
      ccgName: f.ccg_name,
      placeName: f.place_name,
      localAuthorities: f.local_authorities === '' ? [] : f.local_authorities.split('; '),
      basis,
      note: f.note,
    });
  }
  return places;
}

/** Content hash of the shipped place-name file, part of the area model's source signature. */
export function subIcbPlacesSignature(file = SUB_ICB_PLACES_FILE): Promise<string> {
  return fileSha256(file);
}

/** Replaces sub_icb_place with the file's rows (call inside the area rebuild's transaction). */
export async function storeSubIcbPlaces(tx: Warehouse, places: readonly SubIcbPlace[]): Promise<void> {
  await tx.run('DELETE FROM sub_icb_place');
  for (const p of places) {
    await tx.run(referenceSql.subIcbPlaceInsert, [
      p.subIcbCode,
      p.ccgCode,
      p.ccgOnsCode,
      p.ccgName,
      p.placeName,
      p.localAuthorities.join('; '),
      p.basis,
    ]);
  }
}
