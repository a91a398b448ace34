import { CsvError, parse, type Parser } from 'csv-parse';
import fs from 'node:fs';
import { pipeline, type Readable } from 'node:stream';
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

/** A stream of the file's bytes, decompressed when it is gzipped. Errors carry the file name. */
export function openDecompressed(file: string): Readable {
  if (!fs.existsSync(file)) throw new IngestError({ file, reason: 'file not found' });
  const source = fs.createReadStream(file, { highWaterMark: 1 << 20 });
  if (!isGzipFile(file)) return source;
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
export function checkHeader(file: string, header: readonly string[], required: readonly ColumnSpec[]): void {
  const missing = required.filter((spec) => resolveColumn(header, spec) === undefined);
  if (missing.length > 0) {
    throw new IngestError({
      file,
      line: 1,
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

/** Records this many at a time cross from the parser stream (fewer async hops than one per record). */
const BATCH = 4096;

/**
 * The parsed records of a file, in batches, each record with the physical line it starts on. Counts lines itself
 * (csv-parse's per-record info is slow): a record takes one line plus one per line break inside quoted fields.
 */
async function* recordBatches(file: string): AsyncGenerator<{ line: number; values: string[] }[]> {
  const stream = openDecompressed(file);
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
  pipeline(stream, p, (err) => {
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
    stream.destroy();
  }
}

/** The header's column names (trimmed, without a BOM). Reads only the start of the file. */
export async function readCsvHeader(file: string): Promise<string[]> {
  for await (const batch of recordBatches(file)) {
    return batch[0]!.values.map((v) => v.trim());
  }
  throw new IngestError({ file, reason: 'the file is empty (no header line)' });
}

/**
 * Streams the records of a CSV file (plain or gzipped, detected from its first bytes), one at a time, with their
 * physical line numbers. Handles a UTF-8 BOM, CRLF or LF line endings and quoted fields; checks the header
 * against `required`; rejects a row whose number of fields differs from the header's. Never holds the whole
 * file in memory (at most a few thousand records at a time).
 */
export async function* readCsv(file: string, options: CsvReadOptions = {}): AsyncGenerator<CsvRecord> {
  let header: string[] | undefined;
  for await (const batch of recordBatches(file)) {
    for (const { line, values } of batch) {
      if (header === undefined) {
        const names = values.map((v) => v.trim());
        const dup = names.find((name, i) => names.indexOf(name) !== i);
        if (dup !== undefined) throw new IngestError({ file, line, reason: `column ${dup} appears twice` });
        checkHeader(file, names, options.required ?? []);
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
}
