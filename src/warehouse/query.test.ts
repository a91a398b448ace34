import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { query, statementText, type Query } from './query.ts';

const SQL_DIR = path.join(import.meta.dirname, 'sql');

describe('query objects', () => {
  it('count their parameters by the highest $n, however often each is used', () => {
    expect(query('t.none')`SELECT 1`.params).toBe(0);
    expect(query('t.three')`SELECT $2, $1, $3, $1`.params).toBe(3);
    expect(query('t.ten')`SELECT $10, $2`.params).toBe(10);
  });

  it('refuse a call with the wrong number of values, naming the query', () => {
    const q = query('t.two')`SELECT $1, $2`;
    expect(statementText(q, ['a', 'b'])).toBe('SELECT $1, $2');
    expect(() => statementText(q, ['a'])).toThrow('query t.two takes 2 parameter(s), 1 given');
    expect(() => statementText(q)).toThrow('query t.two takes 2 parameter(s), 0 given');
    // Literal SQL written at the call is passed as it is.
    expect(statementText('SELECT 1', [])).toBe('SELECT 1');
  });

  it('refuse to be written into a string, where they would become [object Object]', () => {
    const q = query('t.copy')`SELECT 1`;
    expect(() => `COPY (${String(q)}) TO 'x'`).toThrow('query t.copy written into a string: use its .text');
    expect(`COPY (${q.text}) TO 'x'`).toBe("COPY (SELECT 1) TO 'x'");
  });

  it('take no values into their text: a template with ${…} does not compile', () => {
    const value = 'x';
    // @ts-expect-error the tag has no parameter for interpolated values
    const bad = query('t.bad')`SELECT ${value}`;
    expect(bad.text).toBe('SELECT ');
  });
});

describe('the query modules (src/warehouse/sql)', () => {
  const modules = fs.readdirSync(SQL_DIR).filter((f) => f.endsWith('.ts'));

  it('name every query <module>.<export>, once', async () => {
    const names = new Set<string>();
    let count = 0;
    for (const file of modules) {
      const module = file.replace(/\.ts$/, '');
      const exports = (await import(path.join(SQL_DIR, file))) as Record<string, unknown>;
      for (const [id, value] of Object.entries(exports)) {
        if (!isQuery(value)) continue;
        count++;
        expect(value.name, `${file} ${id}`).toBe(`${module}.${id}`);
        expect(names.has(value.name), value.name).toBe(false);
        names.add(value.name);
        expect(value.text.trim(), value.name).not.toBe('');
      }
    }
    expect(count).toBeGreaterThan(200);
  });
});

function isQuery(value: unknown): value is Query {
  return typeof value === 'object' && value !== null && 'text' in value && 'params' in value;
}
