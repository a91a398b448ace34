/**
 * Issue 16, "Bad files that load": files that used to load (or be refused without a clear reason) and must now be
 * refused naming file, line (where there is one) and reason, leaving every feed table exactly as it was.
 */
import ExcelJS from 'exceljs';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Warehouse } from '../../warehouse/db.ts';
import { refuseGlobPath } from '../csv-reader.ts';
import { IngestError } from '../errors.ts';
import { parseCount, parseDay } from './common.ts';
import { importDownloads } from './downloads.ts';
import { importFeedFile } from './index.ts';
import { importMiPublication } from './mi-publication.ts';
import { days, feedContents, openWarehouse, tempDir, writeCsv } from '../../../test/support/feed-files.ts';
import { checkWorkbookLimits, XLSX_LIMITS } from './xlsx-limits.ts';

const tmp = tempDir('feed-bad-');
afterAll(() => tmp.remove());

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const REAL_DIR = path.join(REPO, 'data/reference/nhs-app');
const REAL_ICB = path.join(REAL_DIR, 'nhs-app-mi_icb_monthly_2025-03_to_2025-08.csv');
const REAL_WORKBOOK = path.join(REAL_DIR, 'nhs-app-mi_august-2025.xlsx');

let db: Warehouse;
beforeEach(async () => {
  db = await openWarehouse();
});
afterEach(() => db.close());

/** Imports `file` expecting a refusal; asserts that no feed table changed in any way and returns the error. */
async function refused(load: () => Promise<unknown>): Promise<IngestError> {
  const before = await feedContents(db);
  const err = await load().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(IngestError);
  expect(await feedContents(db)).toEqual(before);
  return err as IngestError;
}

/** A weekly downloads file's lines: header and Apple / Google rows for 7 days from `first`. */
function downloadLines(first: string, count = (i: number) => String(100 + i)): string[] {
  return [
    'Date,Type,Count',
    ...days(first, 7).flatMap((d, i) => [`${d},Apple,${count(i)}`, `${d},Google,${count(i)}`]),
  ];
}

function writeRaw(name: string, content: string | Buffer): string {
  const file = path.join(tmp.dir, name);
  fs.writeFileSync(file, content);
  return file;
}

describe('a truncated MI publication CSV after the real workbook (issue 16)', () => {
  /** The real ICB CSV cut inside its 20th June row (the last figure cut to its first 3 digits), or after it. */
  function cutIcbCsv(midRow: boolean): string {
    const text = fs.readFileSync(REAL_ICB, 'utf8');
    let at = -1;
    for (let n = 0; n < 20; n++) at = text.indexOf('\r\n2025-06-01,', at + 1);
    const rowStart = at + 2;
    const rowEnd = text.indexOf('\r\n', rowStart);
    if (!midRow) return text.slice(0, rowEnd + 2);
    const lastComma = text.lastIndexOf(',', rowEnd);
    return text.slice(0, lastComma + 4);
  }

  it('refuses a file that ends in the middle of a row, naming its last line', async () => {
    await importMiPublication(db, REAL_WORKBOOK);
    const cut = cutIcbCsv(true);
    const file = writeRaw('nhs-app-mi_icb_monthly_truncated.csv', cut);
    const err = await refused(() => importMiPublication(db, file));
    const lastLine = cut.split('\r\n').length;
    expect(err.line).toBe(lastLine);
    expect(err.message).toMatch(
      new RegExp(
        `^nhs-app-mi_icb_monthly_truncated\\.csv line ${lastLine}: the file ends in the middle of this row`,
      ),
    );
  });

  it('refuses a file that would remove figures already stored for a month (fewer ICBs than the loaded edition)', async () => {
    await importMiPublication(db, REAL_WORKBOOK);
    const file = writeRaw('nhs-app-mi_icb_monthly_partial.csv', cutIcbCsv(false));
    const err = await refused(() => importMiPublication(db, file));
    expect(err.file).toBe(file);
    expect(err.message).toMatch(
      /^nhs-app-mi_icb_monthly_partial\.csv: 2025-06: this file would remove 23 of the 43 ICB figures for logins \(.+\) already stored from nhs-app-mi_august-2025\.xlsx/,
    );
    expect(err.problems.map((p) => p.reason)).toEqual([
      expect.stringMatching(/^2025-06: this file would remove 23 of the 43 ICB figures for logins /),
      expect.stringMatching(/^2025-06: this file would remove 23 of the 43 ICB figures for unique_logins /),
    ]);
  });

  it('still lets a later, complete edition replace the figures of a month', async () => {
    await importMiPublication(db, REAL_WORKBOOK);
    const r = await importMiPublication(db, REAL_ICB);
    expect(r.status).toBe('loaded');
    expect(r.replaced?.periods).toEqual([
      '2025-03-01',
      '2025-04-01',
      '2025-05-01',
      '2025-06-01',
      '2025-07-01',
      '2025-08-01',
    ]);
  });
});

describe('a downloads CSV truncated mid-row (issue 16)', () => {
  it('refuses a last row with no line break after it, even when its fields look complete', async () => {
    await importDownloads(
      db,
      writeCsv(tmp.dir, 'WeeklyDownloads_NHSApp_Counts_20250601.csv', downloadLines('2025-05-26')),
    );
    const lines = downloadLines('2025-06-02');
    lines[14] = '2025-06-08,Google,1'; // was 106: cut off in transfer
    const file = writeRaw('WeeklyDownloads_NHSApp_Counts_20250608.csv', lines.join('\n'));
    const err = await refused(() => importDownloads(db, file));
    expect(err.message).toBe(
      'WeeklyDownloads_NHSApp_Counts_20250608.csv line 15: the file ends in the middle of this row (no line ' +
        'break after it): it looks cut off, so nothing is loaded',
    );
  });

  it('refuses a last line with fewer fields than the header', async () => {
    const lines = downloadLines('2025-06-02');
    lines[14] = '2025-06-08,Goo';
    const file = writeRaw('WeeklyDownloads_NHSApp_Counts_20250608.csv', lines.join('\n'));
    const err = await refused(() => importDownloads(db, file));
    expect(err.line).toBe(15);
  });
});

describe('counts beyond the safe integer range (issue 16)', () => {
  it('refuses a count beyond 64 bits, or of 2^53 and more, with file, line and field', async () => {
    for (const big of [
      '18446744073709551616',
      '9007199254740992',
      '1e3',
      '99999999999999999999999999999999999999',
    ]) {
      const lines = downloadLines('2025-06-02');
      lines[3] = `2025-06-03,Apple,${big}`;
      const file = writeCsv(tmp.dir, 'WeeklyDownloads_NHSApp_Counts_20250608.csv', lines);
      const err = await refused(() => importDownloads(db, file));
      expect([err.line, err.field]).toEqual([4, 'Count']);
    }
    expect(parseCount('9007199254740991')).toEqual({ ok: true, value: 9007199254740991 });
    expect(parseCount('18446744073709551616')).toEqual({
      ok: false,
      reason: '18446744073709551616 is too large for a count (the limit is 2^53 − 1 = 9007199254740991)',
    });
  });

  it('refuses a workbook cell holding 2^64, saying it is too large', async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(REAL_WORKBOOK);
    const t2 = wb.worksheets.find((w) => /^table\s*2$/i.test(w.name.trim()))!;
    let row = 0;
    t2.eachRow((r, n) => {
      if (row === 0 && typeof r.getCell(7).value === 'number') row = n;
    });
    t2.getRow(row).getCell(7).value = 2 ** 64;
    const file = path.join(tmp.dir, 'nhs-app-mi_big.xlsx');
    await wb.xlsx.writeFile(file);
    const err = await refused(() => importMiPublication(db, file));
    expect(err.line).toBe(row);
    expect(err.reason).toBe(
      '18446744073709552000 is too large for a count (the limit is 2^53 − 1 = 9007199254740991)',
    );
  });
});

describe('gzip that is not what its name says (issue 16)', () => {
  it('refuses a plain file named .gz', async () => {
    const file = writeCsv(tmp.dir, 'plain.csv', downloadLines('2025-06-02'));
    const gz = path.join(tmp.dir, 'WeeklyDownloads_NHSApp_Counts_20250608.csv.gz');
    fs.copyFileSync(file, gz);
    const err = await refused(() => importFeedFile(db, 'downloads', gz));
    expect(err.message).toBe(
      'WeeklyDownloads_NHSApp_Counts_20250608.csv.gz: is named .gz but is not gzip-compressed (it does not start ' +
        'with the gzip signature 1f 8b)',
    );
  });

  it('refuses a .csv.gz whose content is not CSV text (a workbook, or gzip twice)', async () => {
    const xlsx = writeRaw(
      'WeeklyDownloads_NHSApp_Counts_20250608.csv.gz',
      zlib.gzipSync(fs.readFileSync(REAL_WORKBOOK)),
    );
    const err = await refused(() => importFeedFile(db, 'downloads', xlsx));
    expect(err.message).toBe(
      'WeeklyDownloads_NHSApp_Counts_20250608.csv.gz: is gzip-compressed but what it holds is not CSV text: it is ' +
        'a zip archive (an .xlsx workbook is one)',
    );
    const twice = writeRaw(
      'WeeklyDownloads_NHSApp_Counts_20250615.csv.gz',
      zlib.gzipSync(zlib.gzipSync(downloadLines('2025-06-09').join('\n') + '\n')),
    );
    expect((await refused(() => importFeedFile(db, 'downloads', twice))).reason).toMatch(
      /gzip-compressed twice/,
    );
  });
});

describe('paths with glob characters (issue 16)', () => {
  it('a feed file literally named with * loads its own rows only, never a pattern', async () => {
    writeCsv(tmp.dir, 'WeeklyDownloads_NHSApp_Counts_20250601.csv', downloadLines('2025-05-26'));
    const star = writeCsv(tmp.dir, 'WeeklyDownloads_NHSApp_Counts_*.csv', downloadLines('2025-06-02'));
    const r = await importDownloads(db, star);
    expect([r.rowsLoaded, r.firstDate, r.lastDate]).toEqual([14, '2025-06-02', '2025-06-08']);
  });

  it('never hands DuckDB a path with a glob character: a TMPDIR holding one is refused clearly', async () => {
    const saved = process.env.TMPDIR;
    const globDir = path.join(tmp.dir, 'tmp[1]');
    fs.mkdirSync(globDir);
    process.env.TMPDIR = globDir;
    try {
      const file = writeCsv(
        tmp.dir,
        'WeeklyDownloads_NHSApp_Counts_20250608.csv',
        downloadLines('2025-06-02'),
      );
      const err = await refused(() => importDownloads(db, file));
      expect(err.reason).toMatch(
        /^the temporary directory \(TMPDIR\) contains "\[", which DuckDB would expand as a file pattern/,
      );
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
    for (const bad of ['ev-*.csv', 'ev-?.csv', 'ev-[1].csv', 'ev-{a,b}.csv']) {
      expect(() => refuseGlobPath(path.join(tmp.dir, bad))).toThrow(/DuckDB would expand as a file pattern/);
    }
    expect(() => refuseGlobPath(path.join(tmp.dir, 'ev-1.csv'))).not.toThrow();
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Workbooks built by hand: a zip with the given entries (deflated), optionally declaring false sizes.

interface Entry {
  name: string;
  data: Buffer;
  declaredSize?: number;
}

function zip(entries: readonly Entry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const body = zlib.deflateRawSync(e.data);
    const crc = zlib.crc32(e.data);
    const size = e.declaredSize ?? e.data.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const dir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dir, end]);
}

function sheetXml(rows: number, opts: { dimension?: string; firstRow?: number } = {}): Buffer {
  const parts = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'];
  parts.push('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">');
  if (opts.dimension) parts.push(`<dimension ref="${opts.dimension}"/>`);
  parts.push('<sheetData>');
  const first = opts.firstRow ?? 1;
  for (let r = first; r < first + rows; r++) parts.push(`<row r="${r}"><c r="A${r}"><v>1</v></c></row>`);
  parts.push('</sheetData></worksheet>');
  return Buffer.from(parts.join(''));
}

const WORKBOOK_PARTS: Entry[] = [
  { name: '[Content_Types].xml', data: Buffer.from('<Types/>') },
  { name: 'xl/workbook.xml', data: Buffer.from('<workbook/>') },
];

describe('workbooks over the limits are refused before exceljs reads them (issue 16)', () => {
  it('refuses a sheet of 1 million rows in a small xlsx, leaving the warehouse unchanged', async () => {
    const data = sheetXml(1_000_000);
    const file = writeRaw(
      'nhs-app-mi_huge.xlsx',
      zip([...WORKBOOK_PARTS, { name: 'xl/worksheets/sheet1.xml', data }]),
    );
    expect(fs.statSync(file).size).toBeLessThan(8 * 1024 * 1024);
    const err = await refused(() => importMiPublication(db, file));
    expect(err.message).toBe(
      'nhs-app-mi_huge.xlsx: xl/worksheets/sheet1.xml holds more than 100,000 rows, the most a sheet may hold',
    );
  });

  it('refuses by the sheet <dimension>, the highest row number, and the uncompressed size (declared or real)', async () => {
    const check = (name: string, entries: Entry[]) =>
      checkWorkbookLimits(writeRaw(name, zip([...WORKBOOK_PARTS, ...entries]))).then(
        () => 'accepted',
        (e: IngestError) => e.reason,
      );
    expect(
      await check('dim.xlsx', [
        { name: 'xl/worksheets/sheet1.xml', data: sheetXml(2, { dimension: 'A1:G1048576' }) },
      ]),
    ).toBe(
      'xl/worksheets/sheet1.xml declares (<dimension>) 1,048,576 rows; a sheet may hold at most 100,000',
    );
    expect(
      await check('sparse.xlsx', [
        { name: 'xl/worksheets/sheet1.xml', data: sheetXml(1, { firstRow: 1_000_000 }) },
      ]),
    ).toBe('xl/worksheets/sheet1.xml has a row numbered 1,000,000; a sheet may hold at most 100,000 rows');
    const big = Buffer.alloc(XLSX_LIMITS.sheetBytes + 1, 0x20);
    expect(await check('declared.xlsx', [{ name: 'xl/worksheets/sheet1.xml', data: big }])).toBe(
      "xl/worksheets/sheet1.xml is 50 MB uncompressed; a workbook's sheet may hold at most 50 MB",
    );
    expect(await check('lying.xlsx', [{ name: 'xl/sharedStrings.xml', data: big, declaredSize: 1000 }])).toBe(
      "xl/sharedStrings.xml holds more than 50 MB uncompressed; a workbook's part may hold at most 50 MB",
    );
    expect(await check('fine.xlsx', [{ name: 'xl/worksheets/sheet1.xml', data: sheetXml(100_000) }])).toBe(
      'accepted',
    );
    await expect(checkWorkbookLimits(REAL_WORKBOOK)).resolves.toBeUndefined();
    const notZip = writeRaw('nhs-app-mi_not-a-zip.xlsx', 'MONTH,NHS_APP_LOGINS\n');
    expect((await refused(() => importMiPublication(db, notZip))).reason).toMatch(
      /^cannot be read as an Excel workbook \(\.xlsx is a zip archive\): no zip directory/,
    );
  });
});

describe('dates written dd/mm/yyyy (issue 16)', () => {
  it('are read day first, deliberately: a UK weekly downloads file loads', async () => {
    const lines = downloadLines('2025-06-02').map((l, i) =>
      i === 0 ? l : l.replace(/^(\d{4})-(\d{2})-(\d{2})/, '$3/$2/$1'),
    );
    expect(lines[1]).toBe('02/06/2025,Apple,100');
    const r = await importDownloads(
      db,
      writeCsv(tmp.dir, 'WeeklyDownloads_NHSApp_Counts_20250608.csv', lines),
    );
    expect([r.firstDate, r.lastDate, r.warnings]).toEqual(['2025-06-02', '2025-06-08', []]);
  });

  it('refuses month-first (US) dates and anything but dd/mm/yyyy, with line and field', async () => {
    expect(parseDay('06/13/2025')).toEqual({
      ok: false,
      reason: '"06/13/2025" looks like month/day/year (US order); slashed dates are read as dd/mm/yyyy only',
    });
    for (const raw of ['1/6/2025', '01/06/25', '2025/06/01']) {
      expect(parseDay(raw)).toMatchObject({
        ok: false,
        reason: expect.stringMatching(/must be dd\/mm\/yyyy/),
      });
    }
    const lines = downloadLines('2025-06-02');
    lines[4] = '6/3/2025,Google,5';
    const err = await refused(() =>
      importDownloads(db, writeCsv(tmp.dir, 'WeeklyDownloads_NHSApp_Counts_20250608.csv', lines)),
    );
    expect([err.line, err.field]).toEqual([5, 'Date']);
  });
});

describe('line numbers are physical lines of the file (issue 16)', () => {
  it('a bad value on line 4 after a quoted field holding a line break is reported on line 4', async () => {
    const file = writeRaw(
      'WeeklyDownloads_NHSApp_Counts_20250608.csv',
      'Date,Type,Count,Note\n2025-06-02,Apple,5,"two\nlines"\n2025-06-02,Google,x,\n2025-06-03,Apple,5,\n',
    );
    const err = await refused(() => importDownloads(db, file));
    expect(err.message).toBe(
      'WeeklyDownloads_NHSApp_Counts_20250608.csv line 4, field Count: "x" is not a whole number',
    );
  });

  it('a header after blank lines is reported on its own line', async () => {
    const file = writeRaw(
      'WeeklyDownloads_NHSApp_Counts_20250608.csv',
      '\n\n\nDate,Type\n2025-06-02,Apple\n',
    );
    const err = await refused(() => importDownloads(db, file));
    expect(err.message).toBe('WeeklyDownloads_NHSApp_Counts_20250608.csv line 4: missing column Count');
  });
});
