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

  it('reads CRLF files', async () => {
    const file = write('crlf.csv', 'A,B\r\n1,2\r\n3,4\r\n');
    expect(await all(file)).toEqual([
      { line: 2, fields: { A: '1', B: '2' } },
      { line: 3, fields: { A: '3', B: '4' } },
    ]);
  });

  it('refuses a file that ends in the middle of a row (no line break after its last record), plain or gzipped', async () => {
    for (const [name, content] of [
      ['cut.csv', 'A,B\r\n1,2\r\n3,4'],
      ['cut.csv.gz', zlib.gzipSync('A,B\n1,2\n"3\nx",4')],
    ] as const) {
      const err = await rejection(all(write(name, content)));
      expect(err.message).toBe(
        `${name} line 3: the file ends in the middle of this row (no line break after it): it looks cut off, so ` +
          'nothing is loaded',
      );
    }
    // Fewer fields than the header on the last line, with or without a final line break.
    expect((await rejection(all(write('short.csv', 'A,B,C\n1,2,3\n4,5')))).message).toBe(
      'short.csv line 3: expected 3 fields as in the header, found 2',
    );
  });

  it('refuses a plain file named .gz, and content that is not CSV text', async () => {
    expect((await rejection(all(write('plain.csv.gz', 'A,B\n1,2\n')))).message).toBe(
      'plain.csv.gz: is named .gz but is not gzip-compressed (it does not start with the gzip signature 1f 8b)',
    );
    const zipLike = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(100, 0x41)]);
    expect((await rejection(all(write('book.csv.gz', zlib.gzipSync(zipLike))))).message).toBe(
      'book.csv.gz: is gzip-compressed but what it holds is not CSV text: it is a zip archive (an .xlsx workbook is one)',
    );
    expect((await rejection(all(write('book.csv', zipLike)))).reason).toBe(
      'is not CSV text: it is a zip archive (an .xlsx workbook is one)',
    );
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('A,B\n1,2\n', 'utf16le')]);
    expect((await rejection(all(write('utf16.csv', utf16)))).reason).toBe(
      'is not CSV text: it is UTF-16 text (save it as UTF-8)',
    );
    expect((await rejection(all(write('nul.csv', 'A,B\n1,\u0000\n')))).reason).toBe(
      'is not CSV text: it is binary data (it holds NUL bytes)',
    );
  });

  it('reports a bad row and a missing column on their physical lines, after quoted line breaks and blank lines', async () => {
    const file = write('lines.csv', 'A,B\n"x\r\ny",1\n2\n');
    expect((await rejection(all(file))).line).toBe(4);
    const late = write('late-header.csv', '\n\nA,B\n1,2\n');
    expect((await rejection(all(late, ['C']))).message).toBe('late-header.csv line 3: missing column C');
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
