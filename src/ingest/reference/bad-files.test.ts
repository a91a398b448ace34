/**
 * Validation, atomicity and idempotency of the reference importers, on small files cut from the real shipped ones.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { REPO_ROOT } from '../../config.ts';
import { Warehouse } from '../../warehouse/db.ts';
import { migrate } from '../../warehouse/migrate.ts';
import { IngestError } from '../errors.ts';
import { rebuildAreas } from './areas.ts';
import { detectReferenceKind, importReferenceFile } from './import.ts';

const REF = path.join(REPO_ROOT, 'data', 'reference');
const TABLES = ['reference_release', 'practice_map', 'list_size', 'area', 'area_version', 'area_ancestry'];

function shippedLines(name: string): string[] {
  return zlib
    .gunzipSync(fs.readFileSync(path.join(REF, name)))
    .toString('utf8')
    .trimEnd()
    .split('\n');
}

let dir: string;
let db: Warehouse;
let mapLines: string[]; // header + 40 rows of the Aug 2026 map
let allLines: string[]; // header + 20 rows of gp-reg-pat-prac-all

function write(name: string, lines: string[] | string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, Array.isArray(lines) ? `${lines.join('\n')}\n` : lines);
  return file;
}

/** Row `i` (1-based data row, so physical line i + 1) with one field replaced. */
function withField(lines: string[], dataRow: number, column: string, value: string): string[] {
  const header = lines[0]!.split(',');
  const col = header.indexOf(column);
  const out = [...lines];
  const fields = out[dataRow]!.split(',');
  fields[col] = value;
  out[dataRow] = fields.join(',');
  return out;
}

async function counts(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of TABLES) out[t] = (await db.scalar<number>(`SELECT count(*) FROM ${t}`)) ?? 0;
  return out;
}

async function expectRejected(file: string, pattern: RegExp): Promise<IngestError> {
  const before = await counts();
  const err = await importReferenceFile(db, file).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(IngestError);
  expect((err as IngestError).message).toMatch(pattern);
  expect(await counts()).toEqual(before);
  const recorded = await db.scalar<number>('SELECT count(*) FROM reference_release WHERE source_file = $1', [
    path.basename(file),
  ]);
  expect(recorded).toBe(0);
  return err as IngestError;
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ref-bad-'));
  // Rows without quoted fields, so that tests can edit them by splitting on commas.
  const map = shippedLines('gp-reg-pat-prac-map_2026-08.csv.gz');
  mapLines = [
    map[0]!,
    ...map
      .slice(1)
      .filter((l) => !l.includes('"'))
      .slice(0, 40),
  ];
  allLines = shippedLines('gp-reg-pat-prac-all_2025-03_to_2025-12_5months.csv.gz').slice(0, 21);
  db = await Warehouse.open(':memory:');
  await migrate(db);
  // A baseline: one good small release of each of two kinds.
  await importReferenceFile(db, write('baseline-map.csv', mapLines));
  await importReferenceFile(db, write('baseline-all.csv', allLines));
  await rebuildAreas(db);
});

afterAll(() => {
  db?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('bad reference files are rejected with file, line, field and reason, and change nothing', () => {
  it('a missing column', async () => {
    const header = mapLines[0]!.split(',');
    const drop = header.indexOf('PRACTICE_NAME');
    const lines = mapLines.map((l) =>
      l
        .split(',')
        .filter((_, i) => i !== drop)
        .join(','),
    );
    const err = await expectRejected(
      write('gp-reg-pat-prac-map-missing.csv', lines),
      /^gp-reg-pat-prac-map-missing\.csv line 1: missing column PRACTICE_NAME$/,
    );
    expect(err.line).toBe(1);
  });

  it('a bad ODS code', async () => {
    const err = await expectRejected(
      write('gp-reg-pat-prac-map-bad-ods.csv', withField(mapLines, 4, 'PRACTICE_CODE', 'A8100X')),
      /^gp-reg-pat-prac-map-bad-ods\.csv line 5, field PRACTICE_CODE: "A8100X" is not a valid practice ODS code$/,
    );
    expect(err).toMatchObject({ line: 5, field: 'PRACTICE_CODE' });
  });

  it('two EXTRACT_DATEs in a practice map', async () => {
    await expectRejected(
      write('gp-reg-pat-prac-map-two-dates.csv', withField(mapLines, 3, 'EXTRACT_DATE', '01Sep2026')),
      /^gp-reg-pat-prac-map-two-dates\.csv line 4, field EXTRACT_DATE: a file must hold one extract: 2026-09-01 here but 2026-08-01 on line 2$/,
    );
  });

  it('a non-numeric NUMBER_OF_PATIENTS', async () => {
    const err = await expectRejected(
      write('gp-reg-pat-prac-all-bad-number.csv', withField(allLines, 12, 'NUMBER_OF_PATIENTS', '12a4')),
      /^gp-reg-pat-prac-all-bad-number\.csv line 13, field NUMBER_OF_PATIENTS: "12a4" is not a whole number/,
    );
    expect(err).toMatchObject({ line: 13, field: 'NUMBER_OF_PATIENTS' });
  });

  it('several problems are reported together', async () => {
    let lines = withField(mapLines, 2, 'PRACTICE_NAME', '');
    lines = withField(lines, 7, 'COMM_REGION_CODE', 'X99');
    lines = withField(lines, 9, 'ONS_ICB_CODE', 'E5400');
    lines.push(lines[11]!); // a duplicate practice on the last line
    const err = await expectRejected(
      write('gp-reg-pat-prac-map-many.csv', lines),
      /line 3, field PRACTICE_NAME/,
    );
    expect(err.problems.map((p) => [p.line, p.field])).toEqual([
      [3, 'PRACTICE_NAME'],
      [8, 'COMM_REGION_CODE'],
      [10, 'ONS_ICB_CODE'],
      [lines.length, 'PRACTICE_CODE'],
    ]);
    expect(err.message.split('\n')).toHaveLength(4);
    expect(err.message).toContain(`appears twice (first on line 12)`);
  });

  it('inconsistent parents: a sub-ICB location in two ICBs', async () => {
    const header = mapLines[0]!.split(',');
    const sub = header.indexOf('SUB_ICB_LOCATION_CODE');
    const firstSub = mapLines[1]!.split(',')[sub]!;
    const row = mapLines.findIndex((l, i) => i > 1 && l.split(',')[sub] === firstSub);
    expect(row).toBeGreaterThan(1);
    const lines = withField(mapLines, row, 'ICB_CODE', 'QZZ');
    await expectRejected(
      write('gp-reg-pat-prac-map-two-icbs.csv', lines),
      new RegExp(
        `line ${row + 1}, field ICB_CODE: sub-ICB location ${firstSub} has ICB "QZZ" here but "[A-Z0-9]+" on line 2`,
      ),
    );
  });

  it('a file that is not a reference file, and a list-size row for an unknown organisation type', async () => {
    const file = write('events.csv', 'event_id,user_id\n1,2\n');
    await expect(detectReferenceKind(file)).rejects.toThrow(
      /^events\.csv line 1: not a recognised reference file/,
    );
    await expectRejected(file, /not a recognised reference file/);
    await expectRejected(
      write('gp-reg-pat-prac-all-type.csv', withField(allLines, 2, 'TYPE', 'HOSPITAL')),
      /line 3, field TYPE: unknown organisation type "HOSPITAL"/,
    );
  });

  it('an interrupted write leaves the previous release whole', async () => {
    const before = await counts();
    const changed = withField(mapLines, 1, 'PRACTICE_NAME', 'RENAMED SURGERY');
    const spy = vi.spyOn(db, 'append').mockRejectedValueOnce(new Error('disk full'));
    await expect(
      importReferenceFile(db, write('gp-reg-pat-prac-map-interrupted.csv', changed)),
    ).rejects.toThrow('disk full');
    spy.mockRestore();
    expect(await counts()).toEqual(before);
    const name = await db.scalar('SELECT practice_name FROM practice_map ORDER BY practice_code LIMIT 1');
    expect(name).not.toBe('RENAMED SURGERY');
  });
});

describe('loading good files', () => {
  it('the same file twice is a no-op, plain or gzipped', async () => {
    const before = await counts();
    const again = await importReferenceFile(db, write('baseline-map-again.csv', mapLines));
    expect(again).toMatchObject({ skipped: true, kind: 'practice_map', extractDate: '2026-08-01', rows: 40 });
    const gz = path.join(dir, 'baseline-all.csv.gz');
    fs.writeFileSync(gz, zlib.gzipSync(`${allLines.join('\n')}\n`));
    const all = await importReferenceFile(db, gz);
    expect(all.skipped).toBe(true);
    expect(all.releases.map((r) => r.action)).toEqual(['skipped']);
    expect(await counts()).toEqual(before);
  });

  it('a gzipped file loads', async () => {
    const lines = shippedLines('gp-reg-pat-prac-all_2025-03_to_2025-12_5months.csv.gz');
    const nov = [lines[0]!, ...lines.filter((l) => l.includes(',2025-11-01,')).slice(0, 15)];
    const file = path.join(dir, 'gp-reg-pat-prac-all-nov.csv.gz');
    fs.writeFileSync(file, zlib.gzipSync(`${nov.join('\n')}\n`));
    const summary = await importReferenceFile(db, file);
    expect(summary).toMatchObject({
      kind: 'list_size_all',
      extractDate: '2025-11-01',
      rows: 15,
      skipped: false,
    });
    const n = await db.scalar<number>(
      "SELECT count(*) FROM list_size WHERE extract_date = DATE '2025-11-01' AND source_kind = 'list_size_all'",
    );
    expect(n).toBe(15);
  });

  it('a different file for a loaded release replaces it atomically', async () => {
    const fewer = mapLines.slice(0, 31);
    const replaced = await importReferenceFile(db, write('gp-reg-pat-prac-map-fewer.csv', fewer));
    expect(replaced.releases).toEqual([{ extractDate: '2026-08-01', rows: 30, action: 'replaced' }]);
    expect(await db.scalar('SELECT count(*) FROM practice_map')).toBe(30);
    const rel = await db.one('SELECT source_file, row_count FROM reference_release WHERE kind = $1', [
      'practice_map',
    ]);
    expect(rel).toEqual({ source_file: 'gp-reg-pat-prac-map-fewer.csv', row_count: 30 });
    const back = await importReferenceFile(db, write('baseline-map.csv', mapLines));
    expect(back.releases[0]!.action).toBe('replaced');
    expect(await db.scalar('SELECT count(*) FROM practice_map')).toBe(40);
  });

  it('accepts the older STP / CCG headers and files without PCNs', async () => {
    const rename: Record<string, string> = {
      SUB_ICB_LOCATION_CODE: 'CCG_CODE',
      SUB_ICB_LOCATION_NAME: 'CCG_NAME',
      ONS_SUB_ICB_LOCATION_CODE: 'ONS_CCG_CODE',
      ICB_CODE: 'STP_CODE',
      ICB_NAME: 'STP_NAME',
      ONS_ICB_CODE: 'ONS_STP_CODE',
    };
    const header = mapLines[0]!.split(',');
    const keep = header.map((h, i) => (h === 'PCN_CODE' || h === 'PCN_NAME' ? -1 : i)).filter((i) => i >= 0);
    const old = mapLines.map((l, n) => {
      const f = (n === 0 ? header.map((h) => rename[h] ?? h) : l.split(',')).map((v) =>
        n > 0 && v === '01Aug2026' ? '01Apr2019' : v,
      );
      return keep.map((i) => f[i]).join(',');
    });
    const summary = await importReferenceFile(db, write('gp-reg-pat-prac-map-2019.csv', old));
    expect(summary).toMatchObject({ kind: 'practice_map', extractDate: '2019-04-01', rows: 40 });
    const row = await db.one(
      "SELECT pcn_code, pcn_name, sub_icb_code, icb_code FROM practice_map WHERE extract_date = DATE '2019-04-01' LIMIT 1",
    );
    // Unallocated practices are grouped per sub-ICB location (U + its code), named after it.
    expect(row!.pcn_code).toBe(`U${String(row!.sub_icb_code)}`);
    expect(row!.pcn_name).toMatch(/^Unallocated practices: /);
    expect(row!.icb_code).toMatch(/^[A-Z0-9]{3,5}$/);
  });
});

describe('rebuildAreas', () => {
  it('with no practice map yet gives England and the Unknown chain only', async () => {
    const empty = await Warehouse.open(':memory:');
    try {
      await migrate(empty);
      await rebuildAreas(empty);
      const areas = await empty.all(
        'SELECT area_level, area_code, is_current FROM area ORDER BY area_code, area_level',
      );
      expect(areas).toHaveLength(6);
      expect(areas[0]).toEqual({ area_level: 'england', area_code: 'E92000001', is_current: true });
      expect(
        await empty.all(
          "SELECT DISTINCT area_code FROM area_ancestry WHERE structure = 'current' AND area_level = 'practice'",
        ),
      ).toEqual([{ area_code: 'UNKNOWN' }]);
    } finally {
      empty.close();
    }
  });
});

describe('issue 16: bad reference files that used to load, or were reported on the wrong line', () => {
  it('a bad value on line 4 after a quoted field holding a line break is reported on line 4', async () => {
    const lines = withField(
      withField(mapLines, 1, 'PRACTICE_NAME', '"THE SURGERY\nANNEXE"'),
      2,
      'PRACTICE_CODE',
      'A8100X',
    );
    const err = await expectRejected(
      write('gp-reg-pat-prac-map-quoted.csv', lines),
      /^gp-reg-pat-prac-map-quoted\.csv line 4, field PRACTICE_CODE: "A8100X" is not a valid practice ODS code$/,
    );
    expect(err).toMatchObject({ line: 4, field: 'PRACTICE_CODE' });
  });

  it('a missing column is reported on the header line, after blank lines', async () => {
    const lines = ['', '', allLines[0]!.replace('NUMBER_OF_PATIENTS', 'PATIENTS'), ...allLines.slice(1)];
    const err = await expectRejected(
      write('gp-reg-pat-prac-all-late-header.csv', lines),
      /^gp-reg-pat-prac-all-late-header\.csv line 3: /,
    );
    expect(err.line).toBe(3);
  });

  it('a file cut off in the middle of its last row', async () => {
    const cut = `${allLines.join('\n').slice(0, -2)}`;
    const err = await expectRejected(
      write('gp-reg-pat-prac-all-cut.csv', cut),
      /^gp-reg-pat-prac-all-cut\.csv line 21: the file ends in the middle of this row/,
    );
    expect(err.line).toBe(21);
  });

  it('a count beyond 64 bits', async () => {
    await expectRejected(
      write(
        'gp-reg-pat-prac-all-huge.csv',
        withField(allLines, 3, 'NUMBER_OF_PATIENTS', '18446744073709551616'),
      ),
      /^gp-reg-pat-prac-all-huge\.csv line 4, field NUMBER_OF_PATIENTS: "18446744073709551616" is not a whole number of patients/,
    );
  });

  it('a plain file named .gz', async () => {
    await expectRejected(
      write('gp-reg-pat-prac-all-plain.csv.gz', allLines),
      /^gp-reg-pat-prac-all-plain\.csv\.gz: is named \.gz but is not gzip-compressed/,
    );
  });
});
