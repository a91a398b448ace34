/**
 * Bounds what an .xlsx workbook may hold BEFORE exceljs reads it. exceljs builds every row and cell of every
 * sheet in memory (a 2 MB workbook with a 1-million-row sheet took 4.2 GB), so the zip is inspected first with a
 * small reader of its own: the central directory (entry names and declared sizes), then every entry inflated as a
 * stream and counted — declared sizes can lie — with each worksheet's `<dimension ref=…>` and its rows (the number
 * of `<row>` elements and the highest row number `r`). A workbook over a limit is refused with the reason; nothing
 * is held in memory beyond one chunk. The NHS App MI workbook is about 100 KB with a few thousand rows.
 */
import fs from 'node:fs';
import zlib from 'node:zlib';
import { IngestError } from '../errors.ts';

export const XLSX_LIMITS = {
  /** Uncompressed size of one worksheet's XML. */
  sheetBytes: 50 * 1024 * 1024,
  /** Rows of one worksheet (its row count and its highest row number). */
  sheetRows: 100_000,
  /** Uncompressed size of the shared strings (xl/sharedStrings.xml). */
  sharedStringsBytes: 50 * 1024 * 1024,
  /** Uncompressed size of any other entry (styles, drawings, media …). */
  otherEntryBytes: 20 * 1024 * 1024,
  /** Uncompressed size of the whole workbook. */
  totalBytes: 150 * 1024 * 1024,
  /** Entries in the zip. */
  entries: 2_000,
} as const;

const MB = 1024 * 1024;

function mb(bytes: number): string {
  return `${Math.round((bytes / MB) * 10) / 10} MB`;
}

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;

function readAt(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  const n = fs.readSync(fd, buf, 0, length, position);
  return buf.subarray(0, n);
}

/** The entries of a zip file's central directory. Throws an IngestError when it is not a readable zip. */
export function readZipDirectory(file: string): ZipEntry[] {
  const notZip = (why: string) =>
    new IngestError({ file, reason: `cannot be read as an Excel workbook (.xlsx is a zip archive): ${why}` });
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const tailLength = Math.min(size, 22 + 0xffff);
    const tail = readAt(fd, size - tailLength, tailLength);
    let eocd = -1;
    for (let i = tail.length - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === EOCD_SIGNATURE) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw notZip('no zip directory at its end (not a zip file, or cut off)');
    const count = tail.readUInt16LE(eocd + 10);
    const dirSize = tail.readUInt32LE(eocd + 12);
    const dirOffset = tail.readUInt32LE(eocd + 16);
    if (count === 0xffff || dirSize === 0xffffffff || dirOffset === 0xffffffff) {
      throw new IngestError({
        file,
        reason: 'is a ZIP64 archive (over 4 GB or 65,535 entries): far larger than any NHS App MI workbook',
      });
    }
    if (count > XLSX_LIMITS.entries) {
      throw new IngestError({
        file,
        reason: `holds ${count} zip entries; a workbook may hold at most ${XLSX_LIMITS.entries}`,
      });
    }
    if (dirOffset + dirSize > size) throw notZip('its zip directory points past the end of the file');
    const dir = readAt(fd, dirOffset, dirSize);
    const entries: ZipEntry[] = [];
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (p + 46 > dir.length || dir.readUInt32LE(p) !== CENTRAL_SIGNATURE) {
        throw notZip('its zip directory is damaged');
      }
      const nameLength = dir.readUInt16LE(p + 28);
      const extraLength = dir.readUInt16LE(p + 30);
      const commentLength = dir.readUInt16LE(p + 32);
      entries.push({
        method: dir.readUInt16LE(p + 10),
        compressedSize: dir.readUInt32LE(p + 20),
        uncompressedSize: dir.readUInt32LE(p + 24),
        localHeaderOffset: dir.readUInt32LE(p + 42),
        name: dir.toString('utf8', p + 46, p + 46 + nameLength),
      });
      p += 46 + nameLength + extraLength + commentLength;
    }
    return entries;
  } finally {
    fs.closeSync(fd);
  }
}

type EntryRole = 'sheet' | 'sharedStrings' | 'other';

function roleOf(name: string): EntryRole {
  if (/^xl\/worksheets\/[^/]+\.xml$/i.test(name)) return 'sheet';
  if (/^xl\/sharedStrings\.xml$/i.test(name)) return 'sharedStrings';
  return 'other';
}

function byteLimit(role: EntryRole): number {
  if (role === 'sheet') return XLSX_LIMITS.sheetBytes;
  if (role === 'sharedStrings') return XLSX_LIMITS.sharedStringsBytes;
  return XLSX_LIMITS.otherEntryBytes;
}

/** The last row of a `<dimension ref="A1:G1200"/>` (or a single cell `A1`), or undefined. */
export function dimensionLastRow(ref: string): number | undefined {
  const m = /(?:^|:)\$?[A-Z]{1,3}\$?(\d+)$/i.exec(ref.trim());
  return m ? Number(m[1]) : undefined;
}

/** Counts the rows of a worksheet's XML as it streams past: `<row>` elements and the highest `r`. */
class RowScanner {
  rows = 0;
  maxRow = 0;
  dimensionRows: number | undefined;
  private carry = '';
  private sawDimension = false;

  push(chunk: Buffer): void {
    // latin1 keeps one character per byte: tags and attributes are ASCII, so nothing is misread.
    const text = this.carry + chunk.toString('latin1');
    let end = text.length;
    const lastOpen = text.lastIndexOf('<');
    if (lastOpen >= 0 && text.indexOf('>', lastOpen) < 0) end = lastOpen;
    const body = text.slice(0, end);
    this.carry = text.length - end <= 4096 ? text.slice(end) : '';
    if (!this.sawDimension) {
      const dim = /<(?:[\w.-]+:)?dimension\b[^>]*\bref="([^"]*)"/.exec(body);
      if (dim) {
        this.sawDimension = true;
        this.dimensionRows = dimensionLastRow(dim[1]!);
      } else if (/<(?:[\w.-]+:)?sheetData\b/.test(body)) this.sawDimension = true;
    }
    const rowTag = /<(?:[\w.-]+:)?row\b([^>]*)>/g;
    for (let m = rowTag.exec(body); m !== null; m = rowTag.exec(body)) {
      this.rows += 1;
      const r = /\br="(\d+)"/.exec(m[1]!);
      if (r) this.maxRow = Math.max(this.maxRow, Number(r[1]));
    }
  }
}

/** Streams one entry's data (inflated), calling `onChunk`; stops with an IngestError past `limit` bytes. */
async function streamEntry(
  file: string,
  fd: number,
  entry: ZipEntry,
  limit: number,
  onChunk: (chunk: Buffer, total: number) => void,
): Promise<number> {
  const local = readAt(fd, entry.localHeaderOffset, 30);
  if (local.length < 30 || local.readUInt32LE(0) !== LOCAL_SIGNATURE) {
    throw new IngestError({
      file,
      reason: `cannot be read as an Excel workbook: zip entry ${entry.name} is damaged`,
    });
  }
  const start = entry.localHeaderOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
  if (entry.method !== 0 && entry.method !== 8) {
    throw new IngestError({
      file,
      reason: `cannot be read as an Excel workbook: zip entry ${entry.name} uses compression method ${entry.method}`,
    });
  }
  if (entry.compressedSize === 0) return 0;
  const raw = fs.createReadStream(file, { start, end: start + entry.compressedSize - 1 });
  const source = entry.method === 8 ? raw.pipe(zlib.createInflateRaw()) : raw;
  let total = 0;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > limit) {
        throw new IngestError({
          file,
          reason:
            `${entry.name} holds more than ${mb(limit)} uncompressed; a workbook's ` +
            `${roleOf(entry.name) === 'sheet' ? 'sheet' : 'part'} may hold at most ${mb(limit)}`,
        });
      }
      onChunk(chunk, total);
    }
  } catch (err) {
    if (err instanceof IngestError) throw err;
    throw new IngestError({
      file,
      reason: `cannot be read as an Excel workbook: zip entry ${entry.name} is damaged (${(err as Error).message})`,
    });
  } finally {
    raw.destroy();
    if (source !== raw) (source as zlib.InflateRaw).destroy();
  }
  return total;
}

/**
 * Refuses a workbook over XLSX_LIMITS before it is read: by the sizes its zip directory declares, then by what each
 * entry really inflates to and the rows of each worksheet. Throws an IngestError naming the part and the limit.
 */
export async function checkWorkbookLimits(file: string): Promise<void> {
  const entries = readZipDirectory(file);
  let declared = 0;
  for (const e of entries) {
    const role = roleOf(e.name);
    const limit = byteLimit(role);
    if (e.uncompressedSize > limit) {
      throw new IngestError({
        file,
        reason:
          `${e.name} is ${mb(e.uncompressedSize)} uncompressed; a workbook's ` +
          `${role === 'sheet' ? 'sheet' : role === 'sharedStrings' ? 'shared strings' : 'part'} may hold at most ${mb(limit)}`,
      });
    }
    declared += e.uncompressedSize;
  }
  if (declared > XLSX_LIMITS.totalBytes) {
    throw new IngestError({
      file,
      reason: `is ${mb(declared)} uncompressed; a workbook may hold at most ${mb(XLSX_LIMITS.totalBytes)}`,
    });
  }
  const rowLimit = XLSX_LIMITS.sheetRows;
  const limitText = rowLimit.toLocaleString('en-GB');
  const tooManyRows = (reason: string) => new IngestError({ file, reason });
  const fd = fs.openSync(file, 'r');
  try {
    let total = 0;
    for (const e of entries) {
      if (e.name.endsWith('/')) continue;
      const role = roleOf(e.name);
      const scanner = role === 'sheet' ? new RowScanner() : undefined;
      const size = await streamEntry(file, fd, e, byteLimit(role), (chunk) => {
        if (!scanner) return;
        scanner.push(chunk);
        if (scanner.dimensionRows !== undefined && scanner.dimensionRows > rowLimit) {
          throw tooManyRows(
            `${e.name} declares (<dimension>) ${scanner.dimensionRows.toLocaleString('en-GB')} rows; ` +
              `a sheet may hold at most ${limitText}`,
          );
        }
        if (scanner.rows > rowLimit) {
          throw tooManyRows(`${e.name} holds more than ${limitText} rows, the most a sheet may hold`);
        }
        if (scanner.maxRow > rowLimit) {
          throw tooManyRows(
            `${e.name} has a row numbered ${scanner.maxRow.toLocaleString('en-GB')}; ` +
              `a sheet may hold at most ${limitText} rows`,
          );
        }
      });
      total += size;
      if (total > XLSX_LIMITS.totalBytes) {
        throw new IngestError({
          file,
          reason: `is more than ${mb(XLSX_LIMITS.totalBytes)} uncompressed; a workbook may hold at most ${mb(XLSX_LIMITS.totalBytes)}`,
        });
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}
