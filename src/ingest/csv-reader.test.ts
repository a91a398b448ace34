import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCsv, readCsvHeader, type CsvRecord } from './csv-reader.ts';
import { IngestError } from './errors.ts';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'csv-reader-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function write(name: string, content: string | Buffer): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

async function all(file: string, required: string[] = []): Promise<CsvRecord[]> {
  const out: CsvRecord[] = [];
  for await (const rec of readCsv(file, { required })) out.push(rec);
  return out;
}

async function rejection(promise: Promise<unknown>): Promise<IngestError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(IngestError);
  return err as IngestError;
}

describe('readCsv', () => {
  it('strips a UTF-8 BOM, trims fields and numbers records by physical line', async () => {
    const file = write('bom.csv', '\ufeffA,B\n1, 2 \n\n"multi\nline",3\n4,5\n');
    const recs = await all(file, ['A', 'B']);
    expect(recs).toEqual([
      { line: 2, fields: { A: '1', B: '2' } },
      { line: 4, fields: { A: 'multi\nline', B: '3' } },
      { line: 6, fields: { A: '4', B: '5' } },
    ]);
  });

  it('reads CRLF files and a last line without a newline', async () => {
    const file = write('crlf.csv', 'A,B\r\n1,2\r\n3,4');
    expect(await all(file)).toEqual([
      { line: 2, fields: { A: '1', B: '2' } },
      { line: 3, fields: { A: '3', B: '4' } },
    ]);
  });

  it('reads gzipped files, whatever their name', async () => {
    const file = write('plain-name.csv', zlib.gzipSync('A,B\n1,2\n'));
    expect(await all(file)).toEqual([{ line: 2, fields: { A: '1', B: '2' } }]);
    expect(await readCsvHeader(file)).toEqual(['A', 'B']);
  });

  it('names every missing required column, with alternatives', async () => {
    const file = write('missing.csv', 'A,B\n1,2\n');
    const err = await rejection(
      (async () => {
        for await (const _ of readCsv(file, { required: ['A', 'C', ['ICB_CODE', 'STP_CODE']] })) void _;
      })(),
    );
    expect(err.message).toBe('missing.csv line 1: missing columns C, ICB_CODE (or STP_CODE)');
    expect(err.line).toBe(1);
  });

  it('rejects a row with the wrong number of fields, naming its line', async () => {
    const file = write('ragged.csv', 'A,B\n1,2\n3\n');
    const err = await rejection(all(file));
    expect(err.message).toBe('ragged.csv line 3: expected 2 fields as in the header, found 1');
  });

  it('reports an unclosed quote, a corrupt gzip, an empty or a missing file', async () => {
    expect((await rejection(all(write('quote.csv', 'A,B\n"1,2\n')))).message).toMatch(/^quote\.csv/);
    const gz = zlib.gzipSync('A,B\n1,2\n'.repeat(1000));
    const corrupt = write('corrupt.csv.gz', gz.subarray(0, gz.length - 20));
    expect((await rejection(all(corrupt))).message).toMatch(/^corrupt\.csv\.gz: /);
    expect((await rejection(all(write('empty.csv', '')))).reason).toMatch(/empty/);
    expect((await rejection(all(path.join(dir, 'nope.csv')))).reason).toBe('file not found');
  });

  it('streams: stopping early leaves no open handle and reads only what it needs', async () => {
    const rows = Array.from({ length: 50_000 }, (_, i) => `${i},x`).join('\n');
    const file = write('big.csv.gz', zlib.gzipSync(`N,X\n${rows}\n`));
    let last: CsvRecord | undefined;
    for await (const rec of readCsv(file)) {
      last = rec;
      if (rec.line === 10) break;
    }
    expect(last).toEqual({ line: 10, fields: { N: '8', X: 'x' } });
    const recs = await all(file);
    expect(recs.length).toBe(50_000);
    expect(recs.at(-1)).toEqual({ line: 50_001, fields: { N: '49999', X: 'x' } });
  });
});
