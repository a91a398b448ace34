import { CsvError, parse, type Parser } from 'csv-parse';
import fs from 'node:fs';
import { pipeline, type Readable, Transform, type TransformCallback } from 'node:stream';
import zlib from 'node:zlib';
import { IngestError } from './errors.ts';

/** A required column, or a list of alternative names for it (the first one present is used). */
export type ColumnSpec = string | readonly string[];

export interface CsvRecord {
  /** 1-based physical line number where the record starts (the header is line 1). */
  line: number;
  /** Field values by column name, trimmed of surrounding white space. */
  fields: Record<string, string>;
}

export interface CsvReadOptions {
  /** Columns that must be in the header; the file is rejected naming every missing one. */
  required?: readonly ColumnSpec[];
}

const GZIP_MAGIC = [0x1f, 0x8b];

/** True when the file starts with the gzip magic bytes (whatever its name). */
export function isGzipFile(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(2);
    const n = fs.readSync(fd, buf, 0, 2, 0);
    return n === 2 && buf[0] === GZIP_MAGIC[0] && buf[1] === GZIP_MAGIC[1];
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Characters DuckDB's table functions (read_csv, read_json, read_parquet …) expand as a glob pattern. A path
 * holding one could name other files than the one meant, so such a path is never handed to DuckDB.
 */
export const GLOB_CHARACTERS = /[*?[\]{}]/;

/**
 * Throws an IngestError when `file` could not be given to a DuckDB table function as it is (its path holds a glob
 * character: * ? [ ] { }). Call it on every path handed to read_csv, read_json, read_parquet and the like.
 */
export function refuseGlobPath(file: string, what = 'the path'): void {
  const found = GLOB_CHARACTERS.exec(file);
  if (found) {
    throw new IngestError({
      file,
      reason:
        `${what} contains "${found[0]}", which DuckDB would expand as a file pattern (reading other files); ` +
        'rename it without * ? [ ] { }',
    });
  }
}

/**
 * A stream of the file's bytes, decompressed when it is gzipped (told from its first bytes). A file named `.gz`
 * that is not gzip-compressed is refused. Errors carry the file name.
 */
export function openDecompressed(file: string): Readable {
  if (!fs.existsSync(file)) throw new IngestError({ file, reason: 'file not found' });
  const gzipped = isGzipFile(file);
  if (!gzipped && /\.gz$/i.test(file)) {
    throw new IngestError({
      file,
      reason: 'is named .gz but is not gzip-compressed (it does not start with the gzip signature 1f 8b)',
    });
  }
  const source = fs.createReadStream(file, { highWaterMark: 1 << 20 });
  if (!gzipped) return source;
  const gunzip = zlib.createGunzip();
  pipeline(source, gunzip, () => undefined);
  return gunzip;
}

/** The first name of `spec` present in `header`, or undefined. */
export function resolveColumn(header: readonly string[], spec: ColumnSpec): string | undefined {
  const names = typeof spec === 'string' ? [spec] : spec;
  return names.find((name) => header.includes(name));
}

function describeSpec(spec: ColumnSpec): string {
  if (typeof spec === 'string') return spec;
  const [first, ...rest] = spec;
  return rest.length > 0 ? `${first} (or ${rest.join(' / ')})` : String(first);
}

/** Throws an IngestError naming every required column missing from the header. */
export function checkHeader(
  file: string,
  header: readonly string[],
  required: readonly ColumnSpec[],
  line = 1,
): void {
  const missing = required.filter((spec) => resolveColumn(header, spec) === undefined);
  if (missing.length > 0) {
    throw new IngestError({
      file,
      line,
      reason: `missing column${missing.length > 1 ? 's' : ''} ${missing.map(describeSpec).join(', ')}`,
    });
  }
}

function parser(): Parser {
  return parse({
    bom: true,
    relax_column_count: true,
    // Empty lines come through as one empty field and are skipped here, so that line numbers stay exact.
    skip_empty_lines: false,
    // A huge "field" means this is not a CSV (or a quote is never closed): fail instead of buffering it all.
    max_record_size: 1 << 20,
  });
}

function toIngestError(file: string, err: unknown): IngestError {
  if (err instanceof IngestError) return err;
  if (err instanceof CsvError) {
    const line = (err as CsvError & { lines?: number }).lines;
    return new IngestError(
      line !== undefined
        ? { file, line, reason: `malformed CSV: ${err.message}` }
        : { file, reason: err.message },
    );
  }
  const e = err as NodeJS.ErrnoException;
  if (e && typeof e.code === 'string' && e.code.startsWith('Z_')) {
    return new IngestError({ file, reason: `not a valid gzip file (${e.message})` });
  }
  return new IngestError({ file, reason: e?.message ?? String(err) });
}

/** Signatures of binary formats that are sometimes handed in where a CSV is expected. */
const BINARY_SIGNATURES: readonly { bytes: readonly number[]; what: string }[] = [
  { bytes: [0x50, 0x4b, 0x03, 0x04], what: 'a zip archive (an .xlsx workbook is one)' },
  { bytes: [0x50, 0x41, 0x52, 0x31], what: 'a Parquet file' },
  { bytes: [0x1f, 0x8b], what: 'gzip-compressed twice' },
  { bytes: [0x25, 0x50, 0x44, 0x46], what: 'a PDF' },
  { bytes: [0xd0, 0xcf, 0x11, 0xe0], what: 'an old Excel (.xls) or other OLE file' },
  { bytes: [0xff, 0xfe], what: 'UTF-16 text (save it as UTF-8)' },
  { bytes: [0xfe, 0xff], what: 'UTF-16 text (save it as UTF-8)' },
];

/** What the first bytes of a file's content say it is when that is not text, or undefined. */
export function binaryContentProblem(head: Buffer): string | undefined {
  for (const sig of BINARY_SIGNATURES) {
    if (head.length >= sig.bytes.length && sig.bytes.every((b, i) => head[i] === b)) return sig.what;
  }
  if (head.subarray(0, 4096).includes(0)) return 'binary data (it holds NUL bytes)';
  return undefined;
}

/**
 * Passes the (decompressed) bytes through to the parser, refusing content that is not text (checked on the first
 * chunk) and remembering whether the content ends with a line break.
 */
class CsvContentGuard extends Transform {
  bytes = 0;
  lastByte = -1;
  private head: Buffer | undefined = Buffer.alloc(0);

  constructor(
    private readonly file: string,
    private readonly gzipped: boolean,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    if (chunk.length === 0) return callback();
    if (this.head !== undefined) {
      this.head = this.head.length === 0 ? chunk : Buffer.concat([this.head, chunk]);
      if (this.head.length >= 8) {
        const what = binaryContentProblem(this.head);
        this.head = undefined;
        if (what !== undefined) return callback(this.notText(what));
      }
    }
    this.bytes += chunk.length;
    this.lastByte = chunk[chunk.length - 1]!;
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.head !== undefined && this.head.length > 0) {
      const what = binaryContentProblem(this.head);
      if (what !== undefined) return callback(this.notText(what));
    }
    callback();
  }

  private notText(what: string): IngestError {
    return new IngestError({
      file: this.file,
      reason: this.gzipped
        ? `is gzip-compressed but what it holds is not CSV text: it is ${what}`
        : `is not CSV text: it is ${what}`,
    });
  }

  /** True when the content ends with a line break (LF or CR). */
  get endsWithLineBreak(): boolean {
    return this.lastByte === 0x0a || this.lastByte === 0x0d;
  }
}

/** Records this many at a time cross from the parser stream (fewer async hops than one per record). */
const BATCH = 4096;

/**
 * The parsed records of a file, in batches, each record with the physical line it starts on. Counts lines itself
 * (csv-parse's per-record info is slow): a record takes one line plus one per line break inside quoted fields.
 */
async function* recordBatches(
  file: string,
  end?: { guard?: CsvContentGuard },
): AsyncGenerator<{ line: number; values: string[] }[]> {
  const stream = openDecompressed(file);
  const guard = new CsvContentGuard(file, isGzipFile(file));
  if (end) end.guard = guard;
  const p = parser();
  let queue: { line: number; values: string[] }[] = [];
  let done = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  let nextLine = 1;
  p.on('data', (values: string[]) => {
    const line = nextLine;
    nextLine += 1;
    for (const v of values) {
      if (v.includes('\n')) nextLine += v.split('\n').length - 1;
    }
    if (values.length === 1 && values[0] === '') return; // an empty line
    queue.push({ line, values });
    if (queue.length >= BATCH) p.pause();
    notify();
  });
  p.on('end', () => {
    done = true;
    notify();
  });
  pipeline(stream, guard, p, (err) => {
    if (err) failure = err;
    done = true;
    notify();
  });
  try {
    for (;;) {
      if (queue.length > 0) {
        const batch = queue;
        queue = [];
        p.resume();
        yield batch;
        continue;
      }
      if (failure !== undefined) throw toIngestError(file, failure);
      if (done) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    p.destroy();
    guard.destroy();
    stream.destroy();
  }
}

/** The header's column names (trimmed, without a BOM). Reads only the start of the file. */
export async function readCsvHeader(file: string): Promise<string[]> {
  return (await readCsvHeaderLine(file)).names;
}

/** The header's column names and the physical line it is on (1 unless blank lines come first). */
export async function readCsvHeaderLine(file: string): Promise<{ names: string[]; line: number }> {
  for await (const batch of recordBatches(file)) {
    return { names: batch[0]!.values.map((v) => v.trim()), line: batch[0]!.line };
  }
  throw new IngestError({ file, reason: 'the file is empty (no header line)' });
}

/**
 * Streams the records of a CSV file (plain or gzipped, detected from its first bytes), one at a time, with their
 * physical line numbers. Handles a UTF-8 BOM, CRLF or LF line endings and quoted fields; checks the header
 * against `required`; rejects a row whose number of fields differs from the header's. Never holds the whole
 * file in memory (at most a few thousand records at a time).
 *
 * A file that ends in the middle of a row — its last record not followed by a line break — is refused once it has
 * been read (a file cut off in transfer; callers validate the whole file before writing anything). So are content
 * that is not text (a workbook, Parquet, UTF-16) and a file named .gz that is not gzip-compressed.
 */
export async function* readCsv(file: string, options: CsvReadOptions = {}): AsyncGenerator<CsvRecord> {
  let header: string[] | undefined;
  let lastLine = 0;
  const end: { guard?: CsvContentGuard } = {};
  for await (const batch of recordBatches(file, end)) {
    for (const { line, values } of batch) {
      lastLine = line;
      if (header === undefined) {
        const names = values.map((v) => v.trim());
        const dup = names.find((name, i) => names.indexOf(name) !== i);
        if (dup !== undefined) throw new IngestError({ file, line, reason: `column ${dup} appears twice` });
        checkHeader(file, names, options.required ?? [], line);
        header = names;
        continue;
      }
      if (values.length !== header.length) {
        throw new IngestError({
          file,
          line,
          reason: `expected ${header.length} fields as in the header, found ${values.length}`,
        });
      }
      const fields: Record<string, string> = {};
      for (let i = 0; i < header.length; i++) fields[header[i]!] = values[i]!.trim();
      yield { line, fields };
    }
  }
  if (header === undefined) throw new IngestError({ file, reason: 'the file is empty (no header line)' });
  if (end.guard && end.guard.bytes > 0 && !end.guard.endsWithLineBreak) {
    throw new IngestError({
      file,
      line: lastLine,
      reason:
        'the file ends in the middle of this row (no line break after it): it looks cut off, so nothing is loaded',
    });
  }
}
