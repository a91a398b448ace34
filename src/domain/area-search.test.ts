import { describe, expect, it } from 'vitest';
import { buildSearchIndex, nameKey, searchIndex, type SearchArea, type SearchTerms } from './area-search.ts';

const area = (a: Partial<SearchArea> & Pick<SearchArea, 'level' | 'code' | 'name'>): SearchArea => ({
  onsCode: null,
  placeName: null,
  postcode: null,
  isCurrent: true,
  parentLevel: null,
  parentCode: null,
  ...a,
});

const areas: SearchArea[] = [
  area({ level: 'region', code: 'Y63', name: 'North East and Yorkshire' }),
  area({
    level: 'icb',
    code: 'QWO',
    name: 'NHS West Yorkshire ICB',
    parentLevel: 'region',
    parentCode: 'Y63',
  }),
  area({
    level: 'sub_icb',
    code: '15F',
    name: 'NHS West Yorkshire ICB - 15F',
    placeName: 'Leeds',
    parentLevel: 'icb',
    parentCode: 'QWO',
  }),
  area({ level: 'sub_icb', code: '99X', name: 'NHS West Yorkshire ICB - 99X', placeName: 'Nowhere' }),
  area({ level: 'practice', code: 'B86001', name: 'LEEDS CITY SURGERY', postcode: 'LS1 4AP' }),
  area({ level: 'practice', code: 'UNKNOWN', name: 'Unknown practice' }),
];
const index = buildSearchIndex(areas, [
  { subIcbCode: '15F', placeName: 'Leeds', ccgName: 'NHS Leeds CCG', localAuthorities: 'Leeds' },
  // A place with no former CCG or local authorities recorded is still found by its own words.
  { subIcbCode: '99X', placeName: 'Nowhere', ccgName: null, localAuthorities: null },
]);
const terms = (q: string, words: string[] | null = null): SearchTerms => ({
  key: nameKey(q),
  compact: q.replace(/\s+/g, '').toUpperCase(),
  outward: null,
  words,
  limit: 50,
});
const found = (t: SearchTerms) => searchIndex(index, t).hits.map((h) => `${h.area.code}:${h.matchRank}`);

describe('searchIndex', () => {
  it('ranks a sub-ICB location by its place above the areas holding it, and those above names merely holding the text', () => {
    // 15F by its place (exact, 4); its ICB and region by what they hold (7); the practice's name holds "leeds"
    // at its start (5). The order is by level first.
    expect(found(terms('leeds'))).toEqual(['15F:4', 'QWO:7', 'Y63:7', 'B86001:5']);
    expect(searchIndex(index, terms('leeds')).hits[1]!.contains).toEqual(['Leeds']);
  });

  it('finds a place with no former CCG or local authorities by its words, and never the Unknown area', () => {
    expect(found(terms('nowhere yorkshire', ['nowhere', 'yorkshire']))).toEqual(['99X:8']);
    expect(found(terms('unknown'))).toEqual([]);
  });

  it('puts an exact code first, then codes and postcodes by their start', () => {
    expect(found(terms('qwo'))).toEqual(['QWO:0']);
    expect(found(terms('b86'))).toEqual(['B86001:2']);
    expect(found(terms('ls14ap'))).toEqual(['B86001:1']);
  });
});
