import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { safeNextPath } from './next-path.ts';

describe('safeNextPath', () => {
  it('keeps same-site paths with their query', () => {
    expect(safeNextPath('/areas/practice/A81001?grain=week')).toBe('/areas/practice/A81001?grain=week');
    expect(safeNextPath('/')).toBe('/');
    expect(safeNextPath('/admin/users')).toBe('/admin/users');
  });

  it('drops fragments and normalises dot segments', () => {
    expect(safeNextPath('/areas#x')).toBe('/areas');
    expect(safeNextPath('/a/../admin')).toBe('/admin');
  });

  for (const bad of [
    'https://evil.example/',
    '//evil.example/x',
    '/\\evil.example',
    '\\\\evil.example',
    '/\\/evil.example',
    'javascript:alert(1)',
    'evil.example',
    '/%0d%0aSet-Cookie:x=1'.replace('%0d%0a', '\r\n'),
    '/ok\tthen',
    ' /x',
    `/${'a'.repeat(600)}`,
    '',
    '/sign-in?next=/x',
    '/sign-in/verify?token=abc',
    '/sign-out',
  ]) {
    it(`sends ${JSON.stringify(bad.slice(0, 40))} home`, () => {
      expect(safeNextPath(bad)).toBe('/');
    });
  }

  it('refuses values that are not strings', () => {
    expect(safeNextPath(undefined)).toBe('/');
    expect(safeNextPath(['/a'])).toBe('/');
  });
});

describe('safeNextPath never gives a protocol-relative or off-site destination (issue 16, item 8)', () => {
  // Each of these normalises (dot segments, percent-encoded dots) to a path starting "//", which a
  // browser reads as another host.
  for (const bad of [
    '/.//evil.example',
    '/..//evil.example',
    '/%2e//evil.example',
    '/%2E//evil.example',
    '/x/..//evil.example',
    '/%2e%2e//evil.example',
    '/x/%2e%2e//evil.example',
    '/x/%2E%2e//evil.example/path?q=1',
    '/././/evil.example',
    '/a/b/../..//evil.example',
  ]) {
    it(`sends ${JSON.stringify(bad)} home`, () => {
      expect(safeNextPath(bad)).toBe('/');
    });
  }

  it('keeps ordinary paths once normalised', () => {
    expect(safeNextPath('/x/./areas')).toBe('/x/areas');
    expect(safeNextPath('/x/%2e%2e/areas?grain=week')).toBe('/areas?grain=week');
  });

  const BASE = 'https://x.example';
  const check = (raw: string) => {
    const result = safeNextPath(raw);
    expect(result.startsWith('/')).toBe(true);
    expect(result.startsWith('//')).toBe(false);
    expect(result).not.toMatch(/\\/);
    expect(new URL(result, BASE).origin).toBe(BASE);
    // Stable: what it gives is accepted as it is.
    expect(safeNextPath(result)).toBe(result);
  };

  it('whatever it accepts stays on this site and starts with a single "/" (any string)', () => {
    fc.assert(fc.property(fc.string({ maxLength: 40 }), check), { numRuns: 2000 });
  });

  it('whatever it accepts stays on this site (strings built from URL-ish pieces)', () => {
    const piece = fc.constantFrom(
      '/',
      '//',
      '.',
      '..',
      '%2e',
      '%2E',
      '%2e%2e',
      '\\',
      '%5c',
      '%2f',
      '?',
      '#',
      '@',
      ':',
      'evil.example',
      'x',
      'https:',
      '\t',
      '%09',
      '%00',
      ' ',
      '\u3002',
      '///',
      '/.',
      '/..',
      '%252e',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 10 }), (parts) => check(parts.join(''))),
      { numRuns: 5000 },
    );
  });
});
