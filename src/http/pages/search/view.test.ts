import { describe, expect, it } from 'vitest';
import type { AreaSearchResults } from '../../../query/types.ts';
import { buildSearchView, searchProblem } from './view.ts';

describe('buildSearchView', () => {
  const found: AreaSearchResults = {
    query: 'camden',
    total: 2,
    results: [
      {
        level: 'pcn',
        code: 'U12345',
        name: 'Camden Central PCN',
        isCurrent: true,
        onsCode: null,
        postcode: null,
        parent: { level: 'sub_icb', code: '93C', name: 'NHS North Central London ICB - 93C' },
        exactCode: false,
      },
      {
        level: 'region',
        code: 'Y56',
        name: 'London',
        isCurrent: false,
        onsCode: null,
        postcode: null,
        parent: { level: 'england', code: 'E92000001', name: 'England' },
        exactCode: false,
      },
    ],
  };

  it('lists results with their level, code and parent', () => {
    const view = buildSearchView('camden', true, found);
    expect(view.resultsHeading).toBe('2 areas found for “camden”');
    expect(view.moreText).toBeNull();
    expect(view.results[0]).toEqual({
      level: 'pcn',
      code: 'U12345',
      name: 'Camden Central PCN',
      href: '/areas/pcn/U12345',
      closed: false,
      meta: 'Primary care network (PCN) · U12345',
      parentText: 'Part of NHS North Central London ICB - 93C',
    });
    expect(view.results[1]!.closed).toBe(true);
    expect(buildSearchView('camden', true, { ...found, total: 70 }).moreText).toMatch(/Showing the best 2/);
  });

  it('names a sub-ICB location by its place, and an ICB found by the sub-ICB locations it holds (docs/adr/0028)', () => {
    const view = buildSearchView('leeds', true, {
      query: 'leeds',
      total: 3,
      results: [
        {
          level: 'sub_icb',
          code: '15F',
          name: 'NHS West Yorkshire ICB - 15F',
          placeName: 'Leeds',
          isCurrent: true,
          onsCode: 'E38000225',
          postcode: null,
          parent: {
            level: 'icb',
            code: 'QWO',
            name: 'NHS West Yorkshire Integrated Care Board',
            placeName: null,
          },
          exactCode: false,
        },
        {
          level: 'icb',
          code: 'QWO',
          name: 'NHS West Yorkshire Integrated Care Board',
          isCurrent: true,
          onsCode: null,
          postcode: null,
          parent: null,
          exactCode: false,
          contains: ['Leeds'],
        },
        {
          level: 'region',
          code: 'Y63',
          name: 'North East and Yorkshire',
          isCurrent: true,
          onsCode: null,
          postcode: null,
          parent: null,
          exactCode: false,
          contains: ['Bradford District and Craven', 'Calderdale', 'Leeds'],
        },
      ],
    });
    expect(view.results.map((r) => [r.name, r.parentText])).toEqual([
      ['Leeds — NHS West Yorkshire ICB - 15F', 'Part of NHS West Yorkshire Integrated Care Board'],
      ['NHS West Yorkshire Integrated Care Board', 'Holds the sub-ICB location Leeds'],
      [
        'North East and Yorkshire',
        'Holds the sub-ICB locations Bradford District and Craven, Calderdale and Leeds',
      ],
    ]);
  });

  it('explains empty and too long searches, but not on the bare page', () => {
    expect(searchProblem('')).toMatch(/Enter a name/);
    expect(searchProblem('x'.repeat(101))).toMatch(/100 characters or fewer/);
    expect(searchProblem('x'.repeat(100))).toBeNull();
    expect(buildSearchView('', false, null).error).toBeNull();
    expect(buildSearchView('', true, null).error).toMatch(/Enter a name/);
    expect(buildSearchView('y'.repeat(150), true, null)).toMatchObject({
      value: 'y'.repeat(100),
      resultsHeading: null,
    });
  });

  it('offers a corrected search, as a link to it, only when nothing was found', () => {
    const none = { query: 'bradfrod & craven', total: 0, results: [] };
    const view = buildSearchView('bradfrod & craven', true, { ...none, didYouMean: 'Bradford & Craven' });
    expect(view.resultsHeading).toBe('No areas found for “bradfrod & craven”');
    expect(view.didYouMean).toEqual({
      text: 'Bradford & Craven',
      href: '/search?q=Bradford%20%26%20Craven',
    });
    expect(buildSearchView('bradfrod & craven', true, none).didYouMean).toBeNull();
    expect(buildSearchView('camden', true, found).didYouMean).toBeNull();
  });
});
