import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config.ts';
import { figureStoreConfigFrom } from './figure-store-config.ts';

describe('figure store settings', () => {
  it('reads FIGURES_READER_CONNECTIONS, 3 by default, and refuses values outside 1–64 (ADR 0079)', () => {
    expect(figureStoreConfigFrom({}).readerConnections).toBe(3);
    expect(figureStoreConfigFrom({ FIGURES_READER_CONNECTIONS: ' 8 ' }).readerConnections).toBe(8);
    expect(figureStoreConfigFrom({ FIGURES_READER_CONNECTIONS: '' }).readerConnections).toBe(3);
    for (const bad of ['0', '65', 'two', '2.5', '-1']) {
      expect(() => figureStoreConfigFrom({ FIGURES_READER_CONNECTIONS: bad })).toThrow(ConfigError);
    }
    expect(() => figureStoreConfigFrom({ FIGURES_READER_CONNECTIONS: 'two' })).toThrow(
      'FIGURES_READER_CONNECTIONS must be a whole number, got "two"',
    );
  });
});
