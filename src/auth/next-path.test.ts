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
